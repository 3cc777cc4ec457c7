/** Port handling: a taken port is a PortInUseError, never a silent attach; the retry loop skips it. */
import { spawn } from "node:child_process";
import type net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedDriver } from "../../src/engines/embedded-driver.js";
import { PortInUseError } from "../../src/process/ports.js";
import type { EngineDriver, EngineKind, EngineNode } from "../../src/engines/engine.js";
import { MemcachedDriver } from "../../src/engines/memcached-driver.js";
import { allocatePortWhenFree, NoFreePortError, PortPool, startOnFreePort } from "../../src/process/ports.js";
import { RedisServerDriver } from "../../src/engines/redis-driver.js";
import { respPing } from "../../src/engines/probes.js";
import { MEMCACHED, REDIS_SERVER, TEST_RANGE, closeServer, haveMemcached, haveRedis, heldPort, holdPort, pool, processGone, spec } from "../helpers/engine-nodes.js";
import { eventually } from "../helpers/wait.js";

describe("PortPool", () => {
  it("hands out distinct ports, moves on, and reuses released ones", () => {
    const p = new PortPool();
    const range = { from: 5000, to: 5002 };
    expect([p.allocate(range), p.allocate(range), p.allocate(range)]).toEqual([5000, 5001, 5002]);
    expect(() => p.allocate(range)).toThrow(NoFreePortError);
    p.release(5001);
    expect(p.allocate(range)).toBe(5001);
    expect(() => p.allocate(range, 5000)).toThrow(PortInUseError);
    expect(() => p.allocate({ from: 10, to: 5 })).toThrow(RangeError);
  });

  it("keeps reserved ports for whoever asks for them by number, until the reservation is lifted", () => {
    const p = new PortPool();
    const range = { from: 5000, to: 5003 };
    const lift = p.reserve([5000, 5002]);
    expect([p.allocate(range), p.allocate(range)]).toEqual([5001, 5003]);
    expect(p.allocate(range, 5002)).toBe(5002);
    lift();
    expect(p.allocate(range)).toBe(5000);
  });

  it("an allocation that finds the range full waits for ports on their way back, and only then", async () => {
    const p = new PortPool();
    const range = { from: 5000, to: 5001 };
    p.allocate(range);
    p.allocate(range);
    await expect(allocatePortWhenFree(range, undefined, p)).rejects.toThrow(NoFreePortError);
    let release!: () => void;
    p.releaseSoon(new Promise<void>((resolve) => (release = resolve)).then(() => p.release(5001)));
    const waiting = allocatePortWhenFree(range, undefined, p);
    release();
    expect(await waiting).toBe(5001);
    await expect(allocatePortWhenFree(range, undefined, p)).rejects.toThrow(NoFreePortError);
  });

  it("startOnFreePort releases the port when the node stops", async () => {
    const p = new PortPool();
    const d = new EmbeddedDriver();
    const range = { from: TEST_RANGE.from, to: TEST_RANGE.to };
    const node = await startOnFreePort(range, undefined, (port) => d.start(spec("redis", port)), { pool: p });
    expect(p.isHeld(node.endpoint.port)).toBe(true);
    await node.stop();
    expect(p.isHeld(node.endpoint.port)).toBe(false);
  });
});

const drivers: Array<{ name: string; engine: EngineKind; make: () => EngineDriver }> = [
  ...(haveRedis ? [{ name: "redis-server", engine: "redis" as const, make: () => new RedisServerDriver(REDIS_SERVER, "redis-server") }] : []),
  ...(haveMemcached ? [{ name: "memcached", engine: "memcached" as const, make: () => new MemcachedDriver(MEMCACHED) }] : []),
  { name: "embedded redis", engine: "redis", make: () => new EmbeddedDriver() },
  { name: "embedded memcached", engine: "memcached", make: () => new EmbeddedDriver() },
];

describe.each(drivers)("port in use: $name", ({ engine, make }) => {
  let holder: net.Server | undefined;
  const nodes: EngineNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    if (holder) await closeServer(holder);
    holder = undefined;
  });

  it("start() on a port held by another listener throws PortInUseError", async () => {
    holder = await holdPort();
    const err = await make().start(spec(engine, heldPort(holder))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortInUseError);
    expect((err as PortInUseError).port).toBe(heldPort(holder));
  });

  it("startOnFreePort skips the held port, and throws when it was the requested one", async () => {
    holder = await holdPort();
    const taken = heldPort(holder);
    pool.release(taken); // let the allocator offer it, so the engine itself finds it taken
    const d = make();
    await expect(startOnFreePort({ from: taken, to: taken }, taken, (port) => d.start(spec(engine, port)), { pool })).rejects.toBeInstanceOf(PortInUseError);
    const node = await startOnFreePort({ from: taken, to: Math.min(taken + 20, 65535) }, undefined, (port) => d.start(spec(engine, port)), { pool });
    nodes.push(node);
    expect(node.endpoint.port).not.toBe(taken);
    expect(await node.health()).toBe("ok");
  });
});

describe.runIf(haveRedis)("a foreign redis-server already on the port", () => {
  it("is detected (our pid must answer), not silently used", async () => {
    const port = pool.allocate(TEST_RANGE);
    const foreign = spawn(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--logfile", ""], { stdio: "ignore" });
    try {
      await eventually(() => respPing({ host: "127.0.0.1", port }));
      const err = await new RedisServerDriver(REDIS_SERVER, "redis-server").start(spec("redis", port)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortInUseError);
      expect(await respPing({ host: "127.0.0.1", port })).toBe(true); // the foreign one is untouched
    } finally {
      foreign.kill("SIGKILL");
      await eventually(() => processGone(foreign.pid!));
      pool.release(port);
    }
  });
});
