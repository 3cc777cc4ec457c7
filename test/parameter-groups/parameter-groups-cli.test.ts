/**
 * Parameter groups through the AWS CLI (botocore): its paginators follow `Marker` for
 * describe-cache-parameters and `EngineDefaults.Marker` for describe-engine-default-parameters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { runTool, type ToolResult } from "../helpers/aws-tools.js";
import { startEmulator } from "../helpers/emulator.js";

let emulator: Emulator;

function aws(args: string[]): Promise<ToolResult> {
  return runTool("aws", ["--endpoint-url", emulator.url, "--region", "us-east-1", "elasticache", ...args]);
}

async function json(args: string[]): Promise<any> {
  const result = await aws(args);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim() ? JSON.parse(result.stdout) : undefined;
}

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

describe("aws elasticache parameter groups", () => {
  it("create, modify, describe (paged by the CLI, filtered by source), reset and delete", async () => {
    await json(["create-cache-parameter-group", "--cache-parameter-group-name", "cli-pg", "--cache-parameter-group-family", "redis7", "--description", "cli"]);
    await json([
      "modify-cache-parameter-group",
      "--cache-parameter-group-name",
      "cli-pg",
      "--parameter-name-values",
      "ParameterName=maxmemory-policy,ParameterValue=allkeys-lru",
      "ParameterName=notify-keyspace-events,ParameterValue=Ex",
    ]);
    const paged = await json(["describe-cache-parameters", "--cache-parameter-group-name", "cli-pg", "--page-size", "20"]);
    const whole = await json(["describe-cache-parameters", "--cache-parameter-group-name", "cli-pg", "--no-paginate", "--max-records", "100"]);
    expect(paged.Parameters.length).toBe(whole.Parameters.length);
    expect(paged.Parameters.length).toBeGreaterThan(40);
    const user = await json(["describe-cache-parameters", "--cache-parameter-group-name", "cli-pg", "--source", "user"]);
    expect(user.Parameters.map((p: any) => `${p.ParameterName}=${p.ParameterValue}`)).toEqual(["maxmemory-policy=allkeys-lru", "notify-keyspace-events=Ex"]);
    await json(["reset-cache-parameter-group", "--cache-parameter-group-name", "cli-pg", "--reset-all-parameters"]);
    expect((await json(["describe-cache-parameters", "--cache-parameter-group-name", "cli-pg", "--source", "user"])).Parameters).toEqual([]);
    await json(["delete-cache-parameter-group", "--cache-parameter-group-name", "cli-pg"]);
    const gone = await aws(["describe-cache-parameter-groups", "--cache-parameter-group-name", "cli-pg"]);
    expect(gone.stderr).toMatch(/CacheParameterGroupNotFound/);
  });

  it("describe-engine-default-parameters pages through EngineDefaults.Marker", async () => {
    const paged = await json(["describe-engine-default-parameters", "--cache-parameter-group-family", "redis6.x", "--page-size", "20"]);
    const whole = await json(["describe-engine-default-parameters", "--cache-parameter-group-family", "redis6.x", "--no-paginate", "--max-records", "100"]);
    expect(paged.EngineDefaults.Parameters.map((p: any) => p.ParameterName)).toEqual(whole.EngineDefaults.Parameters.map((p: any) => p.ParameterName));
    expect(paged.EngineDefaults.Parameters.length).toBeGreaterThan(20);
  });
});
