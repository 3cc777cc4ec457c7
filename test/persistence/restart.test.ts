/**
 * An emulator with a data dir survives restarts: after a kill -9 of the CLI (dist/cli.js)
 * its engines and haproxy endpoints end on their own, and
 * the next start on the same data dir brings back every resource the API acknowledged,
 * on the same endpoints, with the Redis data; transitional work is rolled forward.
 * A clean stop and start of the library API does the same.
 */
import {
  AddTagsToResourceCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DeleteCacheClusterCommand,
  DescribeCacheClustersCommand,
  DescribeEventsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ListTagsForResourceCommand,
  ModifyCacheClusterCommand,
  TestFailoverCommand,
  type CacheCluster,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";
import Redis, { Cluster } from "ioredis";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { mkdtemp, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { findHaproxy } from "../../src/nodes/forwarder-choice.js";
import { childPids, commandLine, ensureBuilt, killAllRuns, killPids, runToExit, startCli, waitUntilAllGone, type CliRun, type StartedCli } from "../helpers/cli.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { engineProcesses } from "../helpers/engine-processes.js";
import { memcachedCommand } from "../helpers/memcached.js";
import { describeCluster, waitForCluster, waitForClusterGone, waitForReplicationGroup } from "../helpers/wait.js";

const ENGINE = /(^|\/)(redis-server|valkey-server|memcached)( |$)/;
/** The haproxy processes serving replication group endpoints (when haproxy is installed). */
const FORWARDER = /(^|\/)haproxy( |$)/;

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);
afterEach(async () => {
  await killAllRuns();
});

function client(url: string): ElastiCacheClient {
  return new ElastiCacheClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 });
}

function startOn(dir: string, ports: { from: number; to: number }, extra: string[] = []): Promise<StartedCli> {
  return startCli(["--port", "0", "--node-ports", `${ports.from}-${ports.to}`, "--data-dir", dir, "--log-level", "info", ...extra]);
}

async function stopCli(run: CliRun): Promise<number | null> {
  run.child.kill("SIGTERM");
  return (await run.exited).code;
}

/** Cleanup: a CLI still running is stopped with SIGTERM (it stops its engines), SIGKILL only if it hangs. */
async function stopIfRunning(run: CliRun | undefined): Promise<void> {
  if (!run || run.child.exitCode !== null || run.child.signalCode !== null) return;
  run.child.kill("SIGTERM");
  const timer = setTimeout(() => run.child.kill("SIGKILL"), 20_000);
  await run.exited;
  clearTimeout(timer);
}

function enginePidsOf(cliPid: number): number[] {
  return childPids(cliPid).filter((pid) => ENGINE.test(commandLine(pid) ?? ""));
}

/** The haproxy endpoint processes of a CLI. */
function forwarderPidsOf(cliPid: number): number[] {
  return childPids(cliPid).filter((pid) => FORWARDER.test(commandLine(pid) ?? ""));
}

async function killLeftoverEngines(pids: number[]): Promise<void> {
  await killPids(pids.filter((pid) => ENGINE.test(commandLine(pid) ?? "") || FORWARDER.test(commandLine(pid) ?? "")));
}

const endpointsOf = (c: CacheCluster) => ({ config: c.ConfigurationEndpoint, nodes: c.CacheNodes!.map((n) => ({ id: n.CacheNodeId, endpoint: n.Endpoint })) });
const groupEndpoints = (g: ReplicationGroup) => ({
  config: g.ConfigurationEndpoint,
  nodeGroups: g.NodeGroups!.map((ng) => ({
    id: ng.NodeGroupId,
    slots: ng.Slots,
    primary: ng.PrimaryEndpoint,
    reader: ng.ReaderEndpoint,
    members: ng.NodeGroupMembers!.map((m) => [m.CacheClusterId, m.CurrentRole, m.ReadEndpoint]).sort(),
  })),
});

function redis(port: number): Redis {
  const r = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 3, retryStrategy: (n) => (n > 50 ? null : 50) });
  r.on("error", () => undefined);
  return r;
}

/**
 * TestFailover until the given member's engine is the shard primary: a planned failover is
 * refused (and the group returns to available) while the replica still sees its primary as
 * failing, which a freshly created cluster on a busy machine may.
 */
async function failOverTo(sdk: ElastiCacheClient, group: string, nodeGroup: string, member: string): Promise<void> {
  const node = redis((await describeCluster(sdk, member)).CacheNodes![0]!.Endpoint!.Port!);
  try {
    for (let attempt = 1; ; attempt++) {
      await sdk.send(new TestFailoverCommand({ ReplicationGroupId: group, NodeGroupId: nodeGroup }));
      await waitForReplicationGroup(sdk, group, (g) => g.Status === "available");
      if (((await node.role()) as unknown[])[0] === "master") return;
      if (attempt === 5) throw new Error(`${member} is not the primary after ${attempt} TestFailover calls`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    node.disconnect();
  }
}

async function createEverything(sdk: ElastiCacheClient): Promise<void> {
  await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "keep-redis", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
  await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "keep-mc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
  await sdk.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: "keep-rg",
      ReplicationGroupDescription: "replicated",
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
    }),
  );
  await sdk.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: "keep-cm",
      ReplicationGroupDescription: "sharded",
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumNodeGroups: 2,
      ReplicasPerNodeGroup: 1,
    }),
  );
  await waitForCluster(sdk, "keep-redis", "available");
  await waitForCluster(sdk, "keep-mc", "available");
  await waitForReplicationGroup(sdk, "keep-rg", (g) => g.Status === "available");
  await waitForReplicationGroup(sdk, "keep-cm", (g) => g.Status === "available", 120_000);
}

describe("kill -9 of the emulator with a data dir", () => {
  it("its engines and endpoints end on their own; the next start restores every resource on the same endpoints, with the Redis data", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-persist-"));
    const ports = nodePortRange();
    let first: StartedCli | undefined;
    let second: StartedCli | undefined;
    let engines: number[] = [];
    const clients: Array<Redis | Cluster> = [];
    try {
      first = await startOn(dir, ports);
      const sdk = client(first.url);
      await createEverything(sdk);
      // A failover before the kill: the primary it chose stays primary after the restart.
      await sdk.send(new TestFailoverCommand({ ReplicationGroupId: "keep-rg", NodeGroupId: "0001" }));
      await waitForReplicationGroup(sdk, "keep-rg", (g) => g.Status === "available" && g.NodeGroups![0]!.NodeGroupMembers!.some((m) => m.CacheClusterId === "keep-rg-002" && m.CurrentRole === "primary"));
      await failOverTo(sdk, "keep-cm", "0002", "keep-cm-0002-002");
      const arn = (await describeCluster(sdk, "keep-redis")).ARN!;
      await sdk.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "team", Value: "cache" }] }));

      const before = {
        redis: endpointsOf(await describeCluster(sdk, "keep-redis")),
        mc: endpointsOf(await describeCluster(sdk, "keep-mc")),
        rg: groupEndpoints((await sdk.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: "keep-rg" }))).ReplicationGroups![0]),
        cm: groupEndpoints((await sdk.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: "keep-cm" }))).ReplicationGroups![0]),
      };
      const eventsBefore = (await sdk.send(new DescribeEventsCommand({ Duration: 60 }))).Events!.length;

      // Data: a key on the single node, keys through the primary endpoint, keys over the cluster.
      const single = redis(before.redis.nodes[0]!.endpoint!.Port!);
      const primary = redis(before.rg.nodeGroups[0]!.primary!.Port!);
      const cluster = new Cluster([{ host: "127.0.0.1", port: before.cm.config!.Port! }], { redisOptions: { maxRetriesPerRequest: 3 } });
      cluster.on("error", () => undefined);
      clients.push(single, primary, cluster);
      await single.set("single-key", "kept");
      for (let i = 0; i < 50; i++) await primary.set(`rg-${i}`, String(i));
      for (let i = 0; i < 50; i++) await cluster.set(`cm-${i}`, String(i));
      await memcachedCommand(before.mc.nodes[0]!.endpoint!.Port!, "set mc-key 0 0 4\r\ngone\r\n");
      for (const c of clients) c.disconnect();
      clients.length = 0;

      engines = enginePidsOf(first.pid);
      expect(engines.length).toBe(1 + 2 + 2 + 4);
      const forwarders = forwarderPidsOf(first.pid);
      // With haproxy installed, the group endpoints are haproxy processes: they must end too.
      if (await findHaproxy()) expect(forwarders.length).toBeGreaterThan(0);
      engines.push(...forwarders);
      first.child.kill("SIGKILL");
      await first.exited;
      // Nobody stopped them, yet every engine and haproxy ends: the kernel sends each one SIGTERM
      // when the emulator dies (Redis writes its AOF out on SIGTERM).
      expect(await waitUntilAllGone(engines, 5_000), "processes of the killed emulator still running").toEqual([]);

      second = await startOn(dir, ports);
      const sdk2 = client(second.url);
      // The records are there at once, in a transitional status until their engines answer.
      const ids = (await sdk2.send(new DescribeCacheClustersCommand({}))).CacheClusters!.map((c) => c.CacheClusterId).sort();
      expect(ids).toEqual(["keep-cm-0001-001", "keep-cm-0001-002", "keep-cm-0002-001", "keep-cm-0002-002", "keep-mc", "keep-redis", "keep-rg-001", "keep-rg-002"]);

      await waitForCluster(sdk2, "keep-redis", "available");
      await waitForCluster(sdk2, "keep-mc", "available");
      const rg = await waitForReplicationGroup(sdk2, "keep-rg", (g) => g.Status === "available");
      const cm = await waitForReplicationGroup(sdk2, "keep-cm", (g) => g.Status === "available", 120_000);
      // Nothing was left for the second start to reap: the nodes came back from their files.
      expect(second.stderr()).not.toContain("left by an emulator");

      expect(endpointsOf(await describeCluster(sdk2, "keep-redis"))).toEqual(before.redis);
      expect(endpointsOf(await describeCluster(sdk2, "keep-mc"))).toEqual(before.mc);
      expect(groupEndpoints(rg)).toEqual(before.rg);
      expect(groupEndpoints(cm)).toEqual(before.cm);
      expect((await sdk2.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([{ Key: "team", Value: "cache" }]);
      expect((await sdk2.send(new DescribeEventsCommand({ Duration: 60 }))).Events!.length).toBeGreaterThan(eventsBefore);

      const single2 = redis(before.redis.nodes[0]!.endpoint!.Port!);
      const primary2 = redis(before.rg.nodeGroups[0]!.primary!.Port!);
      const reader2 = redis(before.rg.nodeGroups[0]!.reader!.Port!);
      const cluster2 = new Cluster([{ host: "127.0.0.1", port: before.cm.config!.Port! }], { redisOptions: { maxRetriesPerRequest: 3 } });
      cluster2.on("error", () => undefined);
      clients.push(single2, primary2, reader2, cluster2);
      expect(await single2.get("single-key")).toBe("kept");
      for (let i = 0; i < 50; i++) expect(await primary2.get(`rg-${i}`)).toBe(String(i));
      // The replica resynchronised from the primary that stayed primary.
      expect(await reader2.get("rg-49")).toBe("49");
      expect(await primary2.set("after-restart", "ok")).toBe("OK");
      for (let i = 0; i < 50; i++) expect(await cluster2.get(`cm-${i}`)).toBe(String(i));
      // The shard primary chosen by the failover is still the primary.
      const roleOf = async (id: string) => {
        const node = redis((await describeCluster(sdk2, id)).CacheNodes![0]!.Endpoint!.Port!);
        clients.push(node);
        return ((await node.role()) as unknown[])[0];
      };
      expect(await roleOf("keep-cm-0002-002")).toBe("master");
      expect(await roleOf("keep-cm-0002-001")).toBe("slave");
      // Memcached keeps nothing across a restart (as on AWS), but serves again.
      expect(await memcachedCommand(before.mc.nodes[0]!.endpoint!.Port!, "get mc-key\r\n")).toBe("END\r\n");
      expect(await memcachedCommand(before.mc.config!.Port!, "config get cluster\r\n")).toContain(`|${before.mc.nodes[1]!.endpoint!.Port}`);
      for (const c of clients) c.disconnect();
      clients.length = 0;

      expect(await stopCli(second)).toBe(0);
    } finally {
      for (const c of clients) c.disconnect();
      await stopIfRunning(first);
      await stopIfRunning(second);
      await killLeftoverEngines(engines);
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it("rolls work cut short forward: creating and modifying end available (groups too), deleting ends deleted", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-persist-"));
    const ports = nodePortRange();
    const runs: StartedCli[] = [];
    let engines: number[] = [];
    try {
      const first = await startOn(dir, ports);
      runs.push(first);
      await client(first.url).send(new CreateCacheClusterCommand({ CacheClusterId: "to-delete", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
      await client(first.url).send(new CreateCacheClusterCommand({ CacheClusterId: "to-grow", Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
      await waitForCluster(client(first.url), "to-delete", "available");
      await waitForCluster(client(first.url), "to-grow", "available");
      engines.push(...enginePidsOf(first.pid), ...forwarderPidsOf(first.pid));
      first.child.kill("SIGKILL");
      await first.exited;

      // Long delays keep both changes in flight when the emulator dies.
      const second = await startOn(dir, ports, ["--create-delay-ms", "600000", "--delete-delay-ms", "600000", "--modify-delay-ms", "600000"]);
      runs.push(second);
      const sdk2 = client(second.url);
      await waitForCluster(sdk2, "to-delete", "available");
      await waitForCluster(sdk2, "to-grow", "available");
      await sdk2.send(new DeleteCacheClusterCommand({ CacheClusterId: "to-delete" }));
      await sdk2.send(new ModifyCacheClusterCommand({ CacheClusterId: "to-grow", NumCacheNodes: 3, ApplyImmediately: true }));
      await sdk2.send(new CreateCacheClusterCommand({ CacheClusterId: "half-made", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
      for (const [id, shards] of [["half-rg", undefined], ["half-cm", 2]] as const) {
        await sdk2.send(
          new CreateReplicationGroupCommand({
            ReplicationGroupId: id,
            ReplicationGroupDescription: "cut short",
            Engine: "redis",
            CacheNodeType: "cache.t3.micro",
            ...(shards ? { NumNodeGroups: shards, ReplicasPerNodeGroup: 1 } : { NumCacheClusters: 2 }),
          }),
        );
      }
      expect((await describeCluster(sdk2, "to-delete")).CacheClusterStatus).toBe("deleting");
      expect((await describeCluster(sdk2, "half-made")).CacheClusterStatus).toBe("creating");
      expect((await describeCluster(sdk2, "to-grow")).CacheClusterStatus).toBe("modifying");
      engines.push(...enginePidsOf(second.pid), ...forwarderPidsOf(second.pid));
      second.child.kill("SIGKILL");
      await second.exited;

      const third = await startOn(dir, ports);
      runs.push(third);
      const sdk3 = client(third.url);
      await waitForClusterGone(sdk3, "to-delete");
      const made = await waitForCluster(sdk3, "half-made", "available");
      expect(made.CacheNodes!.map((n) => n.CacheNodeStatus)).toEqual(["available", "available"]);
      expect(await memcachedCommand(made.CacheNodes![1]!.Endpoint!.Port!, "version\r\n")).toMatch(/^VERSION /);
      expect(existsSync(join(dir, "nodes", "000000000000", "us-east-1", "to-delete"))).toBe(false);
      const grown = await waitForCluster(sdk3, "to-grow", "available");
      expect(grown.CacheNodes!.map((n) => [n.CacheNodeId, n.CacheNodeStatus])).toEqual([
        ["0001", "available"],
        ["0002", "available"],
        ["0003", "available"],
      ]);
      for (const n of grown.CacheNodes!) expect(await memcachedCommand(n.Endpoint!.Port!, "version\r\n")).toMatch(/^VERSION /);
      // The groups are created again from empty nodes and serve.
      const rg = await waitForReplicationGroup(sdk3, "half-rg", (g) => g.Status === "available");
      const cm = await waitForReplicationGroup(sdk3, "half-cm", (g) => g.Status === "available", 120_000);
      const primary = redis(rg.NodeGroups![0]!.PrimaryEndpoint!.Port!);
      const reader = redis(rg.NodeGroups![0]!.ReaderEndpoint!.Port!);
      const cluster = new Cluster([{ host: "127.0.0.1", port: cm.ConfigurationEndpoint!.Port! }], { redisOptions: { maxRetriesPerRequest: 3 } });
      cluster.on("error", () => undefined);
      try {
        await primary.set("k", "v");
        await primary.wait(1, 5000);
        expect(await reader.get("k")).toBe("v");
        for (let i = 0; i < 20; i++) await cluster.set(`k${i}`, String(i));
        expect(await cluster.get("k19")).toBe("19");
        expect(cm.NodeGroups!.map((ng) => ng.Slots).sort()).toEqual(["0-8191", "8192-16383"]);
      } finally {
        primary.disconnect();
        reader.disconnect();
        cluster.disconnect();
      }
      expect(await stopCli(third)).toBe(0);
    } finally {
      for (const run of runs) await stopIfRunning(run);
      await killLeftoverEngines(engines);
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("a node port taken while the emulator was down", () => {
  it("the node comes back on another port of the range and its Redis Cluster re-forms around it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-persist-"));
    const ports = nodePortRange();
    let first: StartedCli | undefined;
    let second: StartedCli | undefined;
    let engines: number[] = [];
    const squatter = createServer();
    let cluster: Cluster | undefined;
    try {
      first = await startOn(dir, ports);
      const sdk = client(first.url);
      await sdk.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: "moved",
          ReplicationGroupDescription: "sharded",
          Engine: "redis",
          CacheNodeType: "cache.t3.micro",
          NumNodeGroups: 2,
          ReplicasPerNodeGroup: 1,
        }),
      );
      const before = await waitForReplicationGroup(sdk, "moved", (g) => g.Status === "available", 120_000);
      const config = before.ConfigurationEndpoint!.Port!;
      cluster = new Cluster([{ host: "127.0.0.1", port: config }], { redisOptions: { maxRetriesPerRequest: 3 } });
      cluster.on("error", () => undefined);
      for (let i = 0; i < 50; i++) await cluster.set(`m-${i}`, String(i));
      cluster.disconnect();
      const replicaPort = (await describeCluster(sdk, "moved-0001-002")).CacheNodes![0]!.Endpoint!.Port!;
      engines = [...enginePidsOf(first.pid), ...forwarderPidsOf(first.pid)];
      first.child.kill("SIGKILL");
      await first.exited;
      // The replica's engine dies too, and another program takes its port.
      const replicaPid = engines.find((pid) => (commandLine(pid) ?? "").includes(`:${replicaPort}`))!;
      await killPids([replicaPid]);
      await new Promise<void>((resolve, reject) => {
        squatter.once("error", reject);
        squatter.listen(replicaPort, "127.0.0.1", resolve);
      });

      second = await startOn(dir, ports);
      const sdk2 = client(second.url);
      const after = await waitForReplicationGroup(sdk2, "moved", (g) => g.Status === "available", 120_000);
      expect(after.ConfigurationEndpoint).toEqual(before.ConfigurationEndpoint);
      const moved = (await describeCluster(sdk2, "moved-0001-002")).CacheNodes![0]!.Endpoint!.Port!;
      expect(moved).not.toBe(replicaPort);
      expect(moved).toBeGreaterThanOrEqual(ports.from);
      expect(moved).toBeLessThanOrEqual(ports.to);
      // The moved node serves its shard as a replica, and the cluster has every key.
      const node = redis(moved);
      expect(((await node.role()) as unknown[])[0]).toBe("slave");
      node.disconnect();
      cluster = new Cluster([{ host: "127.0.0.1", port: config }], { redisOptions: { maxRetriesPerRequest: 3 } });
      cluster.on("error", () => undefined);
      for (let i = 0; i < 50; i++) expect(await cluster.get(`m-${i}`)).toBe(String(i));
      expect(await stopCli(second)).toBe(0);
    } finally {
      cluster?.disconnect();
      squatter.close();
      await stopIfRunning(first);
      await stopIfRunning(second);
      await killLeftoverEngines(engines);
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe("one running emulator per data dir", () => {
  it("a second CLI on a data dir in use exits 1 saying so; a lock whose pid is now another process is taken over", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-persist-"));
    const ports = nodePortRange();
    let owner: StartedCli | undefined;
    try {
      owner = await startOn(dir, ports);
      const refused = await runToExit(["--port", "0", "--node-ports", `${ports.from}-${ports.to}`, "--data-dir", dir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr()).toContain(`is in use by the emulator with pid ${owner.pid}`);
      expect(await stopCli(owner)).toBe(0);
      // A lock left by a killed emulator whose pid now belongs to another process (this one).
      await writeFile(join(dir, "emulator.lock"), `${process.pid} 1\n`);
      owner = await startOn(dir, ports);
      expect(await stopCli(owner)).toBe(0);
    } finally {
      await stopIfRunning(owner);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the library API with a data dir", () => {
  it("stop() keeps the state and the data; a new emulator on the same dir brings them back", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-persist-"));
    const nodePorts = nodePortRange();
    try {
      const first = await startEmulator({ dataDir: dir, nodePorts });
      let port: number;
      try {
        const sdk = sdkClient(first);
        await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "lib-redis", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
        // The answer came after the state file was written.
        const saved = await readFile(join(dir, "state.json"), "utf8");
        expect(saved).toContain('"lib-redis"');
        port = (await waitForCluster(sdk, "lib-redis", "available")).CacheNodes![0]!.Endpoint!.Port!;
        const r = redis(port);
        await r.set("lib-key", "kept");
        r.disconnect();
      } finally {
        await first.stop();
      }

      const second = await startEmulator({ dataDir: dir, nodePorts });
      try {
        // One running emulator per data dir.
        await expect(startEmulator({ dataDir: dir, nodePorts })).rejects.toThrow(/the data dir .* is in use/);
        const sdk = sdkClient(second);
        await second.restored;
        const back = await waitForCluster(sdk, "lib-redis", "available");
        expect(back.CacheNodes![0]!.Endpoint!.Port).toBe(port);
        const r = redis(port);
        expect(await r.get("lib-key")).toBe("kept");
        r.disconnect();
        // A reset forgets everything, on disk too.
        await fetch(`${second.url}/_emulator/reset`, { method: "POST" });
        expect((await sdk.send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
        expect(await readFile(join(dir, "state.json"), "utf8")).not.toContain("lib-redis");
        expect(existsSync(join(dir, "nodes"))).toBe(false);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("without a data dir, keeps nothing: the work dirs are removed at stop and a restart starts empty", async () => {
    const first = await startEmulator();
    let workDir: string | undefined;
    try {
      const sdk = sdkClient(first);
      await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "ephemeral", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
      const port = (await waitForCluster(sdk, "ephemeral", "available")).CacheNodes![0]!.Endpoint!.Port!;
      // The node works in a directory of a temporary root.
      const engine = engineProcesses().find((p) => p.cmdline.includes(`redis-server 127.0.0.1:${port}`))!;
      workDir = await readlink(`/proc/${engine.pid}/cwd`);
      expect(workDir.startsWith(tmpdir())).toBe(true);
    } finally {
      await first.stop();
    }
    expect(existsSync(workDir!)).toBe(false);
    const second = await startEmulator();
    try {
      expect((await sdkClient(second).send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});
