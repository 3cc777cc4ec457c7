/** The AWS CLI (`aws cloudwatch ...`) against CloudWatch on the emulator's one port, beside `aws elasticache`. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { runTool, type ToolResult } from "../helpers/aws-tools.js";
import { startEmulator } from "../helpers/emulator.js";

let emulator: Emulator;

function aws(args: string[]): Promise<ToolResult> {
  return runTool("aws", ["--endpoint-url", emulator.url, "--region", "us-east-1", "--output", "json", ...args]);
}

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

describe("aws cloudwatch", () => {
  it("describe-alarms lists no alarms, refuses a bad --state-value with ValidationError, and elasticache still answers", async () => {
    const alarms = await aws(["cloudwatch", "describe-alarms"]);
    expect(alarms.code, alarms.stderr).toBe(0);
    expect(JSON.parse(alarms.stdout)).toEqual({ MetricAlarms: [] });

    const bad = await aws(["cloudwatch", "describe-alarms", "--state-value", "NOPE"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("An error occurred (ValidationError) when calling the DescribeAlarms operation");

    const clusters = await aws(["elasticache", "describe-cache-clusters"]);
    expect(clusters.code, clusters.stderr).toBe(0);
    expect(JSON.parse(clusters.stdout)).toEqual({ CacheClusters: [] });
  });
});
