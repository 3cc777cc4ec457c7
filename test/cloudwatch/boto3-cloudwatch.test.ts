/**
 * botocore (boto3) against CloudWatch on the emulator: test/cloudwatch/boto3_cloudwatch.py calls
 * DescribeAlarms in the protocol boto3 resolves (awsJson1_0 since botocore 1.42.7) and in awsQuery
 * through botocore's own serializer and parser, next to an ElastiCache call on the same endpoint.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { runTool } from "../helpers/aws-tools.js";
import { startEmulator } from "../helpers/emulator.js";

const script = join(dirname(fileURLToPath(import.meta.url)), "boto3_cloudwatch.py");

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

describe("boto3 cloudwatch", () => {
  it("describe_alarms works in JSON and in query, errors carry AWS's codes, and ElastiCache answers alongside", async () => {
    const result = await runTool("python3", [script, emulator.url]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);

    expect(report.protocol).toBe("json");
    expect(report.json).toEqual({ metric_alarms: [], has_next_token: false, request_id: true });
    expect(report.paginator_pages).toEqual([[]]);
    expect(report.json_errors.state_value).toEqual({
      code: "ValidationError",
      status: 400,
      message:
        "1 validation error detected: Value 'SOMETIMES' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [OK, ALARM, INSUFFICIENT_DATA]",
    });
    expect(report.json_errors.max_records).toMatchObject({ code: "ValidationError", status: 400 });
    expect(report.json_errors.names_and_prefix).toMatchObject({ code: "InvalidParameterCombination", status: 400 });
    expect(report.elasticache).toEqual([]);

    // Query: routed by the SigV4 scope's service (monitoring), or unsigned by Version=2010-08-01.
    expect(report.query.signed).toEqual({ status: 200, parsed: { MetricAlarms: [] }, namespace: true });
    expect(report.query.unsigned_by_version).toEqual({ status: 200, parsed: { MetricAlarms: [] }, namespace: true });
    expect(report.query.state_value.status).toBe(400);
    expect(report.query.state_value.parsed.Error).toMatchObject({ Type: "Sender", Code: "ValidationError" });
  });
});
