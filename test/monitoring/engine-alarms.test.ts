/**
 * Alarms on the engines' own metrics, with the sampler running on its own clock (every
 * 500 ms): an alarm on a node's CurrItems goes OK -> ALARM when a client writes keys and back
 * to OK when it deletes them, with history; a killed primary moves IsMaster to the promoted
 * replica, and Prometheus counts the replaced engine.
 */
import { DescribeAlarmHistoryCommand, DescribeAlarmsCommand, GetMetricDataCommand, PutMetricAlarmCommand, type CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CreateCacheClusterCommand, CreateReplicationGroupCommand } from "@aws-sdk/client-elasticache";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { cloudwatchClient } from "../cloudwatch/helpers.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { describeReplicationGroup, waitFor, waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";
import { parsePrometheus } from "./helpers.js";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ metricsIntervalMs: 500 });
}, 30_000);
afterAll(async () => {
  await emulator?.stop();
});

async function alarmState(cw: CloudWatchClient, name: string): Promise<string | undefined> {
  return (await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0]?.StateValue;
}

/** The latest sampled value of a node metric (1 s periods, newest first). */
async function latest(cw: CloudWatchClient, metric: string, clusterId: string): Promise<number | undefined> {
  const out = await cw.send(
    new GetMetricDataCommand({
      MetricDataQueries: [
        {
          Id: "m",
          MetricStat: {
            Metric: { Namespace: "AWS/ElastiCache", MetricName: metric, Dimensions: [{ Name: "CacheClusterId", Value: clusterId }, { Name: "CacheNodeId", Value: "0001" }] },
            Period: 1,
            Stat: "Maximum",
          },
        },
      ],
      StartTime: new Date(Date.now() - 60_000),
      EndTime: new Date(Date.now() + 1_000),
    }),
  );
  return out.MetricDataResults?.[0]?.Values?.[0];
}

describe("an alarm on a node's CurrItems", () => {
  it("goes to ALARM when a client writes keys and back to OK when it deletes them, with the history of both", async () => {
    const ec = sdkClient(emulator);
    await ec.send(new CreateCacheClusterCommand({ CacheClusterId: "watched", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
    const cluster = await waitForCluster(ec, "watched", "available");
    const cw = cloudwatchClient(emulator);
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: "watched-items",
        Namespace: "AWS/ElastiCache",
        MetricName: "CurrItems",
        Dimensions: [
          { Name: "CacheClusterId", Value: "watched" },
          { Name: "CacheNodeId", Value: "0001" },
        ],
        Statistic: "Maximum",
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: "GreaterThanThreshold",
      }),
    );
    await waitFor(() => alarmState(cw, "watched-items"), (s) => s === "OK", { timeoutMs: 60_000, intervalMs: 250, what: "the alarm to be OK on an empty node" });

    const client = new Redis(cluster.CacheNodes![0]!.Endpoint!.Port!, "127.0.0.1", { maxRetriesPerRequest: 0 });
    for (let i = 0; i < 10; i++) await client.set(`item${i}`, "x");
    await waitFor(() => alarmState(cw, "watched-items"), (s) => s === "ALARM", { timeoutMs: 60_000, intervalMs: 250, what: "the alarm to be ALARM with 10 keys" });
    const [alarm] = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ["watched-items"] }))).MetricAlarms!;
    expect(alarm!.StateReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[10\.0 \(.*\)\] was greater than the threshold \(5\.0\)/);

    for (let i = 0; i < 10; i++) await client.del(`item${i}`);
    await waitFor(() => alarmState(cw, "watched-items"), (s) => s === "OK", { timeoutMs: 60_000, intervalMs: 250, what: "the alarm to be OK again once the keys are gone" });
    client.disconnect();

    const history = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: "watched-items", HistoryItemType: "StateUpdate", ScanBy: "TimestampAscending" }));
    expect(history.AlarmHistoryItems?.map((h) => h.HistorySummary)).toEqual([
      "Alarm updated from INSUFFICIENT_DATA to OK",
      "Alarm updated from OK to ALARM",
      "Alarm updated from ALARM to OK",
    ]);
  }, 120_000);
});

describe("IsMaster after a killed primary", () => {
  it("moves to the promoted replica, and the replaced engine is counted as a restart", async () => {
    const ec = sdkClient(emulator);
    await ec.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "ha",
        ReplicationGroupDescription: "x",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
      }),
    );
    await waitForReplicationGroup(ec, "ha", (g) => g.Status === "available", 60_000);
    const cw = cloudwatchClient(emulator);
    await waitFor(async () => [await latest(cw, "IsMaster", "ha-001"), await latest(cw, "IsMaster", "ha-002")], (v) => v[0] === 1 && v[1] === 0, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: "IsMaster 1 on ha-001 and 0 on ha-002",
    });

    const group = await describeReplicationGroup(ec, "ha");
    const primary = group.NodeGroups![0]!.NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!;
    expect(primary.CacheClusterId).toBe("ha-001");
    const direct = new Redis(primary.ReadEndpoint!.Port!, "127.0.0.1", { maxRetriesPerRequest: 0 });
    const pid = Number(/process_id:(\d+)/.exec(await direct.info("server"))![1]);
    direct.disconnect();
    process.kill(pid, "SIGKILL"); // the engine this test's emulator started

    await waitFor(async () => [await latest(cw, "IsMaster", "ha-001"), await latest(cw, "IsMaster", "ha-002")], (v) => v[0] === 0 && v[1] === 1, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: "IsMaster 0 on ha-001 (replaced, now a replica) and 1 on ha-002 (promoted)",
    });
    const restarts = await waitFor(
      async () => parsePrometheus(await (await fetch(`${emulator.url}/_emulator/metrics`)).text()).find((s) => s.name === "elasticache_local_engine_restarts_total")?.value,
      (v) => v !== undefined && v >= 1,
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    expect(restarts).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
