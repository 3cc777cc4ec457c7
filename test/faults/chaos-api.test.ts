/**
 * API faults in LocalStack's Chaos API shape (/_emulator/chaos/faults, /_emulator/chaos/effects):
 * SDK calls get the injected error in their API's own wire format and retry it as configured,
 * rules match by service, operation and region (first match wins), latency is seen, clearing
 * restores normal service, and bad rules are refused.
 */
import { ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeCacheClustersCommand, DescribeEventsCommand, ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { cloudwatchClient } from "../cloudwatch/helpers.js";
import { startEmulator } from "../helpers/emulator.js";
import { activeFaults, emulatorCall } from "./helpers.js";

let emulator: Emulator;

function elasticache(maxAttempts: number, region = "us-east-1"): ElastiCacheClient {
  return new ElastiCacheClient({ endpoint: emulator.url, region, credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts });
}

/** The error an SDK call ends with (undefined when it succeeds). */
async function failure(call: Promise<unknown>): Promise<{ name: string; status?: number; attempts?: number; message: string } | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number; attempts?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, attempts: e.$metadata?.attempts, message: e.message };
  }
}

beforeAll(async () => {
  emulator = await startEmulator();
});
afterEach(async () => {
  await emulatorCall(emulator, "DELETE", "faults");
});
afterAll(async () => {
  await emulator?.stop();
});

describe("fault rules", () => {
  it("an ElastiCache call gets 503 ServiceUnavailable by default and the SDK retries it maxAttempts times; clearing restores service", async () => {
    const set = await emulatorCall(emulator, "POST", "chaos/faults", [{ service: "elasticache", operation: "DescribeCacheClusters" }]);
    expect(set).toEqual({ status: 200, json: [{ service: "elasticache", operation: "DescribeCacheClusters" }] });
    const error = await failure(elasticache(3).send(new DescribeCacheClustersCommand({})));
    expect(error).toMatchObject({ name: "ServiceUnavailable", status: 503, attempts: 3, message: "Failing as per Fault Injection Simulator configuration" });
    // Another operation is untouched.
    expect(await failure(elasticache(1).send(new DescribeEventsCommand({})))).toBeUndefined();
    const listed = await activeFaults(emulator);
    expect(listed).toEqual([
      expect.objectContaining({ id: expect.stringMatching(/^chaos-\d+$/), kind: "api-error", target: { service: "elasticache", operation: "DescribeCacheClusters" }, details: { probability: 1, error: { statusCode: 503, code: "ServiceUnavailable" } } }),
    ]);
    expect((await emulatorCall(emulator, "DELETE", `faults/${listed[0]!.id}`)).status).toBe(200);
    expect(await failure(elasticache(1).send(new DescribeCacheClustersCommand({})))).toBeUndefined();
  });

  it("a throttling error is retried as throttling, a client error is not retried", async () => {
    await emulatorCall(emulator, "POST", "chaos/faults", [{ service: "elasticache", error: { statusCode: 400, code: "Throttling" } }]);
    expect(await failure(elasticache(2).send(new DescribeCacheClustersCommand({})))).toMatchObject({ name: "Throttling", status: 400, attempts: 2 });
    await emulatorCall(emulator, "POST", "chaos/faults", [{ service: "elasticache", error: { statusCode: 400, code: "InvalidParameterValue" } }]);
    expect(await failure(elasticache(3).send(new DescribeCacheClustersCommand({})))).toMatchObject({ name: "InvalidParameterValueException", status: 400, attempts: 1 }); // the SDK maps the code to its modeled error
  });

  it("matches region and operation, takes the first matching rule, and never fires at probability 0", async () => {
    await emulatorCall(emulator, "POST", "chaos/faults", [
      { region: "eu-west-1", error: { statusCode: 500, code: "InternalFailure" } },
      { operation: "DescribeCacheClusters", probability: 0 },
      { operation: "DescribeCacheClusters", error: { statusCode: 429, code: "ThrottlingException" } },
      { operation: "DescribeCacheClusters", error: { statusCode: 500, code: "Never" } },
    ]);
    expect(await failure(elasticache(1, "eu-west-1").send(new DescribeEventsCommand({})))).toMatchObject({ name: "InternalFailure", status: 500 });
    expect(await failure(elasticache(1).send(new DescribeEventsCommand({})))).toBeUndefined();
    expect(await failure(elasticache(1).send(new DescribeCacheClustersCommand({})))).toMatchObject({ name: "ThrottlingException", status: 429 });
  });

  it("PATCH adds rules, DELETE removes the rules given, GET lists them", async () => {
    await emulatorCall(emulator, "POST", "chaos/faults", [{ service: "elasticache" }]);
    const added = await emulatorCall(emulator, "PATCH", "chaos/faults", [{ service: "cloudwatch", operation: "ListMetrics" }]);
    expect(added.json).toEqual([{ service: "elasticache" }, { service: "cloudwatch", operation: "ListMetrics" }]);
    const removed = await emulatorCall(emulator, "DELETE", "chaos/faults", [{ service: "elasticache" }]);
    expect(removed.json).toEqual([{ service: "cloudwatch", operation: "ListMetrics" }]);
    expect((await emulatorCall(emulator, "GET", "chaos/faults")).json).toEqual([{ service: "cloudwatch", operation: "ListMetrics" }]);
    expect(await failure(elasticache(1).send(new DescribeCacheClustersCommand({})))).toBeUndefined();
  });
});

describe("each API's own wire format", () => {
  it("CloudWatch over its default protocol (JSON) and over RPC v2 CBOR", async () => {
    await emulatorCall(emulator, "POST", "chaos/faults", [{ service: "cloudwatch", error: { statusCode: 400, code: "LimitExceededFault" } }]);
    for (const protocol of ["default", "rpc-v2-cbor"] as const) {
      const cw = cloudwatchClient(emulator, { protocol });
      expect(await failure(cw.send(new ListMetricsCommand({})))).toMatchObject({ name: "LimitExceededFault", status: 400 });
    }
    // The rule names CloudWatch's signing name just as well.
    await emulatorCall(emulator, "POST", "chaos/faults", [{ service: "monitoring" }]);
    expect(await failure(cloudwatchClient(emulator).send(new ListMetricsCommand({})))).toMatchObject({ name: "ServiceUnavailable", status: 503 });
  });

  it("CloudWatch and ElastiCache over the query protocol: an XML ErrorResponse", async () => {
    await emulatorCall(emulator, "POST", "chaos/faults", [{}]);
    for (const body of ["Action=ListMetrics&Version=2010-08-01", "Action=DescribeCacheClusters&Version=2015-02-02"]) {
      const response = await fetch(emulator.url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
      expect(response.status).toBe(503);
      const xml = await response.text();
      expect(xml).toContain("<ErrorResponse");
      expect(xml).toContain("<Code>ServiceUnavailable</Code>");
      expect(xml).toContain("<Type>Receiver</Type>");
    }
  });
});

describe("effects", () => {
  it("latency delays every API call until it is set back to 0", async () => {
    expect((await emulatorCall(emulator, "POST", "chaos/effects", { latency: 400 })).json).toEqual({ latency: 400 });
    expect((await emulatorCall(emulator, "GET", "chaos/effects")).json).toEqual({ latency: 400 });
    expect((await activeFaults(emulator)).map((f) => f.id)).toEqual(["chaos-latency"]);
    const started = Date.now();
    await elasticache(1).send(new DescribeCacheClustersCommand({}));
    const slow = Date.now() - started;
    console.log(`an API call with 400 ms of latency took ${slow} ms`);
    expect(slow).toBeGreaterThanOrEqual(400);
    await emulatorCall(emulator, "POST", "chaos/effects", { latency: 0 });
    expect(await activeFaults(emulator)).toEqual([]);
  });
});

describe("refusals", () => {
  it("answers 400 for bad rules and effects, and keeps the rules as they were", async () => {
    await emulatorCall(emulator, "POST", "chaos/faults", [{ service: "elasticache", operation: "DescribeEvents" }]);
    const bad = [
      await emulatorCall(emulator, "POST", "chaos/faults", "[{"),
      await emulatorCall(emulator, "POST", "chaos/faults", "3"),
      await emulatorCall(emulator, "POST", "chaos/faults", [{ probability: 2 }]),
      await emulatorCall(emulator, "POST", "chaos/faults", [{ error: { statusCode: 200 } }]),
      await emulatorCall(emulator, "PATCH", "chaos/faults", [{ service: 5 }]),
      await emulatorCall(emulator, "POST", "chaos/faults", [{ servise: "elasticache" }]),
      await emulatorCall(emulator, "POST", "chaos/effects", { latency: -1 }),
      await emulatorCall(emulator, "POST", "chaos/effects", { jitter: 5 }),
    ];
    for (const answer of bad) {
      expect(answer.status).toBe(400);
      expect(answer.json.error).toEqual(expect.any(String));
    }
    expect((await emulatorCall(emulator, "GET", "chaos/faults")).json).toEqual([{ service: "elasticache", operation: "DescribeEvents" }]);
    expect((await emulatorCall(emulator, "GET", "chaos/effects")).json).toEqual({ latency: 0 });
  });
});
