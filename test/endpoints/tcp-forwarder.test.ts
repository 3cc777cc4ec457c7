/**
 * The forwarder contract, run against both data paths: the Node TcpForwarder and the
 * haproxy-backed HaproxyForwarder (when haproxy is installed).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HaproxyForwarder } from "../../src/endpoints/haproxy-forwarder.js";
import { TcpForwarder, type ForwardTarget } from "../../src/endpoints/tcp-forwarder.js";
import { silentLogger } from "../../src/logger.js";
import { HAPROXY, REDIS_SERVER, haveHaproxy } from "../helpers/binaries.js";
import { eventually } from "../helpers/wait.js";

/** Fixed ports this file may use (the forwarders themselves listen on port 0). */
const PORT_RANGE = { from: 32000, to: 32399 };

// --- helpers ---------------------------------------------------------------------------

const usedPorts = new Set<number>();

/** A port of PORT_RANGE that we could bind a moment ago (and have not handed out before). */
async function freeRangePort(): Promise<number> {
  const span = PORT_RANGE.to - PORT_RANGE.from + 1;
  const offset = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = PORT_RANGE.from + ((offset + i) % span);
    if (usedPorts.has(port)) continue;
    const server = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(true));
    });
    if (!ok) continue;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    usedPorts.add(port);
    return port;
  }
  throw new Error("no free port in range");
}

interface RedisProcess {
  port: number;
  child: ChildProcess;
  target: ForwardTarget;
}

const processes: RedisProcess[] = [];

async function startRedis(): Promise<RedisProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeRangePort();
    const child = spawn(
      REDIS_SERVER,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const proc: RedisProcess = { port, child, target: { host: "127.0.0.1", port } };
    processes.push(proc);
    try {
      await waitForPing(child, port);
      return proc;
    } catch (err) {
      lastError = err;
      await stopRedis(proc); // the port was taken after all: try another
    }
  }
  throw lastError;
}

async function waitForPing(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server on ${port} exited`);
    const reply = await rawRoundTrip(port, "PING\r\n").catch(() => "");
    if (reply.startsWith("+PONG")) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on ${port} did not answer PING`);
}

async function stopRedis(proc: RedisProcess): Promise<void> {
  const child = proc.child;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** One request on a fresh socket; resolves with what came back before the first CRLF. */
function rawRoundTrip(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port });
    let got = "";
    s.setTimeout(2_000, () => s.destroy(new Error("timeout")));
    s.on("connect", () => s.write(request));
    s.on("data", (d) => {
      got += d.toString();
      if (got.includes("\r\n")) {
        s.destroy();
        resolve(got);
      }
    });
    s.on("error", reject);
    s.on("close", () => resolve(got));
  });
}

/** A plain socket that records what it receives and how it ended. */
class RawSocket {
  data = Buffer.alloc(0);
  ended = false;
  closed: Promise<void>;
  isClosed = false;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
      this.wake();
    });
    socket.on("end", () => {
      this.ended = true;
      this.wake();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.isClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.off("error", reject);
        resolve(new RawSocket(s));
      });
      s.once("error", reject);
    });
  }

  /** Resolves once `pred` holds for what has arrived (or rejects when the socket closes first). */
  async until(pred: (text: string) => boolean): Promise<string> {
    for (;;) {
      const text = this.data.toString("latin1");
      if (pred(text)) return text;
      if (this.isClosed) throw new Error(`closed before the expected data; got ${JSON.stringify(text.slice(0, 200))}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Names of the clients connected to a redis-server (CLIENT SETNAME), read directly. */
async function clientNames(proc: RedisProcess): Promise<string[]> {
  const r = direct(proc);
  const list = (await r.call("CLIENT", "LIST")) as string;
  return list
    .split("\n")
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? "")
    .filter((n) => n !== "" && n !== "direct")
    .sort();
}

type AnyForwarder = TcpForwarder | HaproxyForwarder;

const clients: Redis[] = [];
const rawSockets: RawSocket[] = [];
const forwarders: AnyForwarder[] = [];

/** A client straight to the engine, for checking what happened there. */
const directClients = new Map<RedisProcess, Redis>();
function direct(proc: RedisProcess): Redis {
  let r = directClients.get(proc);
  if (!r) {
    r = new Redis({ host: "127.0.0.1", port: proc.port, connectionName: "direct", lazyConnect: false });
    directClients.set(proc, r);
  }
  return r;
}

/** An ioredis client through the forwarder that never reconnects (so 'end' is final). */
async function through(fwd: AnyForwarder, name: string): Promise<Redis> {
  const r = new Redis({
    host: "127.0.0.1",
    port: fwd.port,
    connectionName: name,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  r.on("error", () => {});
  clients.push(r);
  await r.connect();
  return r;
}

interface Implementation {
  name: string;
  available: boolean;
  /** A forwarder not started yet; `port` undefined: one of its own. */
  make(port?: number): Promise<AnyForwarder>;
}

const implementations: Implementation[] = [
  {
    name: "TcpForwarder (Node)",
    available: true,
    make: async (port = 0) => new TcpForwarder({ bindHost: "127.0.0.1", port, logger: silentLogger, name: "test" }),
  },
  {
    name: "HaproxyForwarder",
    available: haveHaproxy,
    make: async (port) =>
      new HaproxyForwarder({
        binary: HAPROXY,
        bindHost: "127.0.0.1",
        port: port ?? (await freeRangePort()),
        logger: silentLogger,
        name: "test",
        dir: mkdtempSync(path.join(os.tmpdir(), "ecl-fwd-test-")),
      }),
  },
];

/** Client connections the forwarder holds now. */
async function connectionCount(fwd: AnyForwarder): Promise<number> {
  return fwd instanceof TcpForwarder ? fwd.connectionCount : fwd.connectionCount();
}

// --- tests -----------------------------------------------------------------------------

describe.each(implementations)("$name with real redis-server targets", (impl) => {
  async function forwarder(targets: ForwardTarget[]): Promise<AnyForwarder> {
    const f = await impl.make();
    forwarders.push(f);
    await f.start();
    await f.setTargets(targets);
    return f;
  }

  let a: RedisProcess;
  let b: RedisProcess;

  beforeAll(async () => {
    [a, b] = await Promise.all([startRedis(), startRedis()]);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of rawSockets.splice(0)) s.socket.destroy();
    await Promise.all(forwarders.splice(0).map((f) => f.stop()));
  });

  afterAll(async () => {
    for (const r of directClients.values()) r.disconnect();
    directClients.clear();
    await Promise.all(processes.map(stopRedis));
    for (const p of processes) expect(p.child.exitCode !== null || p.child.signalCode !== null).toBe(true);
  });

  it.runIf(impl.available)("forwards commands to the target", async () => {
    const fwd = await forwarder([a.target]);
    const r = await through(fwd, "setget");
    expect(await r.set("fwd:key", "hello")).toBe("OK");
    expect(await r.get("fwd:key")).toBe("hello");
    expect(await direct(a).get("fwd:key")).toBe("hello");
    expect(await direct(b).get("fwd:key")).toBeNull();
    expect(await connectionCount(fwd)).toBe(1);
    expect(fwd.targets).toEqual([a.target]);
  });

  it.runIf(impl.available)("spreads new connections round-robin over the targets", async () => {
    const fwd = await forwarder([a.target, b.target]);
    for (let i = 0; i < 4; i++) await through(fwd, `rr${i}`);
    const onA = await clientNames(a);
    const onB = await clientNames(b);
    const evens = ["rr0", "rr2"];
    const odds = ["rr1", "rr3"];
    // Alternating: one target got the even-numbered connections, the other the odd ones.
    expect([onA, onB]).toSatisfy(
      ([x, y]: string[][]) =>
        (JSON.stringify(x) === JSON.stringify(evens) && JSON.stringify(y) === JSON.stringify(odds)) ||
        (JSON.stringify(x) === JSON.stringify(odds) && JSON.stringify(y) === JSON.stringify(evens)),
    );
    expect(await connectionCount(fwd)).toBe(4);
  });

  it.runIf(impl.available)("closes connections to a target that left the set and sends new ones to the rest", async () => {
    const fwd = await forwarder([a.target, b.target]);
    const first = await through(fwd, "move0");
    const second = await through(fwd, "move1");
    const raw = await RawSocket.connect(fwd.port);
    rawSockets.push(raw);
    raw.socket.write("CLIENT SETNAME moveraw\r\nPING\r\n");
    await raw.until((t) => t.includes("+PONG\r\n"));
    await eventually(async () => (await clientNames(a)).length + (await clientNames(b)).length === 3, { timeoutMs: 10_000, what: "3 clients" });

    const namesA = await clientNames(a);
    const namesB = await clientNames(b);
    // Make A the target that goes away, whichever got the first connection.
    const [gone, stays, goneNames, staysNames] =
      namesA.length === 2 ? [a, b, namesA, namesB] : [b, a, namesB, namesA];
    expect(goneNames).toEqual(["move0", "moveraw"]);
    expect(staysNames).toEqual(["move1"]);
    expect(first.status).toBe("ready");

    const firstClosed = new Promise<void>((resolve) => first.once("close", () => resolve()));
    await fwd.setTargets([stays.target]);
    await firstClosed;
    await raw.closed;
    expect(raw.ended || raw.isClosed).toBe(true);
    expect(fwd.targets).toEqual([stays.target]);
    await eventually(async () => (await clientNames(gone)).length === 0, { timeoutMs: 10_000, what: "the removed target's clients to be gone" });

    // The connection already on the remaining target is untouched.
    expect(await second.ping()).toBe("PONG");
    // New connections reach the remaining target.
    const third = await through(fwd, "move2");
    await third.set("fwd:moved", "yes");
    expect(await direct(stays).get("fwd:moved")).toBe("yes");
    expect(await clientNames(stays)).toEqual(["move1", "move2"]);
    expect(await connectionCount(fwd)).toBe(2);
  });

  it.runIf(impl.available)("closes a new connection at once when there is no target", async () => {
    const fwd = await forwarder([]);
    const raw = await RawSocket.connect(fwd.port);
    rawSockets.push(raw);
    await raw.closed;
    expect(raw.data.length).toBe(0);
    expect(await connectionCount(fwd)).toBe(0);

    // Setting a target later serves new connections.
    await fwd.setTargets([a.target]);
    const r = await through(fwd, "late");
    expect(await r.ping()).toBe("PONG");
  });

  it.runIf(impl.available)("skips a target that refuses the connection", async () => {
    const closedPort = await freeRangePort(); // nothing listens there
    const fwd = await forwarder([{ host: "127.0.0.1", port: closedPort }, a.target]);
    const r0 = await through(fwd, "skip0"); // round-robin picks the refusing target first
    const r1 = await through(fwd, "skip1");
    expect(await r0.ping()).toBe("PONG");
    expect(await r1.ping()).toBe("PONG");
    expect(await clientNames(a)).toEqual(["skip0", "skip1"]);
    expect(await connectionCount(fwd)).toBe(2);

    // With only refusing targets the client is closed.
    await fwd.setTargets([{ host: "127.0.0.1", port: closedPort }]);
    const raw = await RawSocket.connect(fwd.port);
    rawSockets.push(raw);
    await raw.closed;
    expect(raw.data.length).toBe(0);
  });

  it.runIf(impl.available)("passes 10,000 pipelined commands written at once and returns the replies in order", async () => {
    const fwd = await forwarder([a.target]);
    const raw = await RawSocket.connect(fwd.port);
    rawSockets.push(raw);
    const n = 10_000;
    const parts: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < n; i++) {
      const v = `v${i}`;
      parts.push(`*2\r\n$4\r\nECHO\r\n$${v.length}\r\n${v}\r\n`);
      expected.push(`$${v.length}\r\n${v}\r\n`);
    }
    const want = expected.join("");
    raw.socket.write(parts.join(""));
    const got = await raw.until((t) => t.length >= want.length);
    expect(got.length).toBe(want.length);
    expect(got === want).toBe(true);
  });

  it.runIf(impl.available)("passes a half-close on: the replies still come back, then the connection ends", async () => {
    const fwd = await forwarder([a.target]);
    const raw = await RawSocket.connect(fwd.port);
    rawSockets.push(raw);
    raw.socket.end("PING\r\nECHO hi\r\n");
    await raw.closed;
    expect(raw.data.toString()).toBe("+PONG\r\n$2\r\nhi\r\n");
    expect(raw.ended).toBe(true);
    await eventually(async () => (await connectionCount(fwd)) === 0, { timeoutMs: 10_000, what: "the connection to be forgotten" });
  });

  it.runIf(impl.available)("closes the client when the target closes the connection", async () => {
    const fwd = await forwarder([a.target]);
    const raw = await RawSocket.connect(fwd.port);
    rawSockets.push(raw);
    raw.socket.write("QUIT\r\n");
    await raw.closed;
    expect(raw.data.toString()).toBe("+OK\r\n");
    await eventually(async () => (await connectionCount(fwd)) === 0, { timeoutMs: 10_000, what: "the connection to be forgotten" });
  });

  it.runIf(impl.available)("stop() closes the listener and every connection", async () => {
    const fwd = await forwarder([a.target, b.target]);
    const r = await through(fwd, "stop0");
    const raw = await RawSocket.connect(fwd.port);
    rawSockets.push(raw);
    raw.socket.write("PING\r\n");
    await raw.until((t) => t.includes("+PONG"));
    const rClosed = new Promise<void>((resolve) => r.once("close", () => resolve()));
    const port = fwd.port;

    await fwd.stop();
    await rClosed;
    await raw.closed;
    expect(await connectionCount(fwd)).toBe(0);
    await expect(RawSocket.connect(port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await eventually(async () => (await clientNames(a)).length + (await clientNames(b)).length === 0, { timeoutMs: 10_000, what: "engines to see the clients go" });
  });

  it.runIf(impl.available)("start() on a taken port rejects with EADDRINUSE", async () => {
    const fwd = await forwarder([a.target]);
    const second = await impl.make(fwd.port);
    await expect(second.start()).rejects.toMatchObject({ code: "EADDRINUSE" });
    await second.stop(); // a no-op on a forwarder that never started
  });
});
