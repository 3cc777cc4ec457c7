/**
 * Auto Discovery on every Memcached cache node endpoint, as on ElastiCache: each node answers
 * `config get cluster` byte for byte as the configuration endpoint does (same version, same
 * node list, rising with added and removed nodes), and serves every other command from its
 * own memcached. The memcached-elasticache client pointed at a single node finds the others.
 * With --memcached-node-discovery off, the node endpoint is memcached itself.
 */
import { CreateCacheClusterCommand, ModifyCacheClusterCommand, type ElastiCacheClient } from "@aws-sdk/client-elasticache";
import type { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import net from "node:net";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCli } from "../../src/cli-options.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { memcachedCommand } from "../helpers/memcached.js";
import { fetchCa, memcachedOver } from "../helpers/tls.js";
import { waitForCluster } from "../helpers/wait.js";

interface AutoDiscoveryClient extends EventEmitter {
  set(key: string, value: string, lifetime: number, cb: (err: unknown) => void): void;
  get(key: string, cb: (err: unknown, value: unknown) => void): void;
  end(): void;
}
const require = createRequire(import.meta.url);
const AutoDiscovery = require("memcached-elasticache") as new (endpoint: string, options: Record<string, unknown>) => AutoDiscoveryClient;

let emulator: Emulator;
let sdk: ElastiCacheClient;
let plain: Emulator | undefined;
const clients: AutoDiscoveryClient[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  sdk = sdkClient(emulator);
});
afterAll(async () => {
  for (const c of clients) c.end();
  await emulator?.stop();
  await plain?.stop();
});

/** Sends `request` on one connection and resolves once the reply ends with `last`. */
function exchange(port: number, request: string, last: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`incomplete reply: ${JSON.stringify(reply)}`));
    }, 5_000);
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.endsWith(last)) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.on("error", reject);
    socket.write(request);
  });
}

const versionOf = (reply: string) => reply.split("\r\n")[1].split("\n")[0];

describe("every Memcached node endpoint answers Auto Discovery", () => {
  let configPort = 0;
  let nodePorts: number[] = [];

  it("answers config get cluster exactly as the configuration endpoint does, and the legacy form", async () => {
    await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "disc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
    const cluster = await waitForCluster(sdk, "disc", "available");
    configPort = cluster.ConfigurationEndpoint!.Port!;
    nodePorts = cluster.CacheNodes!.map((n) => n.Endpoint!.Port!);
    const fromConfig = await memcachedCommand(configPort, "config get cluster\r\n");
    const payload = `1\n${nodePorts.map((p) => `127.0.0.1|127.0.0.1|${p}`).join(" ")}\n`;
    expect(fromConfig).toBe(`CONFIG cluster 0 ${payload.length}\r\n${payload}\r\nEND\r\n`);
    for (const port of nodePorts) expect(await memcachedCommand(port, "config get cluster\r\n")).toBe(fromConfig);
    const legacy = await memcachedCommand(nodePorts[1], "get AmazonElastiCache:cluster\r\n");
    expect(legacy).toBe(`VALUE AmazonElastiCache:cluster 0 ${payload.length}\r\n${payload}\r\nEND\r\n`);
  });

  it("serves ordinary text and meta commands from the node's own memcached, in order with discovery", async () => {
    expect(await memcachedCommand(nodePorts[0], "set only-on-0 0 0 3\r\nabc\r\n")).toBe("STORED\r\n");
    expect(await memcachedCommand(nodePorts[0], "get only-on-0\r\n")).toBe("VALUE only-on-0 0 3\r\nabc\r\nEND\r\n");
    expect(await memcachedCommand(nodePorts[1], "get only-on-0\r\n")).toBe("END\r\n");
    // Pipelined: a value, discovery, meta commands and a miss on one connection, answered in order.
    const reply = await exchange(nodePorts[0], "get only-on-0\r\nconfig get cluster\r\nms meta-k 2\r\nhi\r\nmg meta-k v\r\nget missing\r\n", "hi\r\nEND\r\n");
    const config = await memcachedCommand(configPort, "config get cluster\r\n");
    expect(reply).toBe(`VALUE only-on-0 0 3\r\nabc\r\nEND\r\n${config}HD\r\nVA 2\r\nhi\r\nEND\r\n`);
    expect(await memcachedCommand(nodePorts[0], "version\r\n")).toMatch(/^VERSION 1\.6\./);
  });

  it("lets memcached-elasticache pointed at one node discover the others and spread keys", async () => {
    const client = new AutoDiscovery(`127.0.0.1:${nodePorts[1]}`, { autoDiscoverInterval: 250, timeout: 2000, retries: 1 });
    clients.push(client);
    const nodes = await new Promise<string[]>((resolve) => client.once("autoDiscover", resolve));
    expect([...nodes].sort()).toEqual(nodePorts.map((p) => `127.0.0.1:${p}`).sort());
    const keys = Array.from({ length: 40 }, (_, i) => `spread-${i}`);
    for (const key of keys) await new Promise<void>((resolve, reject) => client.set(key, `v-${key}`, 0, (err) => (err ? reject(err) : resolve())));
    for (const key of keys) expect(await new Promise((resolve, reject) => client.get(key, (err, v) => (err ? reject(err) : resolve(v))))).toBe(`v-${key}`);
    const holders = await Promise.all(nodePorts.map(async (port) => (await Promise.all(keys.map((k) => memcachedCommand(port, `get ${k}\r\n`)))).filter((r) => r !== "END\r\n").length));
    expect(holders.reduce((a, b) => a + b, 0)).toBe(keys.length);
    expect(holders.every((n) => n > 0)).toBe(true);
  });

  it("shows the configuration version rising with added and removed nodes through a node endpoint", async () => {
    await sdk.send(new ModifyCacheClusterCommand({ CacheClusterId: "disc", NumCacheNodes: 3, ApplyImmediately: true }));
    const grown = await waitForCluster(sdk, "disc", "available");
    const added = grown.CacheNodes![2].Endpoint!.Port!;
    const viaNode = await memcachedCommand(nodePorts[0], "config get cluster\r\n");
    expect(versionOf(viaNode)).toBe("2");
    expect(viaNode).toContain(`|${added}`);
    expect(viaNode).toBe(await memcachedCommand(configPort, "config get cluster\r\n"));
    expect(await memcachedCommand(added, "config get cluster\r\n")).toBe(viaNode);

    await sdk.send(new ModifyCacheClusterCommand({ CacheClusterId: "disc", NumCacheNodes: 2, CacheNodeIdsToRemove: ["0002"], ApplyImmediately: true }));
    await waitForCluster(sdk, "disc", "available");
    const shrunk = await memcachedCommand(added, "config get cluster\r\n");
    expect(versionOf(shrunk)).toBe("3");
    expect(shrunk).not.toContain(`|${nodePorts[1]}`);
    expect(shrunk).toBe(await memcachedCommand(nodePorts[0], "config get cluster\r\n"));
  });
});

describe("Auto Discovery on TLS nodes", () => {
  it("answers over TLS on the nodes of a TLS cluster, as its configuration endpoint does", async () => {
    const ca = await fetchCa(emulator);
    await sdk.send(
      new CreateCacheClusterCommand({ CacheClusterId: "disc-tls", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2, TransitEncryptionEnabled: true }),
    );
    const required = await waitForCluster(sdk, "disc-tls", "available");
    const ports = required.CacheNodes!.map((n) => n.Endpoint!.Port!);
    const fromConfig = await memcachedOver(required.ConfigurationEndpoint!.Port!, "config get cluster\r\n", ca);
    expect(fromConfig).toContain(`|${ports[1]}`);
    for (const port of ports) expect(await memcachedOver(port, "config get cluster\r\n", ca)).toBe(fromConfig);
    expect(await memcachedOver(ports[0], "set t 0 0 2\r\nok\r\n", ca)).toBe("STORED\r\n");
    expect(await memcachedOver(ports[0], "get t\r\n", ca)).toBe("VALUE t 0 2\r\nok\r\nEND\r\n");
    // TLS only: a plaintext client gets nothing.
    expect(await memcachedOver(ports[1], "version\r\n")).toBe("");
  });

  it("answers every command of a client that wrote them all and ended its side (a pipe)", async () => {
    const ca = await fetchCa(emulator);
    const cluster = await waitForCluster(sdk, "disc-tls", "available");
    const piped = (port: number, request: string) =>
      new Promise<string>((resolve, reject) => {
        let text = "";
        const socket = tls.connect({ host: "127.0.0.1", port, ca, allowHalfOpen: true }, () => socket.end(request));
        socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
        socket.on("end", () => resolve(text));
        socket.on("error", reject);
      });
    const n = 2000;
    const sets = "set p 0 0 1\r\nv\r\n".repeat(n);
    for (const port of [cluster.CacheNodes![0].Endpoint!.Port!, cluster.ConfigurationEndpoint!.Port!]) {
      // Without quit: the endpoint ends the connection once the last reply is in.
      expect(await piped(port, sets + "get p\r\n")).toBe("STORED\r\n".repeat(n) + "VALUE p 0 1\r\nv\r\nEND\r\n");
      expect(await piped(port, sets + "quit\r\n")).toBe("STORED\r\n".repeat(n));
    }
  });
});

describe("--memcached-node-discovery off", () => {
  it("is a flag and an environment variable taking on or off", () => {
    expect(parseCli(["--memcached-node-discovery", "off"], {}).flags.memcachedNodeDiscovery).toBe(false);
    expect(parseCli([], { ELASTICACHE_LOCAL_MEMCACHED_NODE_DISCOVERY: "on" }).env.memcachedNodeDiscovery).toBe(true);
    expect(() => parseCli(["--memcached-node-discovery", "maybe"], {})).toThrow(/--memcached-node-discovery: expects on or off/);
  });

  it("leaves the node endpoint to memcached itself, and discovery to the configuration endpoint", async () => {
    plain = await startEmulator({ memcachedNodeDiscovery: false });
    const c = sdkClient(plain);
    await c.send(new CreateCacheClusterCommand({ CacheClusterId: "bare", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
    const cluster = await waitForCluster(c, "bare", "available");
    const port = cluster.CacheNodes![0].Endpoint!.Port!;
    expect(await exchange(port, "config get cluster\r\n", "\r\n")).toBe("ERROR\r\n");
    expect(await memcachedCommand(port, "set k 0 0 1\r\nx\r\n")).toBe("STORED\r\n");
    expect(versionOf(await memcachedCommand(cluster.ConfigurationEndpoint!.Port!, "config get cluster\r\n"))).toBe("1");
  });
});
