/**
 * Network effects on one Redis node, seen by ioredis: latency of the configured size, resets
 * on open and new connections, a blackhole, a bandwidth limit, expiry, and clearing, after
 * which the node's public port is the engine's own listener again.
 */
import { CreateCacheClusterCommand, type ElastiCacheClient } from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitFor, waitForCluster } from "../helpers/wait.js";
import { clearFault, emulatorCall, enginePid, listFaults, median, nodeFault, pingTimes, portOwner } from "./network-helpers.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let port: number;
let host: string;
const clients: Redis[] = [];

/** A client that reports its errors instead of retrying forever. */
function connect(opts: Record<string, unknown> = {}): Redis {
  const redis = new Redis(port, host, { maxRetriesPerRequest: 0, ...opts });
  redis.on("error", () => undefined);
  clients.push(redis);
  return redis;
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: "net1", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
  const cluster = await waitForCluster(client, "net1", "available");
  port = cluster.CacheNodes![0]!.Endpoint!.Port!;
  host = cluster.CacheNodes![0]!.Endpoint!.Address!;
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await emulatorCall(emulator, "DELETE", "faults");
});
afterAll(async () => {
  await emulator?.stop();
});

describe("latency", () => {
  it("adds the configured delay to each round trip, and clearing gives the engine its port back", async () => {
    const direct = connect();
    const pid = await enginePid(direct);
    expect(await portOwner(port)).toBe(pid);
    const baseline = await pingTimes(direct, 10);

    const set = await nodeFault(emulator, "net1", "0001", { fault: "latency", latencyMs: 150, jitterMs: 0 });
    expect(set.status).toBe(201);
    expect(set.json).toMatchObject({ kind: "latency", target: { cacheClusterId: "net1", cacheNodeId: "0001" }, details: { latencyMs: 150 } });
    expect(set.json.id).toMatch(/^net-/);
    // The public port is held by the emulator now, the engine listens elsewhere.
    expect(await portOwner(port)).toBe(process.pid);

    // The open connection was closed: ioredis reconnects through the effect.
    const slowed = connect();
    const times = await pingTimes(slowed, 5);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(150);
    expect(median(baseline)).toBeLessThan(150);
    expect(await enginePid(slowed)).toBe(pid);

    expect(await listFaults(emulator)).toEqual([set.json]);
    expect((await clearFault(emulator, set.json.id)).status).toBe(200);
    expect(await listFaults(emulator)).toEqual([]);
    expect(await portOwner(port)).toBe(pid);
    const after = connect();
    expect(Math.min(...(await pingTimes(after, 5)))).toBeLessThan(150);
  });
});

describe("reset", () => {
  it("resets open and new connections with ECONNRESET, and the engine keeps its data", async () => {
    const open = connect({ retryStrategy: () => 50 });
    await open.set("kept", "yes");
    const openErrors: string[] = [];
    open.on("error", (e: NodeJS.ErrnoException) => openErrors.push(e.code ?? e.message));
    const set = await nodeFault(emulator, "net1", "0001", { fault: "reset" });
    expect(set.status).toBe(201);
    await waitFor(async () => openErrors, (e) => e.includes("ECONNRESET"), { what: "the open client to see ECONNRESET" });
    await expect(open.get("kept")).rejects.toThrow();

    const fresh = connect({ retryStrategy: () => null, lazyConnect: true });
    const freshError = new Promise<string>((resolve) => fresh.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message)));
    await fresh.connect().catch(() => undefined);
    expect(await freshError).toBe("ECONNRESET");

    await clearFault(emulator, set.json.id);
    expect(await connect().get("kept")).toBe("yes");
  });

  it("resets the connections already going through another effect", async () => {
    const latency = await nodeFault(emulator, "net1", "0001", { fault: "latency", latencyMs: 20 });
    const through = connect({ retryStrategy: () => null });
    await through.ping();
    const closed = new Promise<string>((resolve) => through.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message)));
    await nodeFault(emulator, "net1", "0001", { fault: "reset" });
    expect(await closed).toBe("ECONNRESET");
    expect((await listFaults(emulator)).map((f) => f.kind).sort()).toEqual(["latency", "reset"]);
    expect(latency.status).toBe(201);
  });
});

describe("blackhole", () => {
  it("accepts connections and never answers, while the engine runs on", async () => {
    const before = connect();
    const pid = await enginePid(before);
    await before.set("survivor", "1");
    const set = await nodeFault(emulator, "net1", "0001", { fault: "blackhole" });
    expect(set.status).toBe(201);
    // The TCP connection itself is accepted.
    const socket = net.connect(port, host);
    await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    socket.destroy();
    const lost = connect({ commandTimeout: 300, retryStrategy: () => null });
    await expect(lost.get("survivor")).rejects.toThrow(/timed out/i);
    process.kill(pid, 0); // the engine still runs

    await clearFault(emulator, set.json.id);
    const back = connect();
    expect(await back.get("survivor")).toBe("1");
    expect(await enginePid(back)).toBe(pid);
  });
});

describe("bandwidth", () => {
  it("paces a large GET at the configured rate", async () => {
    const size = 100_000;
    await connect().set("big", "x".repeat(size));
    const kbps = 400;
    const set = await nodeFault(emulator, "net1", "0001", { fault: "bandwidth", kbps });
    expect(set.status).toBe(201);
    const slow = connect();
    await slow.ping();
    const t0 = performance.now();
    expect((await slow.get("big"))!.length).toBe(size);
    // size bytes at kbps kilobits per second.
    expect(performance.now() - t0).toBeGreaterThanOrEqual((size * 8) / kbps);
  });
});

describe("durationMs", () => {
  it("ends the effect on its own, and the engine has its port back", async () => {
    const pid = await enginePid(connect());
    const set = await nodeFault(emulator, "net1", "0001", { fault: "blackhole", durationMs: 300 });
    expect(set.status).toBe(201);
    expect(Date.parse(set.json.endsAt) - Date.parse(set.json.startedAt)).toBe(300);
    expect(await listFaults(emulator)).toHaveLength(1);
    await waitFor(() => listFaults(emulator), (f) => f.length === 0, { what: "the fault to end" });
    expect(await portOwner(port)).toBe(pid);
    expect(await connect().ping()).toBe("PONG");
  });
});

describe("refusals", () => {
  it("answers 400 for a bad body and 404 for an unknown node or cache, and changes nothing", async () => {
    const pid = await enginePid(connect());
    for (const body of [
      "{not json",
      [1, 2],
      {},
      { fault: "slow" },
      { fault: "latency" },
      { fault: "latency", latencyMs: -5 },
      { fault: "latency", latencyMs: 10, kbps: 5 },
      { fault: "bandwidth", kbps: 1.5 },
      { fault: "reset", durationMs: 0 },
    ]) {
      const answer = await nodeFault(emulator, "net1", "0001", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(typeof answer.json.error).toBe("string");
    }
    expect((await nodeFault(emulator, "nope", "0001", { fault: "reset" })).status).toBe(404);
    expect((await nodeFault(emulator, "net1", "0009", { fault: "reset" })).status).toBe(404);
    expect((await emulatorCall(emulator, "POST", "caches/nope/faults", { fault: "reset" })).status).toBe(404);
    expect((await clearFault(emulator, "net-000000")).status).toBe(404);
    expect(await listFaults(emulator)).toEqual([]);
    expect(await portOwner(port)).toBe(pid);

    const first = await nodeFault(emulator, "net1", "0001", { fault: "latency", latencyMs: 5 });
    const again = await nodeFault(emulator, "net1", "0001", { fault: "latency", latencyMs: 50 });
    expect(again.status).toBe(409);
    expect(await listFaults(emulator)).toEqual([first.json]);
  });

  it("is cleared by /_emulator/reset", async () => {
    await nodeFault(emulator, "net1", "0001", { fault: "blackhole" });
    expect(await listFaults(emulator)).toHaveLength(1);
    // The last test of the file: reset removes the cluster too.
    expect((await emulatorCall(emulator, "POST", "reset")).status).toBe(200);
    expect(await listFaults(emulator)).toEqual([]);
    expect(await portOwner(port)).toBeUndefined();
  });
});
