/**
 * The warm pair (--serverless-warm-pair, on by default): after a Valkey/Redis serverless cache
 * is created, a formed pair of engines of its version waits for the next create, which
 * adopts it. The adopting cache is the same as one started for it (its users, refusals, data
 * limit, cluster view, data kept over a restart with a data dir); the pair is closed to
 * clients while it waits; a pair of another engine or one that broke is not adopted;
 * /_emulator/reset keeps it, stop ends it; `off` forms none.
 */
import {
  CreateServerlessCacheCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteServerlessCacheCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { readlinkSync } from "node:fs";
import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { engineProcesses, listeningPorts } from "../helpers/engine-processes.js";
import { fetchCa } from "../helpers/tls.js";
import { Connections, waitForUserGroup } from "../helpers/users.js";
import { eventually } from "../helpers/wait.js";
import { describeServerlessCache } from "./helpers.js";

const running: Emulator[] = [];
const dirs: string[] = [];
const connections = new Connections();
afterEach(() => connections.closeAll());
afterAll(async () => {
  for (const e of running) await e.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function warmPairState(emulator: Emulator): Promise<string> {
  const health = (await (await fetch(`${emulator.url}/_emulator/health`)).json()) as { serverlessWarmPair: string };
  return health.serverlessWarmPair;
}

/** Where a process runs (its working directory), or undefined once it is gone. */
function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * The warm pair's engine processes of the emulator whose data dir is `root` (by their working
 * directory, under `<data dir>/warm` until a cache adopts them): their pids and the TLS port
 * each listens on for clients (the lowest it listens on besides its plaintext port, the one
 * in its title `redis-server *:PORT`; its cluster bus port is the TLS port + 10000).
 */
function warmEngines(root: string): Array<{ pid: number; tlsPort: number }> {
  return engineProcesses()
    .filter((p) => cwdOf(p.pid)?.startsWith(join(root, "warm")))
    .map((p) => {
      const plain = Number(/:(\d+)/.exec(p.cmdline)?.[1]);
      return { pid: p.pid, tlsPort: listeningPorts(p.pid).filter((port) => port !== plain)[0]! };
    })
    .sort((a, b) => a.tlsPort - b.tlsPort);
}

/** The pids of the engines working in `dir` (a cache's engines: `<dir>/primary`, `<dir>/replica`). */
function enginesIn(dir: string): number[] {
  return engineProcesses()
    .filter((p) => cwdOf(p.pid)?.startsWith(dir + "/"))
    .map((p) => p.pid)
    .sort((a, b) => a - b);
}

async function readyPair(emulator: Emulator, root: string): Promise<Array<{ pid: number; tlsPort: number }>> {
  await eventually(async () => (await warmPairState(emulator)) === "ready", { timeoutMs: 30_000 });
  const pair = warmEngines(root);
  expect(pair).toHaveLength(2);
  return pair;
}

async function started(dataDir: string): Promise<{ emulator: Emulator; sdk: ElastiCacheClient; ca: string }> {
  const emulator = await startEmulator({ dataDir, nodePorts: nodePortRange() });
  running.push(emulator);
  return { emulator, sdk: sdkClient(emulator), ca: await fetchCa(emulator) };
}

async function newDataDir(): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), "serverless-warm-")));
  dirs.push(dir);
  return dir;
}

it("a create adopts the warm pair: the cache's users, refusals and cluster view, its data kept over a restart", async () => {
  const dataDir = await newDataDir();
  const { emulator, sdk, ca } = await started(dataDir);
  expect(await warmPairState(emulator)).toBe("none");
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "first", Engine: "valkey" }));
  await describeServerlessCache(sdk, "first", (c) => c.Status === "available");
  const pair = await readyPair(emulator, dataDir);

  // While it waits, the pair lets no client in.
  const idle = await connections.connect({ Address: "127.0.0.1", Port: pair[0]!.tlsPort }, { tls: { ca } });
  await expect(idle.get("k")).rejects.toThrow(/NOAUTH|NOPERM/);

  const app = { username: "app", password: "app-password-0123456789" };
  await sdk.send(new CreateUserCommand({ UserId: "app-user", UserName: "app", Engine: "valkey", AccessString: "on ~* +@all", Passwords: [app.password] }));
  // A Valkey group without a `default` user: connections that do not authenticate get nothing.
  await sdk.send(new CreateUserGroupCommand({ UserGroupId: "apps", Engine: "valkey", UserIds: ["app-user"] }));
  await waitForUserGroup(sdk, "apps");
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "second", Engine: "valkey", UserGroupId: "apps" }));
  const second = await describeServerlessCache(sdk, "second", (c) => c.Status === "available");
  // The pair's engines are the cache's: its Endpoint and ReaderEndpoint are their ports.
  expect([second.Endpoint!.Port, second.ReaderEndpoint!.Port]).toEqual(pair.map((p) => p.tlsPort));
  // ... and they now work in the cache's own directory, where a restart finds their files.
  expect(enginesIn(join(dataDir, "nodes", "000000000000", "us-east-1", "_serverless", "second"))).toEqual(pair.map((p) => p.pid).sort((a, b) => a - b));

  const anonymous = await connections.connect(second.Endpoint!, { tls: { ca } });
  await expect(anonymous.get("k")).rejects.toThrow(/NOAUTH|NOPERM/);
  const cluster = new Redis.Cluster([{ host: "127.0.0.1", port: second.Endpoint!.Port! }], { redisOptions: { tls: { ca }, ...app } });
  try {
    for (let i = 0; i < 50; i++) await cluster.set(`key:${i}`, String(i));
    await expect(cluster.call("KEYS", "*")).rejects.toThrow(/NOPERM|unknown command|not allowed/i);
    const slots = (await cluster.call("CLUSTER", "SLOTS")) as Array<[number, number, [string, number], [string, number]]>;
    expect(slots).toHaveLength(1);
    expect([slots[0]![0], slots[0]![1], slots[0]![2][1], slots[0]![3][1]]).toEqual([0, 16383, second.Endpoint!.Port, second.ReaderEndpoint!.Port]);
  } finally {
    cluster.disconnect();
  }
  // The next pair forms for the create after.
  const next = await readyPair(emulator, dataDir);
  expect(next.map((p) => p.pid)).not.toContain(pair[0]!.pid);

  await emulator.stop();
  running.pop();
  // Stopping ends the warm pair with the caches' engines.
  expect(warmEngines(dataDir)).toEqual([]);

  const again = await started(dataDir);
  await again.emulator.restored;
  const back = await describeServerlessCache(again.sdk, "second", (c) => c.Status === "available");
  expect(back.Endpoint!.Port).toBe(second.Endpoint!.Port);
  const reopened = new Redis.Cluster([{ host: "127.0.0.1", port: back.Endpoint!.Port! }], { redisOptions: { tls: { ca: again.ca }, ...app } });
  try {
    expect(await reopened.get("key:49")).toBe("49");
    expect(await reopened.dbsize()).toBe(50);
  } finally {
    reopened.disconnect();
  }
  // A restart forms no pair until the next create.
  expect(await warmPairState(again.emulator)).toBe("none");
});

it("a pair of another engine is not adopted, one that broke is ended, reset keeps the pair and off forms none", async () => {
  const dataDir = await newDataDir();
  const { emulator, sdk, ca } = await started(dataDir);
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "valkey-one", Engine: "valkey" }));
  await describeServerlessCache(sdk, "valkey-one", (c) => c.Status === "available");
  const valkeyPair = await readyPair(emulator, dataDir);

  // A Redis OSS cache starts engines of its own; the pair then waits for the next Redis OSS create.
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "redis-one", Engine: "redis" }));
  const redisOne = await describeServerlessCache(sdk, "redis-one", (c) => c.Status === "available");
  expect(valkeyPair.map((p) => p.tlsPort)).not.toContain(redisOne.Endpoint!.Port);
  const redisPair = await readyPair(emulator, dataDir);
  expect(redisPair.map((p) => p.pid)).not.toContain(valkeyPair[0]!.pid);
  await eventually(() => !engineProcesses().some((p) => p.pid === valkeyPair[0]!.pid));

  // /_emulator/reset removes the caches; the pair, no account's, stays and the next create adopts it.
  expect((await fetch(`${emulator.url}/_emulator/reset`, { method: "POST" })).status).toBe(200);
  expect(await warmPairState(emulator)).toBe("ready");
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "after-reset", Engine: "redis" }));
  const afterReset = await describeServerlessCache(sdk, "after-reset", (c) => c.Status === "available");
  expect(afterReset.Endpoint!.Port).toBe(redisPair[0]!.tlsPort);
  const client = await connections.connect(afterReset.Endpoint!, { tls: { ca } });
  expect(await client.set("k", "v")).toBe("OK");

  // A pair whose engine dies is ended; the next create starts engines of its own.
  const broken = await readyPair(emulator, dataDir);
  process.kill(broken[1]!.pid, "SIGKILL");
  await eventually(async () => (await warmPairState(emulator)) === "none");
  await eventually(() => warmEngines(dataDir).length === 0);
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "after-break", Engine: "redis" }));
  const afterBreak = await describeServerlessCache(sdk, "after-break", (c) => c.Status === "available");
  const other = await connections.connect(afterBreak.Endpoint!, { tls: { ca } });
  expect(await other.set("k", "v")).toBe("OK");
  await sdk.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: "after-break" }));

  // Off: every create starts its own engines and no pair forms.
  const offDir = await newDataDir();
  const off = await startEmulator({ dataDir: offDir, nodePorts: nodePortRange(), serverlessWarmPair: false });
  running.push(off);
  expect(await warmPairState(off)).toBe("off");
  const offSdk = sdkClient(off);
  await offSdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "solo", Engine: "valkey" }));
  await describeServerlessCache(offSdk, "solo", (c) => c.Status === "available");
  expect(await warmPairState(off)).toBe("off");
  expect(warmEngines(offDir)).toEqual([]);
});
