/**
 * The AWS CLI against CloudWatch metrics and alarms on the emulator's one port, in both wire
 * protocols the CLIs here send: Debian's /usr/bin/aws (v2.9, awsQuery) and the `aws` first on
 * PATH (v1 on a current botocore: awsJson1_0).
 */
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { runTool, type ToolResult } from "../helpers/aws-tools.js";
import { startEmulator } from "../helpers/emulator.js";

let emulator: Emulator;
let cli = "aws";

function aws(args: string[]): Promise<ToolResult> {
  return runTool(cli, ["--endpoint-url", emulator.url, "--region", "us-east-1", "--output", "json", ...args]);
}

/** A timestamp as either CLI prints it (ISO 8601, or epoch seconds as JSON carried it) -> epoch ms. */
const when = (value: unknown) => (typeof value === "number" ? value * 1000 : Date.parse(String(value)));

async function ok(args: string[]): Promise<unknown> {
  const result = await aws(args);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim() === "" ? undefined : JSON.parse(result.stdout);
}

beforeAll(async () => {
  emulator = await startEmulator({ metricsIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await emulator?.stop();
});

const clis = [
  { name: "/usr/bin/aws (v2.9, awsQuery)", path: "/usr/bin/aws" },
  { name: "aws on PATH (awsJson1_0)", path: "aws" },
].filter((c) => c.path === "aws" || existsSync(c.path));

describe.each(clis)("$name: cloudwatch metrics and alarms", ({ path }) => {
  beforeAll(async () => {
    cli = path;
    await emulator.reset();
  });

  it("put-metric-data, get-metric-statistics, get-metric-data, list-metrics", async () => {
    const base = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000);
    const at = (s: number) => new Date(base.getTime() + s * 1000).toISOString();
    await ok(["cloudwatch", "put-metric-data", "--namespace", "Cli", "--metric-name", "Jobs", "--dimensions", "Queue=mail", "--value", "7", "--unit", "Count", "--timestamp", at(1)]);
    await ok(["cloudwatch", "put-metric-data", "--namespace", "Cli", "--metric-data", JSON.stringify([{ MetricName: "Jobs", Dimensions: [{ Name: "Queue", Value: "mail" }], Value: 5, Unit: "Count", Timestamp: at(2) }])]);
    const stats = (await ok([
      "cloudwatch", "get-metric-statistics", "--namespace", "Cli", "--metric-name", "Jobs", "--dimensions", "Name=Queue,Value=mail",
      "--start-time", base.toISOString(), "--end-time", at(60), "--period", "60", "--statistics", "Sum", "Maximum", "SampleCount",
    ])) as { Label: string; Datapoints: Array<Record<string, unknown>> };
    expect(stats.Label).toBe("Jobs");
    expect(stats.Datapoints.map((d) => ({ ...d, Timestamp: when(d.Timestamp) }))).toEqual([{ Timestamp: base.getTime(), Sum: 12, Maximum: 7, SampleCount: 2, Unit: "Count" }]);
    const data = (await ok([
      "cloudwatch", "get-metric-data", "--start-time", base.toISOString(), "--end-time", at(60),
      "--metric-data-queries", JSON.stringify([{ Id: "jobs", MetricStat: { Metric: { Namespace: "Cli", MetricName: "Jobs", Dimensions: [{ Name: "Queue", Value: "mail" }] }, Period: 60, Stat: "Average" } }]),
    ])) as { MetricDataResults: Array<{ Id: string; Values: number[]; StatusCode: string }> };
    expect(data.MetricDataResults.map((r) => [r.Id, r.Values, r.StatusCode])).toEqual([["jobs", [6], "Complete"]]);
    const listed = (await ok(["cloudwatch", "list-metrics", "--namespace", "Cli"])) as { Metrics: unknown[] };
    expect(listed.Metrics).toEqual([{ Namespace: "Cli", MetricName: "Jobs", Dimensions: [{ Name: "Queue", Value: "mail" }] }]);

    const refused = await aws(["cloudwatch", "put-metric-data", "--namespace", "AWS/ElastiCache", "--metric-name", "CacheHits", "--value", "1"]);
    expect(refused.code).not.toBe(0);
    // (CLI v2 words it "... operation (reached max retries: 0): ...".)
    expect(refused.stderr).toMatch(/An error occurred \(InvalidParameterValue\) when calling the PutMetricData operation( \(reached max retries: 0\))?: The value AWS\/ElastiCache for parameter Namespace is invalid\./);
  });

  it("put-metric-alarm, describe-alarms, set-alarm-state, describe-alarm-history, tags, delete-alarms", async () => {
    await ok([
      "cloudwatch", "put-metric-alarm", "--alarm-name", "cli-cpu", "--namespace", "AWS/ElastiCache", "--metric-name", "EngineCPUUtilization",
      "--dimensions", "Name=CacheClusterId,Value=c1", "--statistic", "Average", "--period", "60", "--evaluation-periods", "3", "--datapoints-to-alarm", "2",
      "--threshold", "90", "--comparison-operator", "GreaterThanThreshold", "--treat-missing-data", "ignore", "--tags", "Key=team,Value=cache",
    ]);
    const described = (await ok(["cloudwatch", "describe-alarms", "--alarm-names", "cli-cpu"])) as { MetricAlarms: Array<Record<string, unknown>> };
    expect(described.MetricAlarms[0]).toMatchObject({
      AlarmName: "cli-cpu",
      StateValue: "INSUFFICIENT_DATA",
      Namespace: "AWS/ElastiCache",
      MetricName: "EngineCPUUtilization",
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 90,
      TreatMissingData: "ignore",
    });
    const arn = described.MetricAlarms[0]!.AlarmArn as string;
    expect(await ok(["cloudwatch", "list-tags-for-resource", "--resource-arn", arn])).toEqual({ Tags: [{ Key: "team", Value: "cache" }] });
    await ok(["cloudwatch", "set-alarm-state", "--alarm-name", "cli-cpu", "--state-value", "ALARM", "--state-reason", "drill"]);
    const history = (await ok(["cloudwatch", "describe-alarm-history", "--alarm-name", "cli-cpu", "--history-item-type", "StateUpdate"])) as { AlarmHistoryItems: Array<{ HistorySummary: string }> };
    expect(history.AlarmHistoryItems.map((h) => h.HistorySummary)).toEqual(["Alarm updated from INSUFFICIENT_DATA to ALARM"]);
    const forMetric = (await ok(["cloudwatch", "describe-alarms-for-metric", "--namespace", "AWS/ElastiCache", "--metric-name", "EngineCPUUtilization"])) as { MetricAlarms: unknown[] };
    expect(forMetric.MetricAlarms).toHaveLength(1);
    await ok(["cloudwatch", "delete-alarms", "--alarm-names", "cli-cpu"]);
    expect(await ok(["cloudwatch", "describe-alarms"])).toEqual({ MetricAlarms: [] });
    const missing = await aws(["cloudwatch", "set-alarm-state", "--alarm-name", "cli-cpu", "--state-value", "OK", "--state-reason", "x"]);
    expect(missing.stderr).toContain("An error occurred (ResourceNotFound) when calling the SetAlarmState operation");
  });
});
