/**
 * CacheUsageLimits.ECPUPerSecond.Maximum throttles a serverless cache as AWS does: requests
 * beyond the rate wait rather than fail, and each wait shows in the `ThrottledCmds` metric.
 * A client offers twice the limit (ioredis Cluster over TLS, paced in 100 ms steps); every
 * command succeeds, and the rate it gets, computed from the commands it completed and the
 * time they took, stays near the limit. Without a limit nothing waits; ModifyServerlessCache
 * sets and removes (Minimum=Maximum=0) the limit live: the open cluster client is closed at
 * each switch of what listens on the ports (serverless-front-switch.test.ts) and reconnects.
 */
import { CreateServerlessCacheCommand, ModifyServerlessCacheCommand, type ServerlessCache } from "@aws-sdk/client-elasticache";
import Redis, { type Cluster } from "ioredis";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { cloudwatchClient } from "../cloudwatch/helpers.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { fetchCa } from "../helpers/tls.js";
import { statisticOverHour } from "../monitoring/helpers.js";
import { describeServerlessCache, offerSets } from "./helpers.js";

let emulator: Emulator;
let ca: string;
const clients: Cluster[] = [];

/** ECPUs per second: small enough for a test client to offer twice as much on a busy machine. */
const LIMIT = 400;
/** How long the load is offered, in 100 ms steps. */
const STEPS = 30;

async function created(name: string, limit?: number): Promise<ServerlessCache> {
  const sdk = sdkClient(emulator);
  await sdk.send(
    new CreateServerlessCacheCommand({
      ServerlessCacheName: name,
      Engine: "valkey",
      ...(limit ? { CacheUsageLimits: { ECPUPerSecond: { Maximum: limit } } } : {}),
    }),
  );
  return describeServerlessCache(sdk, name, (c) => c.Status === "available");
}

function cluster(cache: ServerlessCache): Cluster {
  const c = new Redis.Cluster([{ host: cache.Endpoint!.Address!, port: cache.Endpoint!.Port! }], { redisOptions: { tls: { ca } } });
  clients.push(c);
  return c;
}

/** `perSecond` one-ECPU SETs a second for STEPS tenths of a second: the commands completed and the seconds they took. */
const offer = (client: Cluster, perSecond: number, tag: string) => offerSets(client, perSecond, tag, STEPS);

/** The same load of memcached `set`s on one TLS connection: the commands stored and the seconds they took. */
async function offerMemcached(port: number, perSecond: number): Promise<{ commands: number; seconds: number }> {
  const socket = tls.connect({ host: "127.0.0.1", port, ca });
  await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
  const total = (perSecond / 10) * STEPS;
  let stored = 0;
  let text = "";
  const t0 = performance.now();
  const done = new Promise<void>((resolve, reject) => {
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const lines = text.split("\r\n");
      text = lines.pop()!;
      for (const line of lines) {
        if (line !== "STORED") reject(new Error(`unexpected reply ${line}`));
        if (++stored === total) resolve();
      }
    });
    socket.once("error", reject);
  });
  for (let step = 0; step < STEPS; step++) {
    let batch = "";
    for (let i = 0; i < perSecond / 10; i++) batch += `set m${step}-${i} 0 0 1\r\nv\r\n`;
    socket.write(batch);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await done;
  const seconds = (performance.now() - t0) / 1000;
  socket.destroy();
  return { commands: stored, seconds };
}

async function throttled(name: string): Promise<number> {
  await emulator.sampleMetrics();
  return (await statisticOverHour(cloudwatchClient(emulator), "ThrottledCmds", [{ Name: "clusterId", Value: name }], "Sum")).total;
}

beforeAll(async () => {
  emulator = await startEmulator();
  ca = await fetchCa(emulator);
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await emulator?.stop();
});

describe("ECPUPerSecond.Maximum", () => {
  it("holds a load at twice the limit near the limit: every command succeeds, waiting, and ThrottledCmds counts the waits", async () => {
    const cache = await created("sl-throttled", LIMIT);
    expect(cache.CacheUsageLimits?.ECPUPerSecond?.Maximum).toBe(LIMIT);
    const client = cluster(cache);
    await client.ping();
    const { commands, seconds } = await offer(client, 2 * LIMIT, "t");
    expect(commands).toBe(2 * LIMIT * (STEPS / 10));
    // Twice the limit offered, the limit served: the commands take about twice the offering time.
    // The bucket holds a tenth of a second's worth, so what the client got is at most the limit plus that burst.
    const rate = commands / seconds;
    expect(rate).toBeLessThanOrEqual(LIMIT * 1.15);
    expect(await throttled("sl-throttled")).toBeGreaterThan(0);
    // Each command is one ECPU at least, so the cache consumed as many as the commands it ran.
    await emulator.sampleMetrics();
    const ecpus = await statisticOverHour(cloudwatchClient(emulator), "ElastiCacheProcessingUnits", [{ Name: "clusterId", Value: "sl-throttled" }], "Sum");
    expect(ecpus.total).toBeGreaterThanOrEqual(commands);
  }, 60_000);

  it("without a limit, the same load waits for nothing; ModifyServerlessCache sets the limit live for the client (which reconnects), and Minimum=Maximum=0 removes it", async () => {
    const sdk = sdkClient(emulator);
    const cache = await created("sl-unlimited");
    expect(cache.CacheUsageLimits).toBeUndefined();
    const client = cluster(cache);
    await offer(client, 2 * LIMIT, "u");
    expect(await throttled("sl-unlimited")).toBe(0);

    await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "sl-unlimited", CacheUsageLimits: { ECPUPerSecond: { Maximum: LIMIT } } }));
    await describeServerlessCache(sdk, "sl-unlimited", (c) => c.Status === "available");
    const limited = await offer(client, 2 * LIMIT, "v");
    expect(limited.commands / limited.seconds).toBeLessThanOrEqual(LIMIT * 1.15);
    const afterLimit = await throttled("sl-unlimited");
    expect(afterLimit).toBeGreaterThan(0);

    await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "sl-unlimited", CacheUsageLimits: { ECPUPerSecond: { Minimum: 0, Maximum: 0 } } }));
    const removed = await describeServerlessCache(sdk, "sl-unlimited", (c) => c.Status === "available");
    expect(removed.CacheUsageLimits?.ECPUPerSecond?.Maximum ?? 0).toBe(0);
    await offer(client, 2 * LIMIT, "w");
    expect(await throttled("sl-unlimited")).toBe(afterLimit);
  }, 90_000);

  it("throttles a Memcached serverless cache the same way at its Endpoint", async () => {
    const sdk = sdkClient(emulator);
    await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "sl-throttled-mc", Engine: "memcached", CacheUsageLimits: { ECPUPerSecond: { Maximum: LIMIT } } }));
    const cache = await describeServerlessCache(sdk, "sl-throttled-mc", (c) => c.Status === "available");
    const { commands, seconds } = await offerMemcached(cache.Endpoint!.Port!, 2 * LIMIT);
    expect(commands).toBe(2 * LIMIT * (STEPS / 10));
    expect(commands / seconds).toBeLessThanOrEqual(LIMIT * 1.15);
    expect(await throttled("sl-throttled-mc")).toBeGreaterThan(0);
  }, 60_000);

  it("answers every held command of a client that ended its side (a pipe), Valkey and Memcached", async () => {
    const sdk = sdkClient(emulator);
    const valkey = await describeServerlessCache(sdk, "sl-throttled", (c) => c.Status === "available");
    const memcached = await describeServerlessCache(sdk, "sl-throttled-mc", (c) => c.Status === "available");
    // Twice a second's budget in one write, then the client's end of the connection closed.
    const piped = (port: number, request: string, reply: string) =>
      new Promise<number>((resolve, reject) => {
        let text = "";
        const socket = tls.connect({ host: "127.0.0.1", port, ca, allowHalfOpen: true }, () => socket.end(request));
        socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
        socket.on("end", () => resolve(text.split(reply).length - 1));
        socket.on("error", reject);
      });
    const n = 2 * LIMIT;
    expect(await piped(valkey.Endpoint!.Port!, "SET {p}k v\r\n".repeat(n) + "QUIT\r\n", "+OK\r\n")).toBe(n + 1);
    expect(await piped(memcached.Endpoint!.Port!, "set p 0 0 1\r\nv\r\n".repeat(n) + "quit\r\n", "STORED\r\n")).toBe(n);
  }, 60_000);
});
