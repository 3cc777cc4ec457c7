/**
 * The save before a restart that keeps a node's data, on a real redis-server: the primary's
 * writes stay paused after a successful save (a write sent then is never acknowledged and is
 * not in the RDB the node restarts from), and a failed save lifts the pause at once, so the
 * node keeps serving writes.
 */
import { rmSync } from "node:fs";
import path from "node:path";
import Redis from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { EngineNode } from "../../src/engines/engine.js";
import { RedisServerDriver } from "../../src/engines/redis-driver.js";
import { pauseAndSave } from "../../src/lifecycle/save-before-restart.js";
import { PortPool, startOnFreePort } from "../../src/process/ports.js";
import { REDIS_SERVER, haveRedis, spec } from "../helpers/engine-nodes.js";
import { waitFor } from "../helpers/wait.js";

const driver = new RedisServerDriver(REDIS_SERVER, "redis-server");
const pool = new PortPool();
// The top of this run's node port span, below what the emulators of other files take first.
const base = Number(process.env.TEST_NODE_PORT_BASE ?? 10000) + Number(process.env.TEST_NODE_PORT_SPAN ?? 20000);
const RANGE = { from: base - 100, to: base - 1 };

const nodes: EngineNode[] = [];
const clients: Redis[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.disconnect();
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop({ graceMs: 2000 }).catch(() => undefined)));
});

async function startNode(workDir?: string, params: Record<string, string> = {}): Promise<EngineNode> {
  const node = await startOnFreePort(RANGE, undefined, (port) => driver.start(spec("redis", port, { params, ...(workDir ? { workDir } : {}) })), { pool });
  nodes.push(node);
  return node;
}

function client(node: EngineNode): Redis {
  const redis = new Redis(node.endpoint.port, node.endpoint.host, { maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, lazyConnect: true });
  redis.on("error", () => undefined);
  clients.push(redis);
  return redis;
}

/** Whether a client of the node waits on the write pause (CLIENT LIST flag `b`, last command set). */
async function blockedWriters(admin: Redis): Promise<number> {
  const list = String(await admin.client("LIST"));
  return list.split("\n").filter((line) => /flags=\S*b/.test(line)).length;
}

describe.skipIf(!haveRedis)("pauseAndSave", () => {
  it("saves every acknowledged write and keeps later writes paused until the engine stops, several times over", async () => {
    const workDir = path.join(spec("redis", 0).workDir, "..", "keep");
    for (let round = 0; round < 3; round++) {
      const node = await startNode(workDir);
      const writer = client(node);
      await writer.connect();
      // What earlier rounds wrote came back from the RDB.
      for (let r = 0; r < round; r++) expect(await writer.get(`round:${r}`)).toBe(String(r));
      expect(await writer.get(`late:${round - 1}`)).toBeNull();
      await writer.set(`round:${round}`, String(round));

      await pauseAndSave(node.adminCommand!);
      const watcher = client(node);
      await watcher.connect();
      const late = writer.set(`late:${round}`, "lost").then(
        (reply) => `acknowledged ${reply}`,
        (error: Error) => `refused ${error.message}`,
      );
      await waitFor(() => blockedWriters(watcher), (n) => n === 1, { what: "the late write to wait on the pause" });
      watcher.disconnect();
      await node.stop();
      expect(await late).toMatch(/^refused/);
    }
  });

  it("a save that fails lifts the pause: the node keeps acknowledging writes", async () => {
    const node = await startNode();
    const writer = client(node);
    await writer.connect();
    await writer.set("before", "1");
    // The node's working directory is gone: its save cannot write the RDB file.
    rmSync(node.spec.workDir, { recursive: true, force: true });
    await expect(pauseAndSave(node.adminCommand!)).rejects.toThrow(/could not save its data/);
    expect(await writer.set("after", "1")).toBe("OK");
    expect(await writer.get("after")).toBe("1");
  });

  it("a replica is saved without a pause", async () => {
    const primary = await startNode();
    const replica = await startNode(undefined, { "repl-diskless-sync-delay": "0" });
    const primaryClient = client(primary);
    await primaryClient.connect();
    await primaryClient.set("k", "v");
    const replicaClient = client(replica);
    await replicaClient.connect();
    await replica.adminCommand!(["CONFIG", "SET", "masteruser", primary.adminAuth!.user, "masterauth", primary.adminAuth!.password]);
    await replica.adminCommand!(["REPLICAOF", primary.endpoint.host, String(primary.endpoint.port)]);
    await waitFor(() => replicaClient.get("k"), (v) => v === "v", { what: "the replica to have the key" });
    await pauseAndSave(replica.adminCommand!);
    // The primary was never paused, and the replica still follows it.
    expect(await primaryClient.set("k2", "v2")).toBe("OK");
    await waitFor(() => replicaClient.get("k2"), (v) => v === "v2", { what: "the replica to follow the primary after its save" });
  });
});
