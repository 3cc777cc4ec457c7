/**
 * DescribeAlarms' rules on a region's alarm collection, without a server: the collection is
 * filled directly, as PutMetricAlarm fills it.
 */
import { describe, expect, it } from "vitest";
import type { DescribeAlarmsInput } from "../../src/generated/cloudwatch.js";
import { silentLogger } from "../../src/logger.js";
import { AwsError } from "../../src/protocol/aws-error.js";
import { describeAlarms, alarmsInRule } from "../../src/services/cloudwatch/actions/describe-alarms.js";
import { AlarmStore, type RegionAlarms } from "../../src/services/cloudwatch/alarms.js";
import { MetricStore } from "../../src/services/cloudwatch/metric-store.js";

function regionWith(): RegionAlarms {
  const store = new AlarmStore();
  const alarms = store.region({ accountId: "111111111111", region: "eu-west-1" });
  for (let i = 1; i <= 7; i++) {
    alarms.put({
      type: "MetricAlarm",
      alarm: { AlarmName: `cpu-${i}`, StateValue: i % 2 ? "ALARM" : "OK", AlarmActions: i === 3 ? ["arn:aws:sns:eu-west-1:111111111111:page"] : [] },
    });
  }
  alarms.put({ type: "MetricAlarm", alarm: { AlarmName: "mem-1", StateValue: "OK" } });
  alarms.put({ type: "CompositeAlarm", alarm: { AlarmName: "any-cpu", StateValue: "ALARM", AlarmRule: 'ALARM("cpu-1") OR ALARM(cpu-2)' } });
  return alarms;
}

const call = (alarms: RegionAlarms, input: DescribeAlarmsInput) =>
    describeAlarms(
    { requestId: "r", accountId: "111111111111", region: "eu-west-1", alarms, metrics: new MetricStore().region(alarms.scope), changed: () => {}, logger: silentLogger },
    input,
  );
const names = (out: Awaited<ReturnType<typeof call>>) => [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])].map((a) => a.AlarmName);

describe("DescribeAlarms", () => {
  it("lists metric alarms only unless AlarmTypes asks for composite ones", async () => {
    const alarms = regionWith();
    expect(names(await call(alarms, {}))).toEqual(["cpu-1", "cpu-2", "cpu-3", "cpu-4", "cpu-5", "cpu-6", "cpu-7", "mem-1"]);
    const both = await call(alarms, { AlarmTypes: ["CompositeAlarm", "MetricAlarm"] });
    expect(both.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(["any-cpu"]);
    expect(both.MetricAlarms).toHaveLength(8);
  });

  it("filters by names, prefix, state and action prefix", async () => {
    const alarms = regionWith();
    expect(names(await call(alarms, { AlarmNames: ["mem-1", "cpu-2", "missing"] }))).toEqual(["cpu-2", "mem-1"]);
    expect(names(await call(alarms, { AlarmNamePrefix: "mem" }))).toEqual(["mem-1"]);
    expect(names(await call(alarms, { StateValue: "OK", AlarmNamePrefix: "cpu-" }))).toEqual(["cpu-2", "cpu-4", "cpu-6"]);
    expect(names(await call(alarms, { ActionPrefix: "arn:aws:sns:" }))).toEqual(["cpu-3"]);
  });

  it("follows composite rules for ChildrenOfAlarmName and ParentsOfAlarmName", async () => {
    const alarms = regionWith();
    expect(names(await call(alarms, { ChildrenOfAlarmName: "any-cpu" }))).toEqual(["cpu-1", "cpu-2"]);
    expect(names(await call(alarms, { ParentsOfAlarmName: "cpu-2", AlarmTypes: ["CompositeAlarm"] }))).toEqual(["any-cpu"]);
    expect(alarmsInRule('ALARM("a b") AND NOT OK(c) OR INSUFFICIENT_DATA( d )')).toEqual(["a b", "c", "d"]);
  });

  it("pages with NextToken/MaxRecords (the paginator's names), with no token on the last page", async () => {
    const alarms = regionWith();
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await call(alarms, { MaxRecords: 3, NextToken: token });
      seen.push(...names(out));
      token = out.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(["cpu-1", "cpu-2", "cpu-3", "cpu-4", "cpu-5", "cpu-6", "cpu-7", "mem-1"]);
  });

  it("refuses AlarmNames with AlarmNamePrefix, and relations with other filters, as InvalidParameterCombination", async () => {
    const alarms = regionWith();
    await expect(call(alarms, { AlarmNames: ["a"], AlarmNamePrefix: "a" })).rejects.toMatchObject({ code: "InvalidParameterCombination", httpStatus: 400 });
    await expect(call(alarms, { ChildrenOfAlarmName: "any-cpu", StateValue: "OK" })).rejects.toMatchObject({ code: "InvalidParameterCombination" });
    expect(names(await call(alarms, { ChildrenOfAlarmName: "any-cpu", MaxRecords: 1 }))).toEqual(["cpu-1"]);
  });

  it("refuses a token it did not hand out with the modeled InvalidNextToken", async () => {
    const error = await call(regionWith(), { NextToken: "%%%" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ code: "InvalidNextToken", httpStatus: 400, shape: "InvalidNextToken" });
  });

  it("keeps each account and region apart", async () => {
    const store = new AlarmStore();
    store.region({ accountId: "111111111111", region: "eu-west-1" }).put({ type: "MetricAlarm", alarm: { AlarmName: "x" } });
    expect(store.region({ accountId: "111111111111", region: "us-east-1" }).all()).toEqual([]);
    expect(store.region({ accountId: "222222222222", region: "eu-west-1" }).all()).toEqual([]);
    store.clear();
    expect(store.region({ accountId: "111111111111", region: "eu-west-1" }).all()).toEqual([]);
  });
});
