/**
 * Global datastores (cluster mode disabled): a primary group in us-east-1 (primary + one
 * replica) and a secondary group in us-west-2, in one emulator.
 *
 * Row gds-lag: replication lag primary -> secondary's primary, under a steady write load
 * (a pipelined SET stream of ~2000 writes/s on the primary), vs the lag of the primary
 * group's own replica measured in the same run. Each sample is one PUBLISH of the send time
 * on the primary: PUBLISH travels in the replication stream, so a subscriber on a replica
 * sees it when the replica has applied everything before it.
 *
 * Row gds-lag-cme: the same with cluster mode enabled (2 shards), where a relay per shard
 * speaks PSYNC to the primary shard's master and applies the stream to the secondary
 * cluster; measured as SET on the primary -> GET sees it, vs the primary's own replicas.
 *
 * Row gds-failover: FailoverGlobalReplicationGroup -> the promoted group's PrimaryEndpoint
 * accepts a SET (fresh connection every 1 ms), back and forth. Baseline: REPLICAOF NO ONE on
 * a bare replica until it accepts a SET.
 */
import {
  CreateGlobalReplicationGroupCommand,
  CreateReplicationGroupCommand,
  DescribeGlobalReplicationGroupsCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  FailoverGlobalReplicationGroupCommand,
} from "@aws-sdk/client-elasticache";
import { Cluster, Redis } from "ioredis";
import net from "node:net";
import type { RowContext } from "../lib/context.js";
import { startEmulator } from "../lib/emulator.js";
import { spawnBareRedis } from "../lib/engines.js";
import { setOnce, waitRedisPong } from "../lib/probes.js";
import { freePort, sleep, stopTracked, type Tracked } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { redisOnce } from "../lib/resp.js";
import { median, p99, round3 } from "../lib/stats.js";

const PORTS = { emulator: { from: 26000, to: 26099 }, bare: { from: 26100, to: 26149 } };
const GOAL_MS = 2000;
const GID = "ldgnf-bench";

function client(url: string, region: string): ElastiCacheClient {
  return new ElastiCacheClient({ endpoint: url, region, credentials: { accessKeyId: "bench", secretAccessKey: "bench" }, maxAttempts: 1 });
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function group(c: ElastiCacheClient, id: string) {
  return (await c.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0]!;
}

async function globalStatus(c: ElastiCacheClient): Promise<string | undefined> {
  return (await c.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: GID }))).GlobalReplicationGroups![0]!.Status;
}


async function untilWritable(port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await setOnce(port, "bench:gds")) !== "+OK") {
    if (Date.now() > deadline) throw new Error(`port ${port} accepts no write 30 s after the failover`);
    await sleep(1);
  }
}

/** Lag samples (ms) of `subscribers` while `messages` timestamps are published on `publisher` under a write load. */
async function measureLag(publisher: number, subscribers: Record<string, number>, messages: number): Promise<Record<string, number[]>> {
  const channel = "bench:gds:lag";
  const lags: Record<string, number[]> = Object.fromEntries(Object.keys(subscribers).map((k) => [k, []]));
  const subs = Object.entries(subscribers).map(([name, port]) => {
    const s = new Redis(port, "127.0.0.1", { lazyConnect: true });
    s.on("message", (_c: string, sent: string) => lags[name]!.push(performance.now() - Number(sent)));
    return { s, name };
  });
  const pub = new Redis(publisher, "127.0.0.1", { lazyConnect: true });
  const load = new Redis(publisher, "127.0.0.1", { lazyConnect: true });
  try {
    for (const { s } of subs) {
      await s.connect();
      await s.subscribe(channel);
    }
    await pub.connect();
    await load.connect();
    let loading = true;
    const writer = (async () => {
      let i = 0;
      while (loading) {
        const p = load.pipeline();
        for (let k = 0; k < 20; k++) p.set(`bench:gds:load:${i++ % 10_000}`, "x".repeat(100));
        await p.exec();
        await sleep(10);
      }
    })();
    for (let i = 0; i < messages; i++) {
      await pub.publish(channel, String(performance.now()));
      await sleep(2);
    }
    await until(async () => Object.values(lags).every((l) => l.length >= messages), (v) => v, "every lag sample", 30_000);
    loading = false;
    await writer;
    return lags;
  } finally {
    for (const { s } of subs) s.disconnect();
    pub.disconnect();
    load.disconnect();
  }
}

/**
 * Cluster mode enabled: lag samples (ms) from a SET on the primary cluster until a GET sees it
 * on each reader (polled every 0.2 ms), under a steady write load on the primary.
 */
async function measureClusterLag(
  primary: Cluster,
  readers: Record<string, Cluster>,
  samples: number,
): Promise<Record<string, number[]>> {
  const lags: Record<string, number[]> = Object.fromEntries(Object.keys(readers).map((k) => [k, []]));
  let loading = true;
  const writer = (async () => {
    let i = 0;
    while (loading) {
      await Promise.all(Array.from({ length: 20 }, () => primary.set(`bench:gds:load:${i++ % 10_000}`, "x".repeat(100))));
      await sleep(10);
    }
  })();
  try {
    for (let i = 0; i < samples; i++) {
      const key = `bench:gds:lag:${i % 50}`;
      const value = String(i);
      const t0 = performance.now();
      await primary.set(key, value);
      await Promise.all(
        Object.entries(readers).map(async ([name, reader]) => {
          const deadline = Date.now() + 10_000;
          while ((await reader.get(key)) !== value) {
            if (Date.now() > deadline) throw new Error(`${name} never saw ${key}=${value}`);
            await new Promise((r) => setTimeout(r, 0.2));
          }
          lags[name]!.push(performance.now() - t0);
        }),
      );
    }
    return lags;
  } finally {
    loading = false;
    await writer;
  }
}

async function clusterLagRow(url: string, ctx: RowContext): Promise<RowResult> {
  const samples = ctx.quick ? 100 : 500;
  const east = client(url, "us-east-1");
  const west = client(url, "us-west-2");
  const clients: Cluster[] = [];
  const connect = async (c: ElastiCacheClient, id: string, replicas = false) => {
    const g = await group(c, id);
    const cluster = new Cluster([{ host: g.ConfigurationEndpoint!.Address!, port: g.ConfigurationEndpoint!.Port! }], { scaleReads: replicas ? "slave" : "master" });
    clients.push(cluster);
    return cluster;
  };
  try {
    await east.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "bench-cme-east",
        ReplicationGroupDescription: "b",
        Engine: "redis",
        CacheNodeType: "cache.r6g.large",
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 1,
      }),
    );
    await until(() => group(east, "bench-cme-east"), (g) => g.Status === "available", "bench-cme-east");
    await east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: "bench-cme", PrimaryReplicationGroupId: "bench-cme-east" }));
    const gid = "ldgnf-bench-cme";
    const status = async () => (await east.send(new DescribeGlobalReplicationGroupsCommand({ GlobalReplicationGroupId: gid }))).GlobalReplicationGroups![0]!.Status;
    await until(status, (s) => s === "primary-only", "the cluster mode global datastore");
    await west.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "bench-cme-west", ReplicationGroupDescription: "b", GlobalReplicationGroupId: gid, ReplicasPerNodeGroup: 0 }),
    );
    await until(status, (s) => s === "available", "the cluster mode secondary");
    const primary = await connect(east, "bench-cme-east");
    const replicas = await connect(east, "bench-cme-east", true);
    const secondary = await connect(west, "bench-cme-west");
    ctx.log(`global lag, cluster mode: ${samples} samples`);
    const lags = await measureClusterLag(primary, { secondary, replica: replicas }, samples);
    const s = lags.secondary!;
    const r = lags.replica!;
    return row({
      id: "gds-lag-cme",
      name: "global datastore replication lag, primary -> secondary (CME, shard relay)",
      unit: "ms",
      ours: median(s),
      baseline: median(r),
      baselineLabel: "primary -> own replica, same run",
      note:
        `median of ${samples} SET->GET round trips (reader polled every 0.2 ms; includes the SET's own round trip) under ~2000 SET/s, 2 shards; ` +
        `p99 secondary ${p99(s).toFixed(3)} ms vs replica ${p99(r).toFixed(3)} ms`,
      samples: { secondaryP99: round3(p99(s)), replicaP99: round3(p99(r)), secondaryMs: s.map(round3), replicaMs: r.map(round3) },
    });
  } finally {
    for (const c of clients) c.disconnect();
    east.destroy();
    west.destroy();
  }
}

export async function rowGlobalDatastores(ctx: RowContext): Promise<RowResult[]> {
  const messages = ctx.quick ? 300 : 2000;
  const reps = ctx.quick ? 3 : 7;
  const harness = await startEmulator(PORTS.emulator, "process");
  const east = client(harness.url, "us-east-1");
  const west = client(harness.url, "us-west-2");
  const bareProcs: Tracked[] = [];
  try {
    await east.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "bench-east",
        ReplicationGroupDescription: "b",
        Engine: "redis",
        CacheNodeType: "cache.r6g.large",
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
      }),
    );
    await until(() => group(east, "bench-east"), (g) => g.Status === "available", "bench-east");
    await east.send(new CreateGlobalReplicationGroupCommand({ GlobalReplicationGroupIdSuffix: "bench", PrimaryReplicationGroupId: "bench-east" }));
    await until(() => globalStatus(east), (s) => s === "primary-only", "the global datastore");
    await west.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "bench-west", ReplicationGroupDescription: "b", GlobalReplicationGroupId: GID, NumCacheClusters: 1 }));
    await until(() => globalStatus(east), (s) => s === "available", "the secondary");

    const eastGroup = await group(east, "bench-east");
    const westGroup = await group(west, "bench-west");
    const primaryPort = eastGroup.NodeGroups![0]!.PrimaryEndpoint!.Port!;
    const replicaId = eastGroup.NodeGroups![0]!.NodeGroupMembers!.find((m) => m.CurrentRole === "replica")!;
    const replicaPort = replicaId.ReadEndpoint!.Port!;
    const secondaryPort = westGroup.NodeGroups![0]!.NodeGroupMembers![0]!.ReadEndpoint!.Port!;
    ctx.log(`global lag: ${messages} samples`);
    const lags = await measureLag(primaryPort, { secondary: secondaryPort, replica: replicaPort }, messages);

    // Failover back and forth; each time to the group that is secondary now.
    const failoverMs: number[] = [];
    const bareMs: number[] = [];
    const endpoints = { "bench-east": primaryPort, "bench-west": westGroup.NodeGroups![0]!.PrimaryEndpoint!.Port! };
    let next: "bench-west" | "bench-east" = "bench-west";
    for (let i = 0; i <= reps; i++) {
      ctx.log(`global failover: repetition ${i}/${reps}`);
      const region = next === "bench-west" ? "us-west-2" : "us-east-1";
      const t0 = performance.now();
      await east.send(new FailoverGlobalReplicationGroupCommand({ GlobalReplicationGroupId: GID, PrimaryRegion: region, PrimaryReplicationGroupId: next }));
      await untilWritable(endpoints[next]);
      if (i > 0) failoverMs.push(performance.now() - t0);
      await until(() => globalStatus(east), (s) => s === "available", "the failover to settle");
      next = next === "bench-west" ? "bench-east" : "bench-west";

      const primary = await freePort(PORTS.bare);
      const replica = await freePort(PORTS.bare);
      const procs = [spawnBareRedis(primary), spawnBareRedis(replica)];
      bareProcs.push(...procs);
      await Promise.all([waitRedisPong(primary, { intervalMs: 1 }), waitRedisPong(replica, { intervalMs: 1 })]);
      await redisOnce(replica, ["REPLICAOF", "127.0.0.1", primary]);
      await until(() => setOnce(replica, "bench:gds"), (r) => r.startsWith("-READONLY"), "the bare replica");
      const b0 = performance.now();
      await redisOnce(replica, ["REPLICAOF", "NO", "ONE"]);
      await untilWritable(replica);
      if (i > 0) bareMs.push(performance.now() - b0);
      await Promise.all(procs.map((p) => stopTracked(p)));
    }

    const secondary = lags.secondary!;
    const replica = lags.replica!;
    const cme = await clusterLagRow(harness.url, ctx);
    return [
      row({
        id: "gds-lag",
        name: "global datastore replication lag, primary -> secondary (CMD)",
        unit: "ms",
        ours: median(secondary),
        baseline: median(replica),
        baselineLabel: "primary -> own replica, same run",
        note:
          `median of ${messages} PUBLISH samples every 2 ms under ~2000 SET/s; p99 secondary ${p99(secondary).toFixed(3)} ms vs replica ${p99(replica).toFixed(3)} ms; ` +
          "cluster mode enabled: row gds-lag-cme",
        samples: { secondaryP99: round3(p99(secondary)), replicaP99: round3(p99(replica)), secondaryMs: secondary.map(round3), replicaMs: replica.map(round3) },
      }),
      row({
        id: "gds-failover",
        name: "FailoverGlobalReplicationGroup -> new primary accepts writes",
        unit: "ms",
        ours: median(failoverMs),
        baseline: median(bareMs),
        baselineLabel: "bare REPLICAOF NO ONE -> SET",
        goal: { on: "ours", op: "<", value: GOAL_MS },
        note: `median of ${reps} (1 warm-up dropped), back and forth between us-east-1 and us-west-2; SET on a fresh connection every 1 ms through the PrimaryEndpoint; goal: absolute ${GOAL_MS} ms`,
        samples: { oursMs: failoverMs.map(round3), baselineMs: bareMs.map(round3) },
      }),
      cme,
    ];
  } finally {
    await Promise.all(bareProcs.map((p) => stopTracked(p)));
    east.destroy();
    west.destroy();
    await harness.stop();
  }
}
