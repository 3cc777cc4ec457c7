/** Engine nodes started directly through a driver (no emulator): specs, a port range, process checks, clients. */
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import Memcached from "memcached";
import { afterAll } from "vitest";
import type { EngineKind, EngineNode, NodeSpec } from "../../src/engines/engine.js";
import { PortPool, startOnFreePort, type PortRange } from "../../src/process/ports.js";

/** Port 0 never works for redis-server; tests take ports from this range through the allocator. */
export const TEST_RANGE: PortRange = { from: 31000, to: 31999 }; // below the ephemeral port range
export const pool = new PortPool();

export { MEMCACHED, REDIS_SERVER, haveMemcached, haveRedis } from "./binaries.js";

/** One scratch root per test file, removed after it (the hook lands in each importing file). */
const scratch = mkdtempSync(path.join(os.tmpdir(), "ecl-engines-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

export function tmpDir(prefix = "t-"): string {
  return mkdtempSync(path.join(scratch, prefix));
}

export function spec(engine: EngineKind, port: number, extra: Partial<NodeSpec> = {}): NodeSpec {
  return {
    nodeName: `test-${engine}/${port}`,
    engine,
    engineVersion: engine === "memcached" ? "1.6.17" : "7.0",
    port,
    bindHost: "127.0.0.1",
    workDir: path.join(tmpDir(), "node"),
    ...extra,
  };
}

/** Starts a node on a free port of the test range (a taken port is skipped, not a failure). */
export function startNode(
  start: (spec: NodeSpec) => Promise<EngineNode>,
  engine: EngineKind,
  extra: Partial<NodeSpec> = {},
): Promise<EngineNode> {
  return startOnFreePort(TEST_RANGE, undefined, (port) => start(spec(engine, port, extra)), { pool });
}

export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

/** Holds a port with a plain net.Server (a "foreign" listener). */
export async function holdPort(range: PortRange = TEST_RANGE): Promise<net.Server> {
  for (let port = range.to; port >= range.from; port--) {
    if (pool.isHeld(port)) continue;
    const server = net.createServer((s) => s.destroy());
    const ok = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (ok) {
      pool.allocate(range, port); // keep our own allocator off it too
      return server;
    }
  }
  throw new Error("no port to hold");
}

export function heldPort(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

export function closeServer(server: net.Server): Promise<void> {
  pool.release(heldPort(server));
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Promisified calls of the `memcached` npm client. */
export function memcachedClient(port: number) {
  const client = new Memcached(`127.0.0.1:${port}`, { retries: 0, timeout: 2000, idle: 1000 });
  const call = <T>(fn: (cb: (err: unknown, value: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
  return {
    set: (key: string, value: string | Buffer, lifetime = 0) => call<boolean>((cb) => client.set(key, value, lifetime, cb)),
    get: (key: string) => call<unknown>((cb) => client.get(key, cb)),
    del: (key: string) => call<boolean>((cb) => client.del(key, cb)),
    incr: (key: string, by: number) => call<number | boolean>((cb) => client.incr(key, by, cb)),
    end: () => client.end(),
  };
}
