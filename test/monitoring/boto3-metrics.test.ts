/**
 * boto3 against CloudWatch metrics and alarms on the emulator: test/monitoring/boto3_metrics.py
 * runs the calls in the protocol boto3 resolves (awsJson1_0) and in awsQuery through botocore's
 * own serializer and parser, and reports what came back.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { runTool } from "../helpers/aws-tools.js";
import { startEmulator } from "../helpers/emulator.js";

const script = join(dirname(fileURLToPath(import.meta.url)), "boto3_metrics.py");

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ metricsIntervalMs: 200 });
});
afterAll(async () => {
  await emulator?.stop();
});

describe("boto3 cloudwatch metrics and alarms", () => {
  it("put/get metric data, list metrics, alarms, errors, in JSON and in query, and a cache cluster's own metrics", async () => {
    const result = await runTool("python3", [script, emulator.url]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);

    expect(report.protocol).toBe("json");
    expect(report.statistics).toEqual([
      [0, 3, 1, "Count"],
      [60, 4, 1, "Count"],
    ]);
    expect(report.metric_data).toEqual([["c", [3, 4], "Complete"]]);
    expect(report.list_metrics).toEqual([{ Namespace: "Shop", MetricName: "Checkout", Dimensions: [{ Name: "Region", Value: "eu" }] }]);
    expect(report.list_metrics_paginated).toBe(1);
    expect(report.alarm).toEqual({
      AlarmName: "checkout-high",
      AlarmArn: "arn:aws:cloudwatch:us-east-1:000000000000:alarm:checkout-high",
      Threshold: 100,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
      ActionsEnabled: true,
    });
    expect(report.alarm_tags).toEqual([{ Key: "owner", Value: "shop" }]);
    expect(report.alarm_state).toBe("ALARM");
    expect(report.history).toContain("Alarm updated from OK to ALARM");
    expect(report.history).toContain('Alarm "checkout-high" created');
    expect(report.for_metric).toEqual(["checkout-high"]);
    expect(report.errors.aws_namespace).toMatchObject({ code: "InvalidParameterValue", status: 400, message: "The value AWS/ElastiCache for parameter Namespace is invalid." });
    expect(report.errors.expression).toMatchObject({ code: "InvalidParameterValue", status: 400 });
    expect(report.errors.delete_unknown).toMatchObject({ code: "ResourceNotFound", status: 404 });
    expect(report.after_delete).toEqual([]);

    expect(report.query_statistics).toEqual([200, [3, 4]]);
    expect(report.query_metric_data).toEqual([200, [["c", [4, 3], 2]]]);
    expect(report.query_put).toBe(200);
    expect(report.query_list).toEqual(["ViaQuery"]);

    expect(report.elasticache_metric).toEqual([
      {
        Namespace: "AWS/ElastiCache",
        MetricName: "CurrItems",
        Dimensions: [
          { Name: "CacheClusterId", Value: "boto-metrics" },
          { Name: "CacheNodeId", Value: "0001" },
        ],
      },
    ]);
  }, 120_000);
});
