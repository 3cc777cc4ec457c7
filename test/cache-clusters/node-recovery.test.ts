/** A node whose engine dies is replaced on the same endpoint, as AWS replaces a failed node. */
import { CreateCacheClusterCommand, DescribeEventsCommand } from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitFor, waitForCluster } from "../helpers/wait.js";

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

it("replaces a killed engine on the same port, empty, with recovery events", async () => {
  const client = sdkClient(emulator);
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: "fragile", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
  const cluster = await waitForCluster(client, "fragile", "available");
  const { Address, Port } = cluster.CacheNodes![0].Endpoint!;
  const before = new Redis(Port!, Address!, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await before.connect();
  await before.set("lost", "1");
  const pid = Number(/process_id:(\d+)/.exec(await before.info("server"))![1]);
  before.disconnect();

  process.kill(pid, "SIGKILL"); // the engine this test's emulator started

  const messages = await waitFor(
    async () => (await client.send(new DescribeEventsCommand({ SourceType: "cache-cluster", SourceIdentifier: "fragile" }))).Events!.map((e) => e.Message!),
    (m) => m.includes("Finished recovery for cache nodes 0001"),
    { what: "the node's recovery events" },
  );
  expect(messages).toContain("Recovering cache nodes 0001");
  expect(messages).toContain("Finished recovery for cache nodes 0001");
  const after = await waitForCluster(client, "fragile", "available");
  expect(after.CacheNodes![0].Endpoint).toEqual({ Address, Port });
  expect(after.CacheNodes![0].CacheNodeStatus).toBe("available");

  const redis = new Redis(Port!, Address!, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
  expect(Number(/process_id:(\d+)/.exec(await redis.info("server"))![1])).not.toBe(pid);
  expect(await redis.get("lost")).toBeNull();
  redis.disconnect();
});
