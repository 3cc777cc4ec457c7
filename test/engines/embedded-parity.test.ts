/**
 * The embedded subset against the real engines: the same command scripts, the same replies.
 * Where the real engine is missing, the embedded replies are still checked for not failing.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedDriver } from "../../src/engines/embedded-driver.js";
import type { EngineNode } from "../../src/engines/engine.js";
import { MemcachedDriver } from "../../src/engines/memcached-driver.js";
import { respRequest } from "../../src/engines/probes.js";
import { RedisServerDriver } from "../../src/engines/redis-driver.js";
import { RespError, toStrings } from "../../src/engines/resp.js";
import { MEMCACHED, REDIS_SERVER, haveMemcached, haveRedis, startNode } from "../helpers/engine-nodes.js";

/** Commands whose replies are deterministic; `sort` marks replies whose order is unspecified. */
const RESP_SCRIPT: Array<string[] | { cmd: string[]; sort: true }> = [
  ["PING"],
  ["PING", "hi"],
  ["ECHO", "hello"],
  ["SET", "s", "v1"],
  ["SET", "s", "v2", "NX"],
  ["SET", "s", "v3", "XX", "GET"],
  ["SET", "missing", "x", "XX"],
  ["SET", "s", "v4", "NX", "XX"],
  ["SET", "s", "v4", "EX", "0"],
  ["SET", "s", "v4", "EX", "abc"],
  ["GET", "s"],
  ["SET", "t", "x", "EX", "100"],
  ["TTL", "t"],
  ["SET", "t", "y", "KEEPTTL"],
  ["TTL", "t"],
  ["PERSIST", "t"],
  ["TTL", "t"],
  ["TTL", "nope"],
  ["PTTL", "s"],
  ["EXPIRE", "s", "50"],
  ["TTL", "s"],
  ["EXPIRE", "nope", "50"],
  ["SETEX", "e", "10", "val"],
  ["TTL", "e"],
  ["SETEX", "e", "-1", "val"],
  ["SETNX", "s", "z"],
  ["GETSET", "s", "v5"],
  ["GETDEL", "s"],
  ["GET", "s"],
  ["MSET", "a", "1", "b", "2"],
  ["MSET", "a", "1", "b"],
  ["MGET", "a", "b", "c"],
  ["INCR", "a"],
  ["INCRBY", "a", "10"],
  ["DECR", "a"],
  ["DECRBY", "a", "5"],
  ["INCR", "e"],
  ["SET", "big", "9223372036854775807"],
  ["INCR", "big"],
  ["APPEND", "a", "xyz"],
  ["APPEND", "newkey", "abc"],
  ["STRLEN", "a"],
  ["STRLEN", "nope"],
  ["EXISTS", "a", "b", "nope", "a"],
  ["TYPE", "a"],
  ["HSET", "h", "f1", "v1", "f2", "v2"],
  ["HSET", "h", "f1", "v1b"],
  ["HSET", "h", "f3"],
  ["HGET", "h", "f1"],
  ["HGET", "h", "zz"],
  ["HGETALL", "h"],
  ["HDEL", "h", "f1", "zz"],
  ["HLEN", "h"],
  ["TYPE", "h"],
  ["GET", "h"],
  ["LPUSH", "h", "x"],
  ["RPUSH", "l", "a", "b", "c"],
  ["LPUSH", "l", "z", "y"],
  ["LRANGE", "l", "0", "-1"],
  ["LRANGE", "l", "-2", "-1"],
  ["LRANGE", "l", "3", "1"],
  ["LLEN", "l"],
  ["LPOP", "l"],
  ["RPOP", "l", "2"],
  ["LPOP", "nope"],
  ["LPOP", "l", "-1"],
  ["RPOP", "l"],
  ["RPOP", "l"],
  ["EXISTS", "l"],
  ["SADD", "st", "a", "b", "a"],
  ["SADD", "st", "c"],
  { cmd: ["SMEMBERS", "st"], sort: true },
  ["SREM", "st", "a", "zz"],
  ["SCARD", "st"],
  ["SISMEMBER", "st", "b"],
  ["TYPE", "st"],
  { cmd: ["KEYS", "*"], sort: true },
  { cmd: ["KEYS", "?"], sort: true },
  { cmd: ["KEYS", "[ab]"], sort: true },
  ["DEL", "a", "b", "nope"],
  ["UNLINK", "h"],
  ["DBSIZE"],
  ["SELECT", "1"],
  ["DBSIZE"],
  ["SET", "in1", "x"],
  ["SELECT", "99"],
  ["SELECT", "0"],
  ["GET", "in1"],
  ["FLUSHDB"],
  ["DBSIZE"],
  ["NOSUCHCMD", "a", "b"],
  ["GET"],
  ["CLIENT", "SETNAME", "me"],
  ["CLIENT", "GETNAME"],
  ["AUTH", "default", "whatever"],
  ["QUIT"],
];

function normalize(reply: unknown): unknown {
  return reply instanceof RespError ? { error: reply.message } : reply;
}

async function runResp(port: number): Promise<unknown[]> {
  const replies = await respRequest(
    { host: "127.0.0.1", port },
    RESP_SCRIPT.map((s) => (Array.isArray(s) ? s : s.cmd)),
    { timeoutMs: 5000 },
  );
  return replies.map((r, i) => {
    const v = normalize(toStrings(r));
    return !Array.isArray(RESP_SCRIPT[i]) && Array.isArray(v) ? [...v].sort() : v;
  });
}

describe("embedded Redis subset", () => {
  const nodes: EngineNode[] = [];
  let embedded: EngineNode;
  beforeAll(async () => {
    const d = new EmbeddedDriver();
    embedded = await startNode((s) => d.start(s), "redis");
    nodes.push(embedded);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it.runIf(haveRedis)("answers the script exactly like redis-server", async () => {
    const d = new RedisServerDriver(REDIS_SERVER, "redis-server");
    const real = await startNode((s) => d.start(s), "redis");
    nodes.push(real);
    const [want, got] = await Promise.all([runResp(real.endpoint.port), runResp(embedded.endpoint.port)]);
    expect(want).toHaveLength(RESP_SCRIPT.length);
    const diffs = RESP_SCRIPT.map((s, i) => ({ cmd: (Array.isArray(s) ? s : s.cmd).join(" "), want: want[i], got: got[i] })).filter(
      (d) => JSON.stringify(d.want) !== JSON.stringify(d.got),
    );
    expect(diffs).toEqual([]);
  });

  it("reports itself in INFO and HELLO 2, and refuses RESP3", async () => {
    const [info, hello2, hello3] = await respRequest({ host: "127.0.0.1", port: embedded.endpoint.port }, [["INFO"], ["HELLO", "2"], ["HELLO", "3"]]);
    const text = String(toStrings(info!));
    expect(text).toMatch(/# Server\r\nredis_version:7\.0\.0\r\n/);
    expect(text).toContain(`process_id:${process.pid}`);
    expect(text).toContain("# Replication\r\nrole:master");
    expect(toStrings(hello2!)).toEqual(expect.arrayContaining(["server", "redis", "proto", 2, "role", "master"]));
    expect(hello3).toEqual(new RespError("NOPROTO unsupported protocol version"));
  });

  it("accepts inline commands", async () => {
    const text = await rawExchange(embedded.endpoint.port, "PING\r\nSET k \"a b\"\r\nGET k\r\n", (t) => t.endsWith("$3\r\na b\r\n"));
    expect(text).toBe("+PONG\r\n+OK\r\n$3\r\na b\r\n");
  });

  it("expires keys", async () => {
    const [, , before] = await respRequest({ host: "127.0.0.1", port: embedded.endpoint.port }, [["FLUSHALL"], ["SET", "x", "1", "PX", "30"], ["EXISTS", "x"]]);
    expect(before).toBe(1);
    await new Promise((r) => setTimeout(r, 60));
    const [after, keys] = await respRequest({ host: "127.0.0.1", port: embedded.endpoint.port }, [["GET", "x"], ["KEYS", "*"]]);
    expect(after).toBeNull();
    expect(keys).toEqual([]);
  });
});

/** Writes text and collects the answer until done(text). */
function rawExchange(port: number, text: string | Buffer, done: (t: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const s = net.connect(port, "127.0.0.1", () => s.write(Buffer.isBuffer(text) ? text : Buffer.from(text, "latin1")));
    const timer = setTimeout(() => (s.destroy(), reject(new Error(`timeout; got ${JSON.stringify(got)}`))), 5000);
    s.on("data", (d) => {
      got += d.toString("latin1");
      if (done(got)) {
        clearTimeout(timer);
        s.destroy();
        resolve(got);
      }
    });
    s.on("error", reject);
  });
}

/** memcached steps; `{cas}` is replaced by the cas unique of the last `gets` on that server. */
const MC_SCRIPT: string[] = [
  "set a 5 0 3\r\nabc\r\n",
  "get a\r\n",
  "add a 0 0 1\r\nx\r\n",
  "add b 7 0 2\r\nbb\r\n",
  "replace c 0 0 1\r\nx\r\n",
  "replace a 6 0 3\r\nABC\r\n",
  "append a 0 0 2\r\nde\r\n",
  "prepend a 0 0 2\r\n__\r\n",
  "append zz 0 0 1\r\nx\r\n",
  "get a b zz\r\n",
  "gets a\r\n",
  "cas a 1 0 1 999999999\r\nq\r\n",
  "cas a 9 0 1 {cas}\r\nQ\r\n",
  "get a\r\n",
  "cas nope 0 0 1 1\r\nq\r\n",
  "incr a 1\r\n",
  "set n 0 0 2\r\n10\r\n",
  "incr n 5\r\n",
  "decr n 100\r\n",
  "incr n 18446744073709551615\r\n",
  "incr n 1\r\n",
  "incr missing 1\r\n",
  "incr n abc\r\n",
  "delete a\r\n",
  "delete a\r\n",
  "touch b 100\r\n",
  "touch zz 1\r\n",
  "set gone 0 -1 1\r\nx\r\n",
  "get gone\r\n",
  "set quiet 0 0 1 noreply\r\nq\r\n",
  "get quiet\r\n",
  "bogus command\r\n",
  "get\r\n",
  `get ${"k".repeat(251)}\r\n`,
  "flush_all\r\n",
  "get b n quiet\r\n",
];

/** Runs the script, one step at a time, fencing each reply with `version`. */
async function runMemcached(port: number): Promise<string[]> {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise((r, j) => (socket.once("connect", r), socket.once("error", j)));
  let buffer = "";
  socket.on("data", (d) => (buffer += d.toString("latin1")));
  const replies: string[] = [];
  let cas = "0";
  try {
    for (const step of MC_SCRIPT) {
      buffer = "";
      socket.write(step.replace("{cas}", cas) + "version\r\n");
      const deadline = Date.now() + 5000;
      while (!/VERSION [^\r]*\r\n$/.test(buffer)) {
        if (Date.now() > deadline) throw new Error(`no fence after ${JSON.stringify(step)}; got ${JSON.stringify(buffer)}`);
        await new Promise((r) => setTimeout(r, 2));
      }
      const reply = buffer.replace(/VERSION [^\r]*\r\n$/, "");
      const m = /^VALUE \S+ \d+ \d+ (\d+)\r\n/.exec(reply);
      if (m) cas = m[1]!;
      replies.push(reply.replace(/^(VALUE \S+ \d+ \d+) \d+\r\n/gm, "$1 <cas>\r\n"));
    }
  } finally {
    socket.destroy();
  }
  return replies;
}

describe("embedded memcached subset", () => {
  const nodes: EngineNode[] = [];
  let embedded: EngineNode;
  beforeAll(async () => {
    const d = new EmbeddedDriver();
    embedded = await startNode((s) => d.start(s), "memcached");
    nodes.push(embedded);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it.runIf(haveMemcached)("answers the script exactly like memcached", async () => {
    const d = new MemcachedDriver(MEMCACHED);
    const real = await startNode((s) => d.start(s), "memcached");
    nodes.push(real);
    const [want, got] = await Promise.all([runMemcached(real.endpoint.port), runMemcached(embedded.endpoint.port)]);
    expect(want).toHaveLength(MC_SCRIPT.length);
    expect(want[1]).toBe("VALUE a 5 3\r\nabc\r\nEND\r\n");
    const diffs = MC_SCRIPT.map((step, i) => ({ step, want: want[i], got: got[i] })).filter((d) => d.want !== d.got);
    expect(diffs).toEqual([]);
  });

  it("keeps binary values and honours expiry", async () => {
    const value = Buffer.from([0, 13, 10, 255]);
    const text = await rawExchange(
      embedded.endpoint.port,
      Buffer.concat([Buffer.from("set bin 3 0 4\r\n"), value, Buffer.from("\r\nset short 0 1 1\r\nx\r\nget bin\r\n")]),
      (t) => t.endsWith("END\r\n"),
    );
    expect(text).toBe("STORED\r\nSTORED\r\nVALUE bin 3 4\r\n\u0000\r\n\u00ff\r\nEND\r\n");
    await new Promise((r) => setTimeout(r, 1100));
    expect(await rawExchange(embedded.endpoint.port, "get short\r\n", (t) => t.endsWith("END\r\n"))).toBe("END\r\n");
  });

  it("rejects a bad data chunk without reading the data as commands", async () => {
    const text = await rawExchange(embedded.endpoint.port, "set x 0 0 2\r\nabcd\r\nversion\r\n", (t) => /VERSION .*\r\n$/.test(t));
    expect(text).toMatch(/^CLIENT_ERROR bad data chunk\r\nVERSION /);
  });

  it("reports stats with its pid", async () => {
    const text = await rawExchange(embedded.endpoint.port, "stats\r\n", (t) => t.endsWith("END\r\n"));
    expect(text).toContain(`STAT pid ${process.pid}\r\n`);
    expect(text).toContain("STAT curr_items");
  });
});
