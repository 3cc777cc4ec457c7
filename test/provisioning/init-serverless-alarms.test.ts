/**
 * An init file may provision every family the emulator serves and the second service on its
 * port: a serverless cache (waited on until `available`, listed among the endpoints, served
 * over TLS by its real engines) and a CloudWatch alarm on one of its metrics (`service:
 * "cloudwatch"`), both ready when start() resolves.
 */
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeServerlessCachesCommand } from "@aws-sdk/client-elasticache";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { cloudwatchClient } from "../cloudwatch/helpers.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { fetchCa } from "../helpers/tls.js";
import { parseEnv } from "./endpoint-clients.js";

describe("an init file with a serverless cache and a CloudWatch alarm", () => {
  let emulator: Emulator;
  let cluster: InstanceType<typeof Redis.Cluster> | undefined;

  beforeAll(async () => {
    emulator = await startEmulator({
      init: [
        { action: "CreateServerlessCache", input: { ServerlessCacheName: "sessions", Engine: "valkey" } },
        {
          service: "cloudwatch",
          action: "PutMetricAlarm",
          input: {
            AlarmName: "sessions-memory",
            Namespace: "AWS/ElastiCache",
            MetricName: "BytesUsedForCache",
            Dimensions: [{ Name: "clusterId", Value: "sessions" }],
            Statistic: "Maximum",
            Period: 60,
            EvaluationPeriods: 1,
            Threshold: 1_000_000_000,
            ComparisonOperator: "GreaterThanThreshold",
          },
        },
      ],
    });
  });

  afterAll(async () => {
    cluster?.disconnect();
    await emulator?.stop();
  });

  it("the serverless cache is available when start() resolves, and its listed endpoint serves over TLS", async () => {
    const { ServerlessCaches } = await sdkClient(emulator).send(new DescribeServerlessCachesCommand({ ServerlessCacheName: "sessions" }));
    expect(ServerlessCaches?.[0]?.Status).toBe("available");

    const env = parseEnv(await (await fetch(`${emulator.url}/_emulator/endpoints.env`)).text());
    expect(env.SESSIONS_URL).toBe(`rediss://${env.SESSIONS_HOST}:${env.SESSIONS_PORT}`);
    expect(env.SESSIONS_TLS).toBe("true");
    expect(Number(env.SESSIONS_READER_PORT)).toBeGreaterThan(0);

    cluster = new Redis.Cluster([{ host: env.SESSIONS_HOST, port: Number(env.SESSIONS_PORT) }], { redisOptions: { tls: { ca: await fetchCa(emulator) } } });
    await cluster.set("user:1", "ada");
    expect(await cluster.get("user:1")).toBe("ada");
  });

  it("the alarm exists, on the cache's metric", async () => {
    const { MetricAlarms } = await cloudwatchClient(emulator).send(new DescribeAlarmsCommand({ AlarmNames: ["sessions-memory"] }));
    expect(MetricAlarms?.[0]).toMatchObject({ MetricName: "BytesUsedForCache", Namespace: "AWS/ElastiCache", Dimensions: [{ Name: "clusterId", Value: "sessions" }] });
  });
});
