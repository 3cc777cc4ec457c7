/**
 * What only the haproxy data path has: runtime target changes without a reload, the
 * process supervised like an engine (restarted, replaced by Node, reaped, never left
 * behind), haproxy binding the port itself, and the --forwarder choice in the emulator.
 * The forwarding contract both paths share is in tcp-forwarder.test.ts.
 */
import { CreateReplicationGroupCommand, DeleteReplicationGroupCommand } from "@aws-sdk/client-elasticache";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.js";
import type { EngineNode } from "../../src/engines/engine.js";
import type { Forwarder } from "../../src/nodes/node-launcher.js";
import { createNodeLauncher } from "../../src/nodes/launcher.js";
import { PidRegistry, reapOrphans, type PidFile } from "../../src/process/pid-registry.js";
import type { EngineRegistry } from "../../src/engines/registry.js";
import { RedisServerDriver } from "../../src/engines/redis-driver.js";
import { startOnFreePort, PortPool } from "../../src/process/ports.js";
import { HaproxyForwarder } from "../../src/endpoints/haproxy-forwarder.js";
import { createLogger, silentLogger } from "../../src/logger.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { belongsToRun, engineProcesses } from "../helpers/engine-processes.js";
import { HAPROXY, REDIS_SERVER, haveHaproxy, haveRedis } from "../helpers/binaries.js";
import { processGone, spec, tmpDir } from "../helpers/engine-nodes.js";
import { eventually, waitForReplicationGroup } from "../helpers/wait.js";

/** What these tests start directly: haproxy in front of redis-server. */
const haveHaproxyAndRedis = haveHaproxy && haveRedis;

/** Ports of this suite's range (TEST_NODE_PORT_BASE/SPAN), top 400: clear of the emulators' slices' starts. */
const base = Number(process.env.TEST_NODE_PORT_BASE ?? 10000);
const span = Number(process.env.TEST_NODE_PORT_SPAN ?? 20000);
const RANGE = { from: base + span - 400, to: base + span - 1 };
const pool = new PortPool();

/** A port of RANGE free right now, kept off the pool. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = pool.allocate(RANGE);
    const server = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(true));
    });
    if (ok) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
  }
}

/** Holds a port of RANGE with a plain listener (someone else's server). */
async function holdPort(): Promise<net.Server> {
  for (;;) {
    const port = pool.allocate(RANGE);
    const server = net.createServer((s) => s.destroy());
    const ok = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(true));
    });
    if (ok) return server;
  }
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

const nodes: EngineNode[] = [];
const forwarders: Array<{ stop(): Promise<void> }> = [];
const clients: Redis[] = [];
const held: net.Server[] = [];

async function redisNode(): Promise<EngineNode> {
  const driver = new RedisServerDriver(REDIS_SERVER, "redis-server", { allowRestrictedCommands: true });
  const node = await startOnFreePort(RANGE, undefined, (port) => driver.start(spec("redis", port)), { pool });
  nodes.push(node);
  return node;
}

function haproxyForwarder(port: number, extra: Partial<ConstructorParameters<typeof HaproxyForwarder>[0]> = {}): HaproxyForwarder {
  const fwd = new HaproxyForwarder({ binary: HAPROXY, bindHost: "127.0.0.1", port, logger: silentLogger, name: "test", dir: path.join(tmpDir(), "fwd"), ...extra });
  forwarders.push(fwd);
  return fwd;
}

/** A client that never reconnects, named so the engine can tell who is connected. */
async function through(port: number, name: string): Promise<Redis> {
  const r = new Redis({ host: "127.0.0.1", port, connectionName: name, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  r.on("error", () => {});
  clients.push(r);
  await r.connect();
  return r;
}

/** Names of the clients connected to a node (CLIENT SETNAME), read straight from it. */
async function clientNames(node: EngineNode): Promise<string[]> {
  const list = String(await node.adminCommand!(["CLIENT", "LIST"]));
  return list
    .split("\n")
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? "")
    .filter((n) => n !== "")
    .sort();
}

/** haproxy processes of this test run whose config lives under `_forwarders/<port>/` (the emulator's layout). */
function haproxyForPort(port: number): number[] {
  return engineProcesses()
    .filter((p) => p.cmdline.includes("haproxy") && p.cmdline.includes(`/_forwarders/${port}/`) && belongsToRun(p.pid, process.pid))
    .map((p) => p.pid);
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(forwarders.splice(0).map((f) => f.stop()));
  await Promise.all(held.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe.runIf(haveHaproxyAndRedis)("the haproxy forwarder", () => {
  let a: EngineNode;
  let b: EngineNode;
  beforeAll(async () => {
    [a, b] = await Promise.all([redisNode(), redisNode()]);
  });
  afterAll(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
  });

  it("changes targets at runtime: connections to targets that stay survive, and haproxy is not reloaded", async () => {
    const fwd = haproxyForwarder(await freePort());
    await fwd.start();
    const pid = fwd.pid;
    await fwd.setTargets([a.endpoint]);
    const onA = [await through(fwd.port, "keep0"), await through(fwd.port, "keep1")];

    // Adding a target leaves the existing connections alone; new ones alternate.
    await fwd.setTargets([a.endpoint, b.endpoint]);
    const more = [await through(fwd.port, "new0"), await through(fwd.port, "new1")];
    expect([...(await clientNames(a)), ...(await clientNames(b))].sort()).toEqual(["keep0", "keep1", "new0", "new1"]);
    expect((await clientNames(a)).filter((n) => n.startsWith("new"))).toHaveLength(1);
    for (const r of [...onA, ...more]) expect(await r.ping()).toBe("PONG");

    // Removing b closes its connection only.
    const [bName] = await clientNames(b);
    const onB = more.find((r) => r.options.connectionName === bName)!;
    const closed = new Promise<void>((resolve) => onB.once("close", () => resolve()));
    await fwd.setTargets([a.endpoint]);
    await closed;
    for (const r of [...onA, ...more].filter((r) => r !== onB)) expect(await r.ping()).toBe("PONG");
    await eventually(async () => (await clientNames(b)).length === 0);

    // A target that comes back reuses a slot; a switch to it closes a's connections.
    await fwd.setTargets([b.endpoint]);
    await eventually(async () => (await clientNames(a)).length === 0);
    const back = await through(fwd.port, "back");
    expect(await back.ping()).toBe("PONG");
    expect(await clientNames(b)).toEqual(["back"]);
    expect(fwd.pid).toBe(pid);
    expect(fwd.implementation).toBe("haproxy");
  });

  it("is started again on its port with the current targets when haproxy dies, and its pid record follows", async () => {
    const runDir = tmpDir("run-");
    const registry = new PidRegistry(runDir);
    const fwd = haproxyForwarder(await freePort(), { pidRegistry: registry });
    await fwd.start();
    await fwd.setTargets([a.endpoint]);
    const first = fwd.pid!;
    expect(registry.records().map((r) => r.pid)).toEqual([first]);

    process.kill(first, "SIGKILL");
    await eventually(() => fwd.pid !== undefined && fwd.pid !== first, { timeoutMs: 10_000 });
    expect(fwd.implementation).toBe("haproxy");
    const r = await through(fwd.port, "after-restart");
    expect(await r.ping()).toBe("PONG");
    expect(await clientNames(a)).toContain("after-restart");
    await eventually(() => registry.records().length === 1 && registry.records()[0]!.pid === fwd.pid);

    const second = fwd.pid!;
    await fwd.stop();
    expect(processGone(second)).toBe(true);
    await registry.close();
    expect(existsSync(registry.file)).toBe(false);
  });

  it("hands its port to a Node forwarder after haproxy keeps dying", async () => {
    const fwd = haproxyForwarder(await freePort());
    await fwd.start();
    await fwd.setTargets([a.endpoint]);
    for (let i = 0; i < 4; i++) {
      await eventually(() => fwd.pid !== undefined, { timeoutMs: 10_000 });
      const pid = fwd.pid!;
      process.kill(pid, "SIGKILL");
      await eventually(() => fwd.pid !== pid, { timeoutMs: 10_000 });
    }
    await eventually(() => fwd.implementation === "node", { timeoutMs: 10_000 });
    expect(fwd.pid).toBeUndefined();
    const r = await through(fwd.port, "on-node");
    expect(await r.ping()).toBe("PONG");
    // The Node forwarder follows target changes too.
    const closed = new Promise<void>((resolve) => r.once("close", () => resolve()));
    await fwd.setTargets([b.endpoint]);
    await closed;
    const r2 = await through(fwd.port, "on-node-b");
    expect(await r2.ping()).toBe("PONG");
    expect(await clientNames(b)).toEqual(["on-node-b"]);
  });

  it("stop() ends haproxy and every connection and removes its files", async () => {
    const dir = path.join(tmpDir(), "fwd");
    const fwd = haproxyForwarder(await freePort(), { dir });
    await fwd.start();
    await fwd.setTargets([a.endpoint]);
    const pid = fwd.pid!;
    expect(readdirSync(dir).sort()).toEqual(["admin.sock", "haproxy.cfg"]);
    const r = await through(fwd.port, "stopping");
    const closed = new Promise<void>((resolve) => r.once("close", () => resolve()));
    await fwd.stop();
    await closed;
    expect(processGone(pid)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    const refused = new Promise<void>((resolve, reject) => net.connect(fwd.port, "127.0.0.1").once("connect", resolve).once("error", reject));
    await expect(refused).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("an ordinary stop with target changes still in flight logs no error and does not restart haproxy", async () => {
    // stop() closes the runtime API connection while the commands of setTargets wait for their
    // replies: that is our own doing, not a broken haproxy to kill and restart.
    for (let round = 0; round < 5; round++) {
      const lines: string[] = [];
      const fwd = haproxyForwarder(await freePort(), { logger: createLogger("debug", (line) => lines.push(line)) });
      await fwd.start();
      void fwd.setTargets([a.endpoint, b.endpoint]);
      await fwd.stop();
      expect(lines.filter((line) => / (ERROR|WARN) /.test(line)), `round ${round}`).toEqual([]);
      expect(lines.some((line) => line.includes("forwarder stopped"))).toBe(true);
    }
  });

  it("runs from a work dir whose path cannot hold its runtime API socket (long, with spaces)", async () => {
    const dir = path.join(tmpDir(), "a dir with spaces", "x".repeat(120));
    const fwd = haproxyForwarder(await freePort(), { dir });
    await fwd.start();
    expect(readdirSync(dir)).toEqual(["haproxy.cfg"]);
    await fwd.setTargets([a.endpoint]);
    expect(await (await through(fwd.port, "odd-dir")).ping()).toBe("PONG");
    await fwd.stop();
    expect(existsSync(dir)).toBe(false);
  });

  it("rejects with EADDRINUSE on a taken port and leaves no process", async () => {
    const server = await holdPort();
    held.push(server);
    const before = engineProcesses().filter((p) => p.cmdline.includes("haproxy")).map((p) => p.pid);
    const fwd = haproxyForwarder(portOf(server));
    await expect(fwd.start()).rejects.toMatchObject({ code: "EADDRINUSE" });
    const after = engineProcesses().filter((p) => p.cmdline.includes("haproxy") && belongsToRun(p.pid, process.pid) && !before.includes(p.pid));
    expect(after).toEqual([]);
  });

  it("through the launcher: a taken preferred port moves on to a free one, and TLS endpoints stay on Node", async () => {
    const server = await holdPort();
    held.push(server);
    const config = resolveConfig({ nodePorts: RANGE });
    const launcher = createNodeLauncher({
      registry: {} as EngineRegistry,
      config,
      logger: silentLogger,
      haproxy: { binary: { path: HAPROXY, version: "2.6" }, workRoot: tmpDir("work-") },
    });
    const fwd: Forwarder = await launcher.startForwarder("moved", portOf(server));
    forwarders.push(fwd);
    expect(fwd.port).not.toBe(portOf(server));
    expect(fwd).toBeInstanceOf(HaproxyForwarder);
    await fwd.setTargets([a.endpoint]);
    expect(await (await through(fwd.port, "moved")).ping()).toBe("PONG");

    const tls = await launcher.startForwarder("tls", undefined, { tls: true });
    forwarders.push(tls);
    expect(tls).not.toBeInstanceOf(HaproxyForwarder);
  });

  it("a dead emulator's haproxy is reaped at the next start", async () => {
    const runDir = tmpDir("run-");
    // The owner recorded in the file is a process that has exited.
    const exited = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    await new Promise((resolve) => exited.on("exit", resolve));
    const dead = exited.pid!;
    const registry = new PidRegistry(runDir, { ownerPid: dead });
    const fwd = haproxyForwarder(await freePort(), { pidRegistry: registry });
    await fwd.start();
    const pid = fwd.pid!;
    const file = JSON.parse(readFileSync(registry.file, "utf8")) as PidFile;
    expect(file.engines.map((e) => [e.pid, e.binary])).toEqual([[pid, HAPROXY]]);
    expect(await reapOrphans(runDir, silentLogger)).toBe(1);
    await eventually(() => processGone(pid));
  });
});

describe.runIf(haveHaproxyAndRedis)("the emulator's --forwarder choice", () => {
  const emulators: Emulator[] = [];
  afterAll(async () => {
    await Promise.all(emulators.map((e) => e.stop()));
  });

  async function groupEndpoints(forwarder: "auto" | "node") {
    const emulator = await startEmulator({ forwarder });
    emulators.push(emulator);
    const client = sdkClient(emulator);
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "fwd", ReplicationGroupDescription: "fwd", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2 }),
    );
    const group = await waitForReplicationGroup(client, "fwd", (g) => g.Status === "available");
    const ng = group.NodeGroups![0]!;
    const health = (await (await fetch(`${emulator.url}/_emulator/health`)).json()) as { forwarder: { driver: string } };
    return { emulator, client, primary: ng.PrimaryEndpoint!.Port!, reader: ng.ReaderEndpoint!.Port!, driver: health.forwarder.driver };
  }

  it("auto serves the endpoints with haproxy processes, which end with the group", async () => {
    const { client, primary, reader, driver } = await groupEndpoints("auto");
    expect(driver).toBe("haproxy");
    expect(haproxyForPort(primary)).toHaveLength(1);
    expect(haproxyForPort(reader)).toHaveLength(1);
    const r = await through(primary, "via-haproxy");
    expect(await r.set("k", "v")).toBe("OK");
    const ro = await through(reader, "via-haproxy-reader");
    await eventually(async () => (await ro.get("k")) === "v");

    const pids = [...haproxyForPort(primary), ...haproxyForPort(reader)];
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "fwd" }));
    await eventually(() => pids.every(processGone), { timeoutMs: 30_000 });
  });

  it("an ordinary stop right after a create logs no error", async () => {
    for (const when of ["creating", "available"] as const) {
      const lines: string[] = [];
      const emulator = await startEmulator({ forwarder: "auto", logger: createLogger("info", (line) => lines.push(line)) });
      try {
        const client = sdkClient(emulator);
        await client.send(
          new CreateReplicationGroupCommand({ ReplicationGroupId: "quick", ReplicationGroupDescription: "stop at once", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2 }),
        );
        if (when === "available") await waitForReplicationGroup(client, "quick", (g) => g.Status === "available");
      } finally {
        await emulator.stop();
      }
      expect(lines.filter((line) => / ERROR /.test(line)), `stopped while ${when}`).toEqual([]);
    }
  });

  it("node keeps every endpoint on the Node forwarder", async () => {
    const { primary, reader, driver } = await groupEndpoints("node");
    expect(driver).toBe("node");
    expect(haproxyForPort(primary)).toEqual([]);
    expect(haproxyForPort(reader)).toEqual([]);
    const r = await through(primary, "via-node");
    expect(await r.set("k", "v")).toBe("OK");
  });
});
