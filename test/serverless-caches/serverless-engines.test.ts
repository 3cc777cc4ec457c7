/**
 * What a client of a serverless cache sees on the real engines: TLS only, a cluster-mode
 * endpoint showing one shard (primary = Endpoint, replica = ReaderEndpoint), CROSSSLOT, the
 * reader, the commands ElastiCache Serverless refuses, ioredis Cluster, redis-py's
 * RedisCluster and redis-cli -c over TLS, Memcached over TLS, and the data limit.
 */
import { CreateServerlessCacheCommand, type ServerlessCache } from "@aws-sdk/client-elasticache";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Redis, { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVERLESS_CLUSTER_SUBCOMMANDS, SERVERLESS_RESTRICTED_COMMANDS, RESTRICTED_COMMANDS } from "../../src/engines/restricted.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { exchange, fetchCa, memcachedOver } from "../helpers/tls.js";
import { describeServerlessCache } from "./helpers.js";

const run = promisify(execFile);

/** Arguments that satisfy each blocked command's arity (the engine checks arity before the ACL). */
const ARGS: Record<string, string[]> = {
  "acl|setuser": ["u"], "acl|deluser": ["u"], "client|caching": ["yes"], "client|kill": ["1.2.3.4:5"], "client|no-evict": ["on"],
  "client|pause": ["1"], "client|tracking": ["on"], "client|unblock": ["1"], fcall: ["f", "0"], fcall_ro: ["f", "0"], function: ["list"],
  keys: ["*"], latency: ["latest"], memory: ["usage", "x"], move: ["x", "1"], object: ["encoding", "x"], pfdebug: ["getreg", "x"],
  psubscribe: ["x"], slowlog: ["get"], swapdb: ["0", "1"], wait: ["0", "0"], config: ["get", "x"], migrate: ["h", "1", "k", "0", "1"],
  replicaof: ["no", "one"], slaveof: ["no", "one"], psync: ["?", "-1"], "cluster|replicate": ["x"], "cluster|addslots": ["1"], commandlog: ["get", "1", "slow"],
};
let emulator: Emulator;
let ca: string;
let valkey: ServerlessCache;
const clients: Array<Redis | Cluster> = [];

function cluster(cache: ServerlessCache, opts: { scaleReads?: "master" | "slave" } = {}): Cluster {
  const c = new Redis.Cluster([{ host: cache.Endpoint!.Address!, port: cache.Endpoint!.Port! }], {
    redisOptions: { tls: { ca } },
    scaleReads: opts.scaleReads ?? "master",
  });
  clients.push(c);
  return c;
}

function direct(port: number): Redis {
  const r = new Redis({ host: "127.0.0.1", port, tls: { ca }, maxRetriesPerRequest: 1 });
  clients.push(r);
  return r;
}

async function created(name: string, input: Partial<ConstructorParameters<typeof CreateServerlessCacheCommand>[0]> = {}): Promise<ServerlessCache> {
  const sdk = sdkClient(emulator);
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: "valkey", ...input }));
  return describeServerlessCache(sdk, name, (c) => c.Status === "available");
}

beforeAll(async () => {
  // Node memory scaled down so that a 1 GB DataStorage limit is a few MB of real memory.
  emulator = await startEmulator({ nodeMemoryScale: 0.01 });
  ca = await fetchCa(emulator);
  valkey = await created("engines");
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await emulator?.stop();
});

describe("the Valkey/Redis endpoint", () => {
  it("is TLS only: the Endpoint and the reader share one address, the reader on the next port", async () => {
    expect(valkey.ReaderEndpoint).toEqual({ Address: valkey.Endpoint!.Address, Port: valkey.Endpoint!.Port! + 1 });
    expect(await direct(valkey.Endpoint!.Port!).ping()).toBe("PONG");
    // A plaintext client gets no answer: the engine drops it.
    expect(await exchange(valkey.Endpoint!.Port!, "PING\r\n", { timeoutMs: 2000 })).toBe("");
  });

  it("shows one shard covering every slot: the Endpoint as primary, the reader as replica", async () => {
    const c = direct(valkey.Endpoint!.Port!);
    const slots = (await c.cluster("SLOTS")) as Array<[number, number, [string, number, string], [string, number, string]]>;
    expect(slots).toHaveLength(1);
    const [from, to, primary, replica] = slots[0]!;
    expect([from, to, primary.slice(0, 2), replica.slice(0, 2)]).toEqual([0, 16383, ["127.0.0.1", valkey.Endpoint!.Port], ["127.0.0.1", valkey.ReaderEndpoint!.Port]]);
    const myId = await c.cluster("MYID");
    expect(myId).toBe(primary[2]);
    expect(String(await c.cluster("INFO"))).toMatch(/cluster_state:ok/);
    const nodes = String(await c.cluster("NODES")).trim().split("\n");
    expect(nodes).toHaveLength(2);
    const shards = (await c.call("CLUSTER", "SHARDS")) as unknown[];
    expect(shards).toHaveLength(1);
  });

  it("ioredis Cluster reads and writes; multi-key commands across slots answer CROSSSLOT", async () => {
    const c = cluster(valkey);
    for (let i = 0; i < 50; i++) await c.set(`k:${i}`, String(i));
    expect(await c.get("k:42")).toBe("42");
    await expect(c.mset("a", "1", "b", "2")).rejects.toThrow(/CROSSSLOT/);
    expect(await c.mset("{t}a", "1", "{t}b", "2")).toBe("OK");
    expect(await c.mget("{t}a", "{t}b")).toEqual(["1", "2"]);
  });

  it("the reader serves reads after READONLY and sends writes to the Endpoint (MOVED)", async () => {
    await cluster(valkey).set("reader-key", "v");
    const reader = direct(valkey.ReaderEndpoint!.Port!);
    expect(await reader.readonly()).toBe("OK");
    // The replica catches up with its primary.
    let value: string | null = null;
    for (let i = 0; i < 100 && value === null; i++) value = await reader.get("reader-key");
    expect(value).toBe("v");
    await expect(reader.set("reader-key", "w")).rejects.toThrow(new RegExp(`MOVED \\d+ 127.0.0.1:${valkey.Endpoint!.Port}`));
    const scaled = cluster(valkey, { scaleReads: "slave" });
    expect(await scaled.get("reader-key")).toBe("v");
  });

  it("refuses every command ElastiCache Serverless blocks, with the engine's NOPERM", async () => {
    const known = new Set(((await direct(valkey.Endpoint!.Port!).call("COMMAND", "LIST")) as string[]).map((n) => n.toLowerCase()));
    const entries = [...SERVERLESS_RESTRICTED_COMMANDS, ...RESTRICTED_COMMANDS.filter((n) => n !== "debug"), "cluster|reset", "cluster|replicate", "cluster|addslots"];
    const commands = entries.filter((e) => known.has(e.split("|")[0]!)).map((entry) => [...entry.split("|"), ...(ARGS[entry] ?? [])]);
    // One TLS connection, every command pipelined in RESP: each answers one error line.
    const resp = commands.map((args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`).join("");
    const text = await exchange(valkey.Endpoint!.Port!, resp, { ca, done: (t) => t.split("\r\n").length > commands.length });
    const replies = text.split("\r\n").slice(0, commands.length);
    const refused = replies.map((line, i) => [commands[i]!.slice(0, 2).join(" "), line] as const);
    for (const [command, line] of refused) expect(line, command).toMatch(/^-NOPERM this user has no permissions to run the '[a-z_|-]+' command$/);
    expect(refused.length).toBeGreaterThan(45);
  });

  it("answers the commands AWS supports, CLUSTER's shard views among them", async () => {
    const c = direct(valkey.Endpoint!.Port!);
    for (const sub of SERVERLESS_CLUSTER_SUBCOMMANDS) {
      if (sub === "slot-stats") continue; // valkey 8 only
      const args = sub === "countkeysinslot" ? ["0"] : sub === "getkeysinslot" ? ["0", "1"] : sub === "keyslot" ? ["x"] : sub === "replicas" ? [String(await c.cluster("MYID"))] : [];
      await expect(c.call("CLUSTER", sub, ...args), sub).resolves.toBeDefined();
    }
    expect(await c.call("SCAN", "0")).toBeDefined();
    expect(await c.call("CLIENT", "SETNAME", "me")).toBe("OK");
    expect(await c.call("ACL", "WHOAMI")).toBe("default");
    expect(await c.dbsize()).toBeGreaterThanOrEqual(0);
  });

  it("redis-py's RedisCluster and redis-cli -c read and write over TLS", async () => {
    const caFile = join(tmpdir(), `serverless-ca-${process.pid}.pem`);
    await writeFile(caFile, ca);
    const { Address, Port } = valkey.Endpoint!;
    const script = [
      "import sys",
      "from redis.cluster import RedisCluster",
      "rc = RedisCluster(host=sys.argv[1], port=int(sys.argv[2]), ssl=True, ssl_ca_certs=sys.argv[3])",
      "for i in range(100): rc.set(f'py:{i}', str(i))",
      "print(sum(1 for i in range(100) if rc.get(f'py:{i}') == str(i).encode()), len(rc.get_nodes()))",
    ].join("\n");
    const py = await run("/usr/bin/python3", ["-c", script, Address!, String(Port), caFile]);
    expect(py.stdout.trim()).toBe("100 2");
    await run("redis-cli", ["-c", "--tls", "--cacert", caFile, "-h", Address!, "-p", String(Port), "SET", "cli-key", "cli-value"]);
    const got = await run("redis-cli", ["-c", "--tls", "--cacert", caFile, "-h", Address!, "-p", String(Port), "GET", "py:7"]);
    expect(got.stdout.trim()).toBe("7");
    expect(await cluster(valkey).get("cli-key")).toBe("cli-value");
  });
});

describe("DataStorage.Maximum", () => {
  it("evicts keys with a TTL first, then refuses writes with OOM", async () => {
    const cache = await created("small", { Engine: "redis", CacheUsageLimits: { DataStorage: { Maximum: 1, Unit: "GB" } } });
    const c = cluster(cache);
    const value = "x".repeat(10_000);
    for (let i = 0; i < 200; i++) await c.set(`{d}persist:${i}`, value);
    for (let i = 0; i < 200; i++) await c.set(`{d}ttl:${i}`, value, "EX", 3600);
    let oom: Error | undefined;
    for (let i = 200; i < 5000 && !oom; i++) await c.set(`{d}persist:${i}`, value).catch((e: Error) => (oom = e));
    expect(oom?.message).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
    // Every key with a TTL went before any write was refused; no key without one was lost.
    expect(await c.exists(...Array.from({ length: 200 }, (_, i) => `{d}ttl:${i}`))).toBe(0);
    expect(await c.exists(...Array.from({ length: 200 }, (_, i) => `{d}persist:${i}`))).toBe(200);
  });
});

describe("Memcached", () => {
  it("speaks the text protocol over TLS only, refusing what AWS does not support", async () => {
    const cache = await created("mc", { Engine: "memcached" });
    expect(cache.ReaderEndpoint).toBeUndefined();
    const port = cache.Endpoint!.Port!;
    expect(await memcachedOver(port, "set k 0 0 5\r\nhello\r\n", ca)).toBe("STORED\r\n");
    expect(await memcachedOver(port, "get k\r\n", ca)).toBe("VALUE k 0 5\r\nhello\r\nEND\r\n");
    expect(await exchange(port, "version\r\n", { timeoutMs: 2000 })).not.toMatch(/VERSION/);

    // What AWS does not support on serverless Memcached, answered as memcached answers an unknown command.
    for (const refused of ["lru_crawler metadump all", "lru mode flat", "watch fetchers", "verbosity 1", "me k", "stats slabs", "stats items", "config get cluster"]) {
      expect(await memcachedOver(port, `${refused}\r\n`, ca), refused).toBe("ERROR\r\n");
    }
    expect(await memcachedOver(port, "flush_all 10\r\n", ca)).toMatch(/^CLIENT_ERROR /);
    expect(await memcachedOver(port, "stats\r\n", ca)).toMatch(/^STAT pid \d+\r\n[\s\S]*END\r\n$/);
    expect(await exchange(port, "stats reset\r\n", { ca, done: (t) => t.endsWith("\r\n") })).toBe("RESET\r\n");
    // Pipelined, the refusal comes in its place among the served replies.
    const pipelined = await exchange(port, "get k\r\nwatch\r\nget k\r\n", { ca, done: (t) => t.split("END\r\n").length === 3 });
    expect(pipelined).toBe("VALUE k 0 5\r\nhello\r\nEND\r\nERROR\r\nVALUE k 0 5\r\nhello\r\nEND\r\n");
    expect(await memcachedOver(port, "flush_all\r\n", ca)).toBe("OK\r\n");
    expect(await memcachedOver(port, "get k\r\n", ca)).toBe("END\r\n");
  });
});
