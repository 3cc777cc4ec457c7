/**
 * The `memcached-elasticache` client (Auto Discovery) pointed at the ConfigurationEndpoint
 * the API returns: it finds every node, spreads keys over them, and finds a node added
 * later by ModifyCacheCluster. Raw sockets check where the keys really are.
 */
import {
  CreateCacheClusterCommand,
  DeleteCacheClusterCommand,
  ModifyCacheClusterCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import type { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { portIsClosed } from "../helpers/ports.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { memcachedCommand } from "../helpers/memcached.js";
import { waitForCluster, waitForClusterGone } from "../helpers/wait.js";

// memcached-elasticache ships no types; describe the part we use.
interface MemcachedLike {
  set(key: string, value: string, lifetime: number, cb: (err: unknown) => void): void;
  get(key: string, cb: (err: unknown, value: unknown) => void): void;
  end(): void;
}
interface AutoDiscoveryClient extends EventEmitter, MemcachedLike {
  /** The inner `memcached` client for the current node list (replaced on every change). */
  _innerClient: MemcachedLike;
}
const require = createRequire(import.meta.url);
const AutoDiscovery = require("memcached-elasticache") as new (configEndpoint: string, options: Record<string, unknown>) => AutoDiscoveryClient;

let emulator: Emulator;
let sdk: ElastiCacheClient;
let client: AutoDiscoveryClient | undefined;
/** Every inner client the library created: it replaces them without ending the old ones. */
const innerClients = new Set<MemcachedLike>();
/** Node lists from the client's `autoDiscover` events, in order. */
const discoveries: string[][] = [];
const failures: unknown[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  sdk = sdkClient(emulator);
});
afterAll(async () => {
  client?.end();
  for (const inner of innerClients) inner.end();
  try {
    await sdk?.send(new DeleteCacheClusterCommand({ CacheClusterId: "ad-mc" }));
    await waitForClusterGone(sdk, "ad-mc");
  } catch {
    // already gone, or the emulator never started; stop() below stops whatever is left
  }
  await emulator?.stop();
});

function set(key: string, value: string): Promise<void> {
  return new Promise((resolve, reject) => client!.set(key, value, 0, (err) => (err ? reject(err) : resolve())));
}
function get(key: string): Promise<unknown> {
  return new Promise((resolve, reject) => client!.get(key, (err, value) => (err ? reject(err) : resolve(value))));
}

/** Resolves with the first discovered node list that satisfies `accept` (one seen already counts). */
function discovery(accept: (nodes: string[]) => boolean, timeoutMs = 20_000): Promise<string[]> {
  const seen = discoveries.find(accept);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client!.off("autoDiscover", listener);
      reject(new Error(`no matching discovery in ${timeoutMs} ms; saw ${JSON.stringify(discoveries)}; failures: ${failures.map(String).join("; ")}`));
    }, timeoutMs);
    const listener = (nodes: string[]) => {
      if (!accept(nodes)) return;
      clearTimeout(timer);
      client!.off("autoDiscover", listener);
      resolve(nodes);
    };
    client!.on("autoDiscover", listener);
  });
}

/** Which node ports hold `key`, asked of every node over a raw socket. */
async function nodesHolding(key: string, ports: number[]): Promise<number[]> {
  const replies = await Promise.all(ports.map((port) => memcachedCommand(port, `get ${key}\r\n`)));
  return ports.filter((_, i) => replies[i] !== "END\r\n");
}

describe("memcached-elasticache against a cluster's ConfigurationEndpoint", () => {
  let nodePorts: number[] = [];

  it("discovers the three nodes and spreads keys over them", async () => {
    await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "ad-mc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 3 }));
    const cluster = await waitForCluster(sdk, "ad-mc", "available");
    const config = cluster.ConfigurationEndpoint!;
    nodePorts = cluster.CacheNodes!.map((n) => n.Endpoint!.Port!);
    expect(nodePorts).toHaveLength(3);

    client = new AutoDiscovery(`${config.Address}:${config.Port}`, { autoDiscoverInterval: 250, timeout: 2000, retries: 1 });
    innerClients.add(client._innerClient);
    client.on("autoDiscover", (nodes: string[]) => {
      discoveries.push(nodes);
      innerClients.add(client!._innerClient);
    });
    client.on("autoDiscoverFailure", (err: unknown) => failures.push(err));

    const expected = nodePorts.map((p) => `127.0.0.1:${p}`).sort();
    expect(await discovery((nodes) => nodes.length === 3)).toEqual(expected);

    const keys = Array.from({ length: 60 }, (_, i) => `ad-key-${i}`);
    for (const key of keys) await set(key, `value-of-${key}`);
    for (const key of keys) expect(await get(key)).toBe(`value-of-${key}`);

    const perNode = new Map<number, number>();
    for (const key of keys) {
      const holders = await nodesHolding(key, nodePorts);
      expect(holders, key).toHaveLength(1); // on exactly one real node, never on two
      perNode.set(holders[0], (perNode.get(holders[0]) ?? 0) + 1);
    }
    expect(perNode.size).toBeGreaterThan(1);
  });

  it("finds a fourth node added by ModifyCacheCluster, and keys start landing on it", async () => {
    expect(client, "the previous test created the client").toBeDefined();
    const out = await sdk.send(new ModifyCacheClusterCommand({ CacheClusterId: "ad-mc", NumCacheNodes: 4, ApplyImmediately: true }));
    expect(out.CacheCluster?.CacheClusterStatus).toBe("modifying");
    const cluster = await waitForCluster(sdk, "ad-mc", "available");
    const ports = cluster.CacheNodes!.map((n) => n.Endpoint!.Port!);
    expect(ports).toHaveLength(4);
    const added = ports.find((p) => !nodePorts.includes(p))!;
    expect(added).toBeDefined();

    const discovered = await discovery((nodes) => nodes.length === 4);
    expect(discovered).toEqual(ports.map((p) => `127.0.0.1:${p}`).sort());

    const keys = Array.from({ length: 60 }, (_, i) => `after-add-${i}`);
    for (const key of keys) await set(key, `v-${key}`);
    for (const key of keys) expect(await get(key)).toBe(`v-${key}`);
    let onAdded = 0;
    for (const key of keys) {
      const holders = await nodesHolding(key, ports);
      expect(holders, key).toHaveLength(1);
      if (holders[0] === added) onAdded++;
    }
    expect(onAdded).toBeGreaterThan(0);
  });

  it("is deleted with every node once the client has ended", async () => {
    client?.end();
    for (const inner of innerClients) inner.end();
    const cluster = await waitForCluster(sdk, "ad-mc", "available");
    const ports = [...cluster.CacheNodes!.map((n) => n.Endpoint!.Port!), cluster.ConfigurationEndpoint!.Port!];
    await sdk.send(new DeleteCacheClusterCommand({ CacheClusterId: "ad-mc" }));
    await waitForClusterGone(sdk, "ad-mc");
    for (const port of ports) expect(await portIsClosed(port), `port ${port}`).toBe(true);
  });
});
