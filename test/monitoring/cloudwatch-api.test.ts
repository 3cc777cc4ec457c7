/**
 * The CloudWatch metric and alarm operations through @aws-sdk/client-cloudwatch, in its default
 * protocol (awsJson1_0) and in Smithy RPC v2 CBOR (as the Go and Java SDKs send): PutMetricData
 * read back by GetMetricStatistics and GetMetricData (paging; expressions refused by name), the
 * alarm operations, an alarm evaluated to ALARM and back to OK, per account and region, and
 * alarms and custom metrics kept across a restart with a data dir.
 */
import {
  CloudWatchServiceException,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type PutMetricAlarmCommandInput,
} from "@aws-sdk/client-cloudwatch";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { cloudwatchClient } from "../cloudwatch/helpers.js";
import { startEmulator } from "../helpers/emulator.js";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ metricsIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await emulator?.stop();
});

async function failure(promise: Promise<unknown>): Promise<CloudWatchServiceException & { Code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as CloudWatchServiceException & { Code?: string };
  }
  throw new Error("expected the call to fail");
}

/** A minute-aligned time well inside the retention window. */
const base = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;

for (const protocol of ["default", "rpc-v2-cbor"] as const) {
  describe(`CloudWatch metrics and alarms (${protocol === "default" ? "awsJson1_0" : "RPC v2 CBOR"})`, () => {
    const client = () => cloudwatchClient(emulator, { protocol });
    const ns = `App/${protocol}`;

    it("PutMetricData values, value lists and statistic sets come back from GetMetricStatistics as CloudWatch computes them", async () => {
      await client().send(
        new PutMetricDataCommand({
          Namespace: ns,
          MetricData: [
            { MetricName: "Latency", Dimensions: [{ Name: "Service", Value: "api" }], Timestamp: new Date(base + 1000), Value: 10, Unit: "Milliseconds" },
            { MetricName: "Latency", Dimensions: [{ Name: "Service", Value: "api" }], Timestamp: new Date(base + 2000), Values: [20, 30], Counts: [1, 2], Unit: "Milliseconds" },
            {
              MetricName: "Latency",
              Dimensions: [{ Name: "Service", Value: "api" }],
              Timestamp: new Date(base + 60_000),
              StatisticValues: { SampleCount: 4, Sum: 400, Minimum: 50, Maximum: 150 },
              Unit: "Milliseconds",
            },
          ],
        }),
      );
      const out = await client().send(
        new GetMetricStatisticsCommand({
          Namespace: ns,
          MetricName: "Latency",
          Dimensions: [{ Name: "Service", Value: "api" }],
          StartTime: new Date(base),
          EndTime: new Date(base + 120_000),
          Period: 60,
          Statistics: ["SampleCount", "Sum", "Average", "Minimum", "Maximum"],
          ExtendedStatistics: ["p50"],
        }),
      );
      expect(out.Label).toBe("Latency");
      const points = [...(out.Datapoints ?? [])].sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
      expect(points).toEqual([
        { Timestamp: new Date(base), SampleCount: 4, Sum: 90, Average: 22.5, Minimum: 10, Maximum: 30, Unit: "Milliseconds", ExtendedStatistics: { p50: 20 } },
        { Timestamp: new Date(base + 60_000), SampleCount: 4, Sum: 400, Average: 100, Minimum: 50, Maximum: 150, Unit: "Milliseconds", ExtendedStatistics: {} },
      ]);
      const listed = await client().send(new ListMetricsCommand({ Namespace: ns }));
      expect(listed.Metrics).toEqual([{ Namespace: ns, MetricName: "Latency", Dimensions: [{ Name: "Service", Value: "api" }] }]);
    });

    it("GetMetricData answers each query's values, newest first by default, and pages by MaxDatapoints", async () => {
      const data = Array.from({ length: 5 }, (_, i) => ({ MetricName: "Orders", Timestamp: new Date(base + i * 60_000 + 5_000), Value: i + 1 }));
      await client().send(new PutMetricDataCommand({ Namespace: ns, MetricData: data }));
      const query = (id: string, stat: string) => ({ Id: id, MetricStat: { Metric: { Namespace: ns, MetricName: "Orders" }, Period: 60, Stat: stat } });
      const whole = await client().send(
        new GetMetricDataCommand({ MetricDataQueries: [query("sum", "Sum"), { ...query("max", "Maximum"), Label: "most" }], StartTime: new Date(base), EndTime: new Date(base + 300_000) }),
      );
      expect(whole.NextToken).toBeUndefined();
      expect(whole.MetricDataResults?.map((r) => [r.Id, r.Label, r.Values, r.StatusCode])).toEqual([
        ["sum", "Orders", [5, 4, 3, 2, 1], "Complete"],
        ["max", "most", [5, 4, 3, 2, 1], "Complete"],
      ]);
      expect(whole.MetricDataResults![0]!.Timestamps![0]).toEqual(new Date(base + 240_000));

      const values: Record<string, number[]> = { sum: [], max: [] };
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await client().send(
          new GetMetricDataCommand({
            MetricDataQueries: [query("sum", "Sum"), query("max", "Maximum")],
            StartTime: new Date(base),
            EndTime: new Date(base + 300_000),
            ScanBy: "TimestampAscending",
            MaxDatapoints: 3,
            NextToken: token,
          }),
        );
        for (const r of page.MetricDataResults ?? []) values[r.Id!]!.push(...(r.Values ?? []));
        token = page.NextToken;
        pages++;
      } while (token);
      expect(pages).toBe(4);
      expect(values).toEqual({ sum: [1, 2, 3, 4, 5], max: [1, 2, 3, 4, 5] });
    });

    // The JS SDK gzips PutMetricData bodies of 10 KiB and more. Its CBOR protocol declares the
    // uncompressed Content-Length on the gzip body, which no server can read: there the README's
    // workaround (disableRequestCompression) sends the body as it is, and that is what is tested.
    it("a PutMetricData body of 10 KiB and more is read (gzip-compressed by the SDK in JSON; uncompressed as the README says for CBOR)", async () => {
      const big = cloudwatchClient(emulator, { protocol, disableRequestCompression: protocol === "rpc-v2-cbor" });
      const data = Array.from({ length: 500 }, (_, i) => ({ MetricName: "Bulk", Dimensions: [{ Name: "Shard", Value: `shard-${i % 5}` }], Timestamp: new Date(base + i * 100), Value: 1 }));
      await big.send(new PutMetricDataCommand({ Namespace: ns, MetricData: data }));
      const out = await client().send(
        new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "Bulk", Dimensions: [{ Name: "Shard", Value: "shard-0" }], StartTime: new Date(base), EndTime: new Date(base + 60_000), Period: 60, Statistics: ["SampleCount"] }),
      );
      expect(out.Datapoints?.map((d) => d.SampleCount)).toEqual([100]);
    });

    it("a metric math expression is refused by name, as are a namespace under AWS/ and a datum with two kinds of value", async () => {
      const expression = await failure(
        client().send(new GetMetricDataCommand({ MetricDataQueries: [{ Id: "e1", Expression: "SUM(METRICS())" }], StartTime: new Date(base), EndTime: new Date(base + 60_000) })),
      );
      expect(expression.Code ?? expression.name).toBe("InvalidParameterValue");
      expect(expression.message).toContain('query e1: "SUM(METRICS())"');
      const aws = await failure(client().send(new PutMetricDataCommand({ Namespace: "AWS/ElastiCache", MetricData: [{ MetricName: "CacheHits", Value: 1 }] })));
      expect(aws.Code ?? aws.name).toBe("InvalidParameterValue");
      expect(aws.$metadata.httpStatusCode).toBe(400);
      const both = await failure(
        client().send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: "X", Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }] })),
      );
      expect(both.Code ?? both.name).toBe("InvalidParameterCombination");
      expect(both.message).toBe("The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.");
      const noStat = await failure(client().send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "X", StartTime: new Date(base), EndTime: new Date(base + 60_000), Period: 60 })));
      expect(noStat.Code ?? noStat.name).toBe("InvalidParameterCombination");
      const tooMany = await failure(
        client().send(new GetMetricStatisticsCommand({ Namespace: ns, MetricName: "X", StartTime: new Date(base), EndTime: new Date(base + 1441_000), Period: 1, Statistics: ["Sum"] })),
      );
      expect(tooMany.message).toContain("You have requested up to 1,441 datapoints, which exceeds the limit of 1,440.");
    });

    it("PutMetricAlarm creates an alarm in INSUFFICIENT_DATA with its ARN and tags; the alarm operations act on it; DeleteAlarms removes it", async () => {
      const name = `cfg-${protocol}`;
      await client().send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          MetricName: "Latency",
          Namespace: ns,
          Dimensions: [{ Name: "Service", Value: "api" }],
          Statistic: "Average",
          Period: 60,
          EvaluationPeriods: 2,
          Threshold: 100,
          ComparisonOperator: "GreaterThanThreshold",
          AlarmActions: ["arn:aws:sns:us-east-1:000000000000:page"],
          Tags: [{ Key: "team", Value: "cache" }],
        }),
      );
      const [alarm] = (await client().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms!;
      expect(alarm).toMatchObject({
        AlarmName: name,
        AlarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`,
        StateValue: "INSUFFICIENT_DATA",
        StateReason: "Unchecked: Initial alarm creation",
        ActionsEnabled: true,
        Threshold: 100,
        EvaluationPeriods: 2,
        Dimensions: [{ Name: "Service", Value: "api" }],
      });
      expect((await client().send(new ListTagsForResourceCommand({ ResourceARN: alarm!.AlarmArn! }))).Tags).toEqual([{ Key: "team", Value: "cache" }]);
      await client().send(new TagResourceCommand({ ResourceARN: alarm!.AlarmArn!, Tags: [{ Key: "env", Value: "test" }] }));
      await client().send(new UntagResourceCommand({ ResourceARN: alarm!.AlarmArn!, TagKeys: ["team"] }));
      expect((await client().send(new ListTagsForResourceCommand({ ResourceARN: alarm!.AlarmArn! }))).Tags).toEqual([{ Key: "env", Value: "test" }]);

      const forMetric = await client().send(new DescribeAlarmsForMetricCommand({ Namespace: ns, MetricName: "Latency", Dimensions: [{ Name: "Service", Value: "api" }] }));
      expect(forMetric.MetricAlarms?.map((a) => a.AlarmName)).toEqual([name]);
      expect((await client().send(new DescribeAlarmsForMetricCommand({ Namespace: ns, MetricName: "Latency", Period: 300 }))).MetricAlarms).toEqual([]);

      await client().send(new DisableAlarmActionsCommand({ AlarmNames: [name] }));
      expect((await client().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!.ActionsEnabled).toBe(false);
      await client().send(new EnableAlarmActionsCommand({ AlarmNames: [name] }));

      await client().send(new SetAlarmStateCommand({ AlarmName: name, StateValue: "ALARM", StateReason: "testing the page" }));
      expect((await client().send(new DescribeAlarmsCommand({ StateValue: "ALARM", AlarmNamePrefix: "cfg-" }))).MetricAlarms?.map((a) => a.AlarmName)).toContain(name);
      const history = await client().send(new DescribeAlarmHistoryCommand({ AlarmName: name }));
      expect(history.AlarmHistoryItems?.map((h) => [h.HistoryItemType, h.HistorySummary])).toEqual([
        ["StateUpdate", "Alarm updated from INSUFFICIENT_DATA to ALARM"],
        ["ConfigurationUpdate", `Alarm "${name}" created`],
      ]);
      expect(JSON.parse(history.AlarmHistoryItems![0]!.HistoryData!)).toMatchObject({ oldState: { stateValue: "INSUFFICIENT_DATA" }, newState: { stateValue: "ALARM", stateReason: "testing the page" } });

      const unknown = await failure(client().send(new SetAlarmStateCommand({ AlarmName: "nope", StateValue: "OK", StateReason: "x" })));
      expect(unknown.Code ?? unknown.name).toBe("ResourceNotFound");
      expect(unknown.$metadata.httpStatusCode).toBe(404);
      const badJson = await failure(client().send(new SetAlarmStateCommand({ AlarmName: name, StateValue: "OK", StateReason: "x", StateReasonData: "{" })));
      expect(badJson.Code ?? badJson.name).toBe("InvalidFormat");

      await client().send(new DeleteAlarmsCommand({ AlarmNames: [name] }));
      expect((await client().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms).toEqual([]);
      const gone = await failure(client().send(new ListTagsForResourceCommand({ ResourceARN: alarm!.AlarmArn! })));
      expect(gone.$metadata.httpStatusCode).toBe(404);
    });

    it("an alarm on a PutMetricData metric goes INSUFFICIENT_DATA -> ALARM on a breaching datapoint, and to OK when the threshold no longer is crossed", async () => {
      const name = `eval-${protocol}`;
      const alarm: PutMetricAlarmCommandInput = {
        AlarmName: name,
        MetricName: "QueueDepth",
        Namespace: ns,
        Statistic: "Maximum",
        Period: 10,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 1,
        Threshold: 50,
        ComparisonOperator: "GreaterThanThreshold",
        TreatMissingData: "missing",
      };
      await client().send(new PutMetricAlarmCommand(alarm));
      emulator.evaluateAlarms();
      expect((await client().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!.StateValue).toBe("INSUFFICIENT_DATA");

      // In the latest complete 10 s period: it stays in the 30 s evaluation window for 20 s at least.
      await client().send(new PutMetricDataCommand({ Namespace: ns, MetricData: [{ MetricName: "QueueDepth", Value: 100, Timestamp: new Date(Date.now() - 10_000) }] }));
      emulator.evaluateAlarms();
      const alarmed = (await client().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!;
      expect(alarmed.StateValue, alarmed.StateReason).toBe("ALARM");
      expect(alarmed.StateReason).toMatch(/^Threshold Crossed: 1 out of the last 3 datapoints \[100\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(50\.0\) \(minimum 1 datapoint for OK -> ALARM transition\)\.$/);
      expect(JSON.parse(alarmed.StateReasonData!)).toMatchObject({ version: "1.0", statistic: "Maximum", period: 10, threshold: 50, recentDatapoints: [100] });

      // The same datapoint no longer crosses a threshold of 500: the alarm, evaluated on its change of configuration, is OK.
      await client().send(new PutMetricAlarmCommand({ ...alarm, Threshold: 500 }));
      const ok = (await client().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0]!;
      expect(ok.StateValue).toBe("OK");
      expect(ok.StateReason).toMatch(/was not greater than the threshold \(500\.0\) \(minimum 1 datapoint for ALARM -> OK transition\)\.$/);
      const history = await client().send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: "StateUpdate", ScanBy: "TimestampAscending" }));
      expect(history.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual(["Alarm updated from INSUFFICIENT_DATA to ALARM", "Alarm updated from ALARM to OK"]);
    });
  });
}

describe("CloudWatch per account and region", () => {
  it("alarms and metrics of one account and region are not seen from another", async () => {
    const other = cloudwatchClient(emulator, { region: "eu-west-1", accessKeyId: "111111111111" });
    await other.send(new PutMetricDataCommand({ Namespace: "Scoped", MetricData: [{ MetricName: "M", Value: 1 }] }));
    await other.send(new PutMetricAlarmCommand({ AlarmName: "scoped", MetricName: "M", Namespace: "Scoped", Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanThreshold" }));
    const [alarm] = (await other.send(new DescribeAlarmsCommand({ AlarmNames: ["scoped"] }))).MetricAlarms!;
    expect(alarm!.AlarmArn).toBe("arn:aws:cloudwatch:eu-west-1:111111111111:alarm:scoped");
    const home = cloudwatchClient(emulator);
    expect((await home.send(new DescribeAlarmsCommand({ AlarmNames: ["scoped"] }))).MetricAlarms).toEqual([]);
    expect((await home.send(new ListMetricsCommand({ Namespace: "Scoped" }))).Metrics).toEqual([]);
    expect((await other.send(new ListMetricsCommand({ Namespace: "Scoped" }))).Metrics).toHaveLength(1);
  });
});

describe("CloudWatch with a data dir", () => {
  it("keeps alarms, their history and tags, and PutMetricData metrics across a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "elasticache-local-cw-"));
    try {
      let first: Emulator | undefined = await startEmulator({ dataDir, metricsIntervalMs: 3_600_000 });
      const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 120_000);
      try {
        const cw = cloudwatchClient(first);
        await cw.send(new PutMetricDataCommand({ Namespace: "Kept", MetricData: [{ MetricName: "Jobs", Value: 42, Timestamp: at, Unit: "Count" }] }));
        await cw.send(
          new PutMetricAlarmCommand({ AlarmName: "kept", MetricName: "Jobs", Namespace: "Kept", Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: "GreaterThanThreshold", Tags: [{ Key: "k", Value: "v" }] }),
        );
      } finally {
        await first.stop();
        first = undefined;
      }
      const second = await startEmulator({ dataDir, metricsIntervalMs: 3_600_000 });
      try {
        const cw = cloudwatchClient(second);
        const [alarm] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["kept"] }))).MetricAlarms!;
        expect(alarm).toMatchObject({ AlarmName: "kept", Threshold: 1, Namespace: "Kept" });
        expect(alarm!.AlarmConfigurationUpdatedTimestamp).toBeInstanceOf(Date);
        expect((await cw.send(new ListTagsForResourceCommand({ ResourceARN: alarm!.AlarmArn! }))).Tags).toEqual([{ Key: "k", Value: "v" }]);
        expect((await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: "kept" }))).AlarmHistoryItems?.map((h) => h.HistorySummary)).toContain('Alarm "kept" created');
        const stats = await cw.send(
          new GetMetricStatisticsCommand({ Namespace: "Kept", MetricName: "Jobs", StartTime: at, EndTime: new Date(at.getTime() + 60_000), Period: 60, Statistics: ["Sum"] }),
        );
        expect(stats.Datapoints?.map((d) => [d.Sum, d.Unit])).toEqual([[42, "Count"]]);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
