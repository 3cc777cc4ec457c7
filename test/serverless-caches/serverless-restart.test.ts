/**
 * Serverless caches survive a restart with a data dir: the same endpoints, the data, the
 * tags, its snapshots; a cache being deleted at the stop ends deleted. An engine that dies comes back on
 * its port with its data.
 */
import {
  CreateServerlessCacheCommand,
  CreateServerlessCacheSnapshotCommand,
  DescribeServerlessCacheSnapshotsCommand,
  DeleteServerlessCacheCommand,
  DescribeServerlessCachesCommand,
  ListTagsForResourceCommand,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { engineProcesses } from "../helpers/engine-processes.js";
import { fetchCa, memcachedOver } from "../helpers/tls.js";
import { eventually, waitFor } from "../helpers/wait.js";
import { describeServerlessCache } from "./helpers.js";

const running: Emulator[] = [];
let dataDir: string | undefined;
afterAll(async () => {
  for (const e of running) await e.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it("comes back on the same endpoints with its data after a restart", async () => {
  dataDir = await mkdtemp(join(tmpdir(), "serverless-restart-"));
  const nodePorts = nodePortRange();
  const first = await startEmulator({ dataDir, nodePorts });
  running.push(first);
  const sdk = sdkClient(first);
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "keep", Engine: "valkey", Tags: [{ Key: "k", Value: "v" }] }));
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "mc", Engine: "memcached" }));
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "gone", Engine: "redis" }));
  const before = await describeServerlessCache(sdk, "keep", (c) => c.Status === "available");
  await describeServerlessCache(sdk, "mc", (c) => c.Status === "available");
  await describeServerlessCache(sdk, "gone", (c) => c.Status === "available");
  const ca = await fetchCa(first);
  const cluster = new Redis.Cluster([{ host: "127.0.0.1", port: before.Endpoint!.Port! }], { redisOptions: { tls: { ca } } });
  for (let i = 0; i < 100; i++) await cluster.set(`key:${i}`, String(i));
  cluster.disconnect();
  await sdk.send(new CreateServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "kept-snap", ServerlessCacheName: "keep" }));
  await waitFor(
    async () => (await sdk.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: "kept-snap" }))).ServerlessCacheSnapshots![0]!.Status,
    (status) => status === "available",
  );
  await sdk.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: "gone" }));
  await first.stop();
  running.pop();

  const second = await startEmulator({ dataDir, nodePorts });
  running.push(second);
  await second.restored;
  const sdk2 = sdkClient(second);
  const after = await describeServerlessCache(sdk2, "keep", (c) => c.Status === "available");
  expect(after).toMatchObject({ Endpoint: before.Endpoint, ReaderEndpoint: before.ReaderEndpoint, ARN: before.ARN, CreateTime: before.CreateTime });
  expect((await sdk2.send(new ListTagsForResourceCommand({ ResourceName: after.ARN }))).TagList).toEqual([{ Key: "k", Value: "v" }]);
  const ca2 = await fetchCa(second);
  const again = new Redis.Cluster([{ host: "127.0.0.1", port: after.Endpoint!.Port! }], { redisOptions: { tls: { ca: ca2 } } });
  const values = await Promise.all(Array.from({ length: 100 }, (_, i) => again.get(`key:${i}`)));
  again.disconnect();
  expect(values).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  const mc = await describeServerlessCache(sdk2, "mc", (c) => c.Status === "available");
  expect(await memcachedOver(mc.Endpoint!.Port!, "version\r\n", ca2)).toMatch(/^VERSION /);
  const names = (await sdk2.send(new DescribeServerlessCachesCommand({}))).ServerlessCaches!.map((c) => c.ServerlessCacheName);
  expect(names).toEqual(["keep", "mc"]);
  // The snapshot and its data are still there: a cache restored from it has every key.
  const snapshot = (await sdk2.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: "kept-snap" }))).ServerlessCacheSnapshots![0]!;
  expect(snapshot.Status).toBe("available");
  await sdk2.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "from-kept", Engine: "valkey", SnapshotArnsToRestore: [snapshot.ARN!] }));
  const restored = await describeServerlessCache(sdk2, "from-kept", (c) => c.Status === "available");
  const check = new Redis.Cluster([{ host: "127.0.0.1", port: restored.Endpoint!.Port! }], { redisOptions: { tls: { ca: ca2 } } });
  expect(await check.dbsize()).toBe(100);
  check.disconnect();
});

it("starts an engine that died again on its port, with every acknowledged write", async () => {
  const emulator = await startEmulator();
  running.push(emulator);
  const sdk = sdkClient(emulator);
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "phoenix", Engine: "valkey" }));
  const cache = await describeServerlessCache(sdk, "phoenix", (c) => c.Status === "available");
  const ca = await fetchCa(emulator);
  const cluster = new Redis.Cluster([{ host: "127.0.0.1", port: cache.Endpoint!.Port! }], { redisOptions: { tls: { ca } } });
  cluster.on("error", () => undefined);
  for (let i = 0; i < 100; i++) await cluster.set(`p:${i}`, String(i));
  // The engine behind the Endpoint says which process it is (it listens on internal ports).
  const info = String(await cluster.nodes("master")[0]!.info("server"));
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  cluster.disconnect();
  const primary = engineProcesses().find((p) => p.pid === pid);
  expect(primary).toBeDefined();
  // The primary's files lack its writes (as its AOF can by up to a second when the disk is
  // busy): only the replica holds them when the engine dies.
  const aofDir = join(readlinkSync(`/proc/${pid}/cwd`), "appendonlydir");
  expect(readdirSync(aofDir).length).toBeGreaterThan(0);
  await rm(aofDir, { recursive: true, force: true });
  process.kill(primary!.pid, "SIGKILL");
  await eventually(() => !engineProcesses().some((p) => p.pid === primary!.pid));
  const again = await waitFor(
    async () => {
      const c = new Redis({ host: "127.0.0.1", port: cache.Endpoint!.Port!, tls: { ca }, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
      c.on("error", () => undefined);
      try {
        await c.connect();
        const slots = (await c.cluster("SLOTS")) as unknown[][];
        return { slots };
      } catch {
        return undefined;
      } finally {
        c.disconnect();
      }
    },
    // AWS's shape again: the primary on the Endpoint's port, the replica on the ReaderEndpoint's.
    (r) => r !== undefined && JSON.stringify(r.slots.map((s) => (s as unknown[][]).slice(2).map((n) => n[1]))) === JSON.stringify([[cache.Endpoint!.Port, cache.ReaderEndpoint!.Port]]),
    { what: "the primary to serve again on the Endpoint with its replica on the reader" },
  );
  expect(again!.slots[0]!.slice(0, 2)).toEqual([0, 16383]);
  const all = new Redis.Cluster([{ host: "127.0.0.1", port: cache.Endpoint!.Port! }], { redisOptions: { tls: { ca } } });
  const values = await Promise.all(Array.from({ length: 100 }, (_, i) => all.get(`p:${i}`)));
  all.disconnect();
  expect(values).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  expect((await describeServerlessCache(sdk, "phoenix", () => true)).Endpoint).toEqual(cache.Endpoint);
});
