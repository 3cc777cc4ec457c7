import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { configGetClusterReply, legacyClusterReply, type CacheNodeAddress } from "../../src/endpoints/auto-discovery.js";
import { MemcachedConfigEndpoint } from "../../src/endpoints/memcached-config-endpoint.js";
import { silentLogger } from "../../src/logger.js";
import {
  RawClient,
  clientPortsOf,
  getFromNode,
  startMemcached,
  type MemcachedProcess,
} from "../helpers/memcached.js";
import { freePort } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait.js";

// memcached-elasticache ships no types; describe the part we use.
interface AutoDiscoveryClient extends EventEmitter {
  set(key: string, value: string, lifetime: number, cb: (err: unknown) => void): void;
  get(key: string, cb: (err: unknown, value: unknown) => void): void;
  end(): void;
}
const require = createRequire(import.meta.url);
const ElastiCacheClient = require("memcached-elasticache") as new (
  configEndpoint: string,
  options: Record<string, unknown>,
) => AutoDiscoveryClient;

describe("Auto Discovery reply format", () => {
  // The example of AWS's "Adding Auto Discovery to your client library" page. Its header
  // says 147, but its payload is 136 bytes; clients read <bytes> then "\r\n" then END
  // (AWS's libmemcached fork parses CONFIG exactly like VALUE), so the count must be 136.
  const awsNodes: CacheNodeAddress[] = [
    { host: "myCluster.pc4ldq.0001.use1.cache.amazonaws.com", ip: "10.82.235.120", port: 11211 },
    { host: "myCluster.pc4ldq.0002.use1.cache.amazonaws.com", ip: "10.80.249.27", port: 11211 },
  ];

  it("counts the version line and node line, both LF-terminated", () => {
    expect(configGetClusterReply(12, awsNodes).toString("latin1")).toBe(
      "CONFIG cluster 0 136\r\n" +
        "12\n" +
        "myCluster.pc4ldq.0001.use1.cache.amazonaws.com|10.82.235.120|11211 " +
        "myCluster.pc4ldq.0002.use1.cache.amazonaws.com|10.80.249.27|11211\n" +
        "\r\nEND\r\n",
    );
  });

  it("answers the legacy key with the same payload as a VALUE", () => {
    expect(legacyClusterReply(3, [{ host: "h", ip: "10.0.0.1", port: 11211 }]).toString("latin1")).toBe(
      "VALUE AmazonElastiCache:cluster 0 19\r\n3\nh|10.0.0.1|11211\n\r\nEND\r\n",
    );
  });
});

describe("MemcachedConfigEndpoint with real memcached nodes", () => {
  let m1: MemcachedProcess;
  let m2: MemcachedProcess;
  let node1: CacheNodeAddress;
  let node2: CacheNodeAddress;
  let shared: MemcachedConfigEndpoint;
  const endpoints: MemcachedConfigEndpoint[] = [];
  const rawClients: RawClient[] = [];

  async function startEndpoint(nodes: CacheNodeAddress[], port = 0): Promise<MemcachedConfigEndpoint> {
    const ep = new MemcachedConfigEndpoint({ bindHost: "127.0.0.1", port, logger: silentLogger });
    await ep.start();
    endpoints.push(ep);
    ep.setNodes(nodes);
    return ep;
  }

  async function connect(ep: MemcachedConfigEndpoint): Promise<RawClient> {
    const c = await RawClient.connect(ep.port);
    rawClients.push(c);
    return c;
  }

  /** Sends `request` and asserts the reply is exactly `expected`. */
  async function roundTrip(c: RawClient, request: string, expected: string): Promise<void> {
    c.send(request);
    expect(await c.readBytes(expected.length)).toBe(expected);
  }

  const configReply = (version: number, nodes: CacheNodeAddress[]) => {
    const payload = `${version}\n${nodes.map((n) => `${n.host}|${n.ip}|${n.port}`).join(" ")}\n`;
    return `CONFIG cluster 0 ${payload.length}\r\n${payload}\r\nEND\r\n`;
  };

  beforeAll(async () => {
    [m1, m2] = await Promise.all([startMemcached(), startMemcached()]);
    node1 = { host: "127.0.0.1", ip: "127.0.0.1", port: m1.port };
    node2 = { host: "127.0.0.1", ip: "127.0.0.1", port: m2.port };
    shared = await startEndpoint([node1, node2]);
  });

  afterEach(() => {
    for (const c of rawClients.splice(0)) c.close();
  });

  afterAll(async () => {
    for (const c of rawClients.splice(0)) c.close();
    await Promise.all(endpoints.map((ep) => ep.stop()));
    await Promise.all([m1?.stop(), m2?.stop()]);
  });

  it("answers config get cluster with the exact AWS bytes, version 1", async () => {
    const c = await connect(shared);
    const payload = `1\n127.0.0.1|127.0.0.1|${m1.port} 127.0.0.1|127.0.0.1|${m2.port}\n`;
    await roundTrip(
      c,
      "config get cluster\r\n",
      `CONFIG cluster 0 ${Buffer.byteLength(payload)}\r\n${payload}\r\nEND\r\n`,
    );
    expect(shared.configVersion).toBe(1);
    // A bare-LF request line is accepted too, as memcached accepts it.
    await roundTrip(c, "config get cluster\n", configReply(1, [node1, node2]));
  });

  it("bumps the version only when membership changes", async () => {
    const ep = await startEndpoint([node1, node2]);
    const c = await connect(ep);
    expect(ep.configVersion).toBe(1);
    const node3 = { host: "127.0.0.1", ip: "127.0.0.1", port: await freePort() };
    ep.setNodes([node1, node2, node3]);
    expect(ep.configVersion).toBe(2);
    await roundTrip(c, "config get cluster\r\n", configReply(2, [node1, node2, node3]));
    ep.setNodes([node1, node2, node3]);
    expect(ep.configVersion).toBe(2);
    ep.setNodes([node2, node1, node3]);
    expect(ep.configVersion).toBe(2);
    ep.setNodes([node1, node2]);
    expect(ep.configVersion).toBe(3);
  });

  it("answers the legacy get AmazonElastiCache:cluster form", async () => {
    const c = await connect(shared);
    const payload = `1\n127.0.0.1|127.0.0.1|${m1.port} 127.0.0.1|127.0.0.1|${m2.port}\n`;
    await roundTrip(
      c,
      "get AmazonElastiCache:cluster\r\n",
      `VALUE AmazonElastiCache:cluster 0 ${payload.length}\r\n${payload}\r\nEND\r\n`,
    );
  });

  it("passes set and get through to the first node", async () => {
    const c = await connect(shared);
    await roundTrip(c, "set through-1 0 0 5\r\nhello\r\n", "STORED\r\n");
    await roundTrip(c, "get through-1\r\n", "VALUE through-1 0 5\r\nhello\r\nEND\r\n");
    expect(await getFromNode(m1.port, "through-1")).toBe("hello");
    expect(await getFromNode(m2.port, "through-1")).toBeUndefined();
  });

  it("keeps replies in order when config get cluster is pipelined with data commands", async () => {
    const c = await connect(shared);
    await roundTrip(
      c,
      "set a 0 0 1\r\nx\r\nconfig get cluster\r\nget a\r\n",
      "STORED\r\n" + configReply(1, [node1, node2]) + "VALUE a 0 1\r\nx\r\nEND\r\n",
    );
  });

  it("is not confused by MN, END or commands inside values", async () => {
    const c = await connect(shared);
    const value = "\r\nMN\r\nEND\r\nconfig get cluster\r\nmn\r\nVALUE z 0 1\r\nVA 2\r\n";
    const config = configReply(1, [node1, node2]);
    // Client side: the data block holds a config request and an mn; both must stay data.
    await roundTrip(c, `set tricky 0 0 ${value.length}\r\n${value}\r\nconfig get cluster\r\n`, "STORED\r\n" + config);
    await roundTrip(c, `ms tricky-meta ${value.length} T0\r\n${value}\r\n`, "HD\r\n");
    // Node side: the values echo MN/END/VALUE lines that must not be taken for replies.
    await roundTrip(
      c,
      "get tricky\r\nconfig get cluster\r\nmg tricky-meta v\r\nconfig get cluster\r\nmn\r\nget tricky\r\n",
      `VALUE tricky 0 ${value.length}\r\n${value}\r\nEND\r\n` +
        config +
        `VA ${value.length}\r\n${value}\r\n` +
        config +
        "MN\r\n" +
        `VALUE tricky 0 ${value.length}\r\n${value}\r\nEND\r\n`,
    );
    expect(await getFromNode(m1.port, "tricky")).toBe(value);
  });

  it("streams large values around a pipelined config request", async () => {
    const c = await connect(shared);
    // 600 KB that repeats reply-like lines, so chunk boundaries fall everywhere.
    const value = "MN\r\nEND\r\nVALUE x 0 1\r\n".repeat(25_000).slice(0, 600_000);
    await roundTrip(
      c,
      `set big 0 0 ${value.length}\r\n${value}\r\nconfig get cluster\r\nget big\r\nconfig get cluster\r\n`,
      "STORED\r\n" +
        configReply(1, [node1, node2]) +
        `VALUE big 0 ${value.length}\r\n${value}\r\nEND\r\n` +
        configReply(1, [node1, node2]),
    );
  });

  it("passes the client's own mn through around local answers", async () => {
    const c = await connect(shared);
    await roundTrip(
      c,
      "mn\r\nconfig get cluster\r\nmn\r\nmn\r\nconfig get cluster\r\n",
      "MN\r\n" + configReply(1, [node1, node2]) + "MN\r\nMN\r\n" + configReply(1, [node1, node2]),
    );
  });

  it("delivers all replies to a client that half-closes after sending", async () => {
    const c = await connect(shared);
    c.send("set half 0 0 2\r\nhc\r\nconfig get cluster\r\nget half\r\n");
    c.socket.end();
    const expected = "STORED\r\n" + configReply(1, [node1, node2]) + "VALUE half 0 2\r\nhc\r\nEND\r\n";
    expect(await c.readBytes(expected.length)).toBe(expected);
    await c.waitClosed();
  });

  it("serves the memcached-elasticache client's Auto Discovery and data traffic", async () => {
    const client = new ElastiCacheClient(`127.0.0.1:${shared.port}`, { autoDiscoverInterval: 200 });
    const failures: unknown[] = [];
    client.on("autoDiscoverFailure", (err: unknown) => failures.push(err));
    try {
      const discovered = await new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no discovery: ${failures.map(String).join("; ")}`)), 10_000);
        client.once("autoDiscover", (nodes: string[]) => {
          clearTimeout(timer);
          resolve(nodes);
        });
      });
      expect(discovered).toEqual([`127.0.0.1:${m1.port}`, `127.0.0.1:${m2.port}`].sort());

      const keys = Array.from({ length: 50 }, (_, i) => `ad-key-${i}`);
      const set = (k: string, v: string) =>
        new Promise<void>((resolve, reject) => client.set(k, v, 0, (err) => (err ? reject(err) : resolve())));
      const get = (k: string) =>
        new Promise<unknown>((resolve, reject) => client.get(k, (err, v) => (err ? reject(err) : resolve(v))));
      for (const k of keys) await set(k, `value-of-${k}`);
      for (const k of keys) expect(await get(k)).toBe(`value-of-${k}`);

      // Every key landed on exactly one real node, and both nodes got some.
      let onNode1 = 0;
      let onNode2 = 0;
      for (const k of keys) {
        const [v1, v2] = await Promise.all([getFromNode(m1.port, k), getFromNode(m2.port, k)]);
        if (v1 !== undefined) onNode1++;
        if (v2 !== undefined) onNode2++;
        expect([v1, v2].filter((v) => v === `value-of-${k}`)).toHaveLength(1);
      }
      expect(onNode1 + onNode2).toBe(keys.length);
      expect(onNode1).toBeGreaterThan(0);
      expect(onNode2).toBeGreaterThan(0);
    } finally {
      client.end();
    }
  });

  it("closes connections proxied to a removed node; new ones go to the next node", async () => {
    const ep = await startEndpoint([node1, node2]);
    const c = await connect(ep);
    await roundTrip(c, "set removal-1 0 0 2\r\nn1\r\n", "STORED\r\n");
    expect(await getFromNode(m1.port, "removal-1")).toBe("n1");

    ep.setNodes([node2]);
    expect(ep.configVersion).toBe(2);
    await c.waitClosed();

    const d = await connect(ep);
    await roundTrip(d, "set removal-2 0 0 2\r\nn2\r\n", "STORED\r\n");
    expect(await getFromNode(m2.port, "removal-2")).toBe("n2");
    expect(await getFromNode(m1.port, "removal-2")).toBeUndefined();
    await roundTrip(d, "config get cluster\r\n", configReply(2, [node2]));
  });

  it("answers SERVER_ERROR for data commands when there is no node, and still answers config", async () => {
    const ep = await startEndpoint([]);
    const c = await connect(ep);
    const config = configReply(1, []);
    // The set's 18-byte data block reads "config get cluster": it must be swallowed as data.
    await roundTrip(
      c,
      "get a\r\nset k 0 0 18\r\nconfig get cluster\r\nconfig get cluster\r\nset q 0 0 1 noreply\r\nx\r\nmn\r\n",
      "SERVER_ERROR no cache node available\r\nSERVER_ERROR no cache node available\r\n" + config + "MN\r\n",
    );
    // Nodes appearing later are used by the same connection.
    ep.setNodes([node1]);
    await roundTrip(c, "set late 0 0 1\r\nL\r\nconfig get cluster\r\n", "STORED\r\n" + configReply(2, [node1]));
    expect(await getFromNode(m1.port, "late")).toBe("L");
  });

  it("answers SERVER_ERROR in order when the node refuses connections", async () => {
    const dead = { host: "127.0.0.1", ip: "127.0.0.1", port: await freePort() };
    const ep = await startEndpoint([dead]);
    const c = await connect(ep);
    const config = configReply(1, [dead]);
    await roundTrip(
      c,
      "set a 0 0 1\r\nx\r\nconfig get cluster\r\nget a\r\n",
      "SERVER_ERROR no cache node available\r\n" + config + "SERVER_ERROR no cache node available\r\n",
    );
  });

  it("closes binary-protocol connections", async () => {
    const c = await connect(shared);
    // A binary "version" request: magic 0x80, opcode 0x0b, rest of the 24-byte header zero.
    const header = Buffer.alloc(24);
    header[0] = 0x80;
    header[1] = 0x0b;
    c.send(header);
    await c.waitClosed();
  });

  it("rejects start() with EADDRINUSE when the port is taken", async () => {
    const other = new MemcachedConfigEndpoint({ bindHost: "127.0.0.1", port: shared.port, logger: silentLogger });
    await expect(other.start()).rejects.toMatchObject({ code: "EADDRINUSE" });
  });

  it("closes client and node sockets on stop()", async () => {
    const ep = await startEndpoint([node1]);
    const before = await clientPortsOf(m1.port);
    const c = await connect(ep);
    await roundTrip(c, "set stopping 0 0 1\r\ns\r\n", "STORED\r\n");
    const proxied = [...(await clientPortsOf(m1.port))].filter((p) => !before.has(p));
    expect(proxied).toHaveLength(1);
    await ep.stop();
    await c.waitClosed();
    // memcached notices the close on its own schedule: poll for it.
    await waitFor(() => clientPortsOf(m1.port), (open) => !open.has(proxied[0]), {
      timeoutMs: 5_000,
      what: `memcached to drop the proxied connection from port ${proxied[0]}`,
      show: (open) => [...open],
    });
    await expect(RawClient.connect(ep.port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
