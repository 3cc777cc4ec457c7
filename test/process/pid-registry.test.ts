/** Orphan reaping: engines of a dead emulator are stopped; anything else is never touched. */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import type { EngineNode } from "../../src/engines/engine.js";
import { MemcachedDriver } from "../../src/engines/memcached-driver.js";
import { PidRegistry, defaultRunDir, reapOrphans, type PidFile } from "../../src/process/pid-registry.js";
import { RedisServerDriver } from "../../src/engines/redis-driver.js";
import { MEMCACHED, REDIS_SERVER, haveMemcached, haveRedis, processGone, startNode, tmpDir } from "../helpers/engine-nodes.js";
import { eventually } from "../helpers/wait.js";

/** The pid of a process that has finished: an owner that is certainly dead. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}

function sleeper(): ChildProcess {
  return spawn("sleep", ["30"], { stdio: "ignore" });
}

describe("pid registry", () => {
  const nodes: EngineNode[] = [];
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.stop()));
    for (const c of children.splice(0)) c.kill("SIGKILL");
  });

  it("uses <dataDir>/run, else a run dir under the temp dir", () => {
    expect(defaultRunDir("/data")).toBe("/data/run");
    expect(defaultRunDir()).toMatch(/elasticache-local\/run$/);
  });

  it("writes the file atomically on each change and removes it when empty", async () => {
    const runDir = tmpDir();
    const reg = new PidRegistry(runDir);
    await reg.add({ pid: 111, binary: "/usr/bin/redis-server", port: 42001, nodeName: "c/0001" });
    await reg.add({ pid: 222, binary: "/usr/bin/memcached", port: 42002 });
    const data = JSON.parse(readFileSync(reg.file, "utf8")) as PidFile;
    expect(data.ownerPid).toBe(process.pid);
    expect(data.engines.map((e) => [e.pid, e.port])).toEqual([[111, 42001], [222, 42002]]);
    await reg.remove(111);
    expect((JSON.parse(readFileSync(reg.file, "utf8")) as PidFile).engines.map((e) => e.pid)).toEqual([222]);
    await reg.remove(222);
    await reg.close();
    expect(existsSync(reg.file)).toBe(false);
  });

  it.runIf(haveRedis)("reaps the engines of a dead owner", async () => {
    const runDir = tmpDir();
    const reg = new PidRegistry(runDir, { ownerPid: await deadPid() });
    const d = new RedisServerDriver(REDIS_SERVER, "redis-server", { pidRegistry: reg });
    const node = await startNode((s) => d.start(s), "redis");
    nodes.push(node);
    expect(reg.records().map((r) => r.pid)).toEqual([node.pid]);
    expect(existsSync(reg.file)).toBe(true);

    expect(await reapOrphans(runDir, silentLogger)).toBe(1);
    await eventually(() => processGone(node.pid!));
    expect(existsSync(reg.file)).toBe(false);
  });

  it("never kills a recorded pid that now runs another program", async () => {
    const runDir = tmpDir();
    const other = sleeper();
    children.push(other);
    const reg = new PidRegistry(runDir, { ownerPid: await deadPid() });
    await reg.add({ pid: other.pid!, binary: REDIS_SERVER, port: 42003 });
    expect(await reapOrphans(runDir, silentLogger)).toBe(0);
    expect(processGone(other.pid!)).toBe(false);
    expect(existsSync(reg.file)).toBe(false); // the stale file is cleaned up
  });

  it.runIf(haveMemcached)("leaves the engines of a live owner alone", async () => {
    const runDir = tmpDir();
    const owner = sleeper();
    children.push(owner);
    const reg = new PidRegistry(runDir, { ownerPid: owner.pid! });
    const d = new MemcachedDriver(MEMCACHED, { pidRegistry: reg });
    const node = await startNode((s) => d.start(s), "memcached");
    nodes.push(node);
    expect(await reapOrphans(runDir, silentLogger)).toBe(0);
    expect(await node.health()).toBe("ok");
    expect(existsSync(reg.file)).toBe(true);
  });

  it("reaps nothing in a missing run dir", async () => {
    expect(await reapOrphans("/nonexistent/elasticache-local/run", silentLogger)).toBe(0);
  });
});
