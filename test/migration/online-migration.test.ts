/**
 * Online migration from a redis-server the test starts itself (the "customer" endpoint):
 * StartMigration makes the group's primary its replica (`migrating`, data flows in, writes
 * refused, replicas chained), TestMigration reports success or failure as events,
 * CompleteMigration leaves the group writable with the data, and AWS's preconditions and
 * errors. The primary's engine dying while migrating, and an emulator restart with a data
 * dir, keep it migrating from the source.
 */
import {
  CompleteMigrationCommand,
  CreateReplicationGroupCommand,
  DescribeEventsCommand,
  RebootCacheClusterCommand,
  StartMigrationCommand,
  TestFailoverCommand,
  TestMigrationCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import net from "node:net";
import { join } from "node:path";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { cloudwatchClient } from "../cloudwatch/helpers.js";
import { REDIS_SERVER } from "../helpers/binaries.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { RedisClients } from "../helpers/redis-clients.js";
import { describeReplicationGroup, eventually, waitFor, waitForReplicationGroup } from "../helpers/wait.js";

const base = Number(process.env.TEST_NODE_PORT_BASE ?? 10000);
// The emulator gets one slice of the test range; the sources listen outside it.
const nodePorts = nodePortRange();
const sourcePort = (k: number) => (nodePorts.from === base ? nodePorts.to + 1 + k : base + k);

const sources: ChildProcess[] = [];
const dirs: string[] = [];
const redisClients = new RedisClients();
const connect = (endpoint: { Address?: string; Port?: number }) => redisClients.connect(endpoint);

/** A redis-server of the user's, on `port`; resolves once it answers PING. */
async function startSource(port: number, extra: string[] = []): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "migration-source-"));
  dirs.push(dir);
  const proc = spawn(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir", dir, ...extra], {
    stdio: "ignore",
  });
  sources.push(proc);
  // Up once it answers PING (+PONG, or -NOAUTH for the one with a password).
  await eventually(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.on("error", () => resolve(false));
        socket.once("data", (chunk) => {
          socket.destroy();
          resolve(/^(\+PONG|-NOAUTH)/.test(chunk.toString()));
        });
        socket.write("PING\r\n");
      }),
    { timeoutMs: 15_000 },
  );
}

let emulator: Emulator;
let client: ElastiCacheClient;
let source: Redis;
const SOURCE = { Address: "127.0.0.1", Port: sourcePort(0) };

async function groupEvents(id: string): Promise<string[]> {
  const out = await client.send(new DescribeEventsCommand({ SourceType: "replication-group", SourceIdentifier: id, Duration: 60 }));
  return out.Events!.map((e) => e.Message!);
}

function waitForEvent(id: string, match: RegExp): Promise<string[]> {
  return waitFor(() => groupEvents(id), (events) => events.some((m) => match.test(m)), { what: `an event ${match} on ${id}` });
}

beforeAll(async () => {
  await startSource(sourcePort(0));
  await startSource(sourcePort(1), ["--requirepass", "s3cret"]);
  await startSource(sourcePort(3), ["--databases", "32"]);
  await startSource(sourcePort(4));
  const big = new Redis(sourcePort(4), "127.0.0.1");
  await big.set("big", "x".repeat(8 * 1024 * 1024)); // more than the node's memory below
  big.disconnect();
  source = new Redis(sourcePort(0), "127.0.0.1");
  for (let i = 0; i < 500; i++) await source.set(`user:${i}`, `v${i}`);
  // cache.t3.micro's 0.5 GiB scaled to about 5 MB: a source with 8 MB of data does not fit.
  emulator = await startEmulator({ nodePorts, metricsIntervalMs: 200, nodeMemoryScale: 0.01 });
  client = sdkClient(emulator);
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: "target",
      ReplicationGroupDescription: "migration target",
      CacheNodeType: "cache.t3.micro",
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
    }),
  );
  await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "single", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro" }));
  await client.send(
    new CreateReplicationGroupCommand({ ReplicationGroupId: "at-rest", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", AtRestEncryptionEnabled: true }),
  );
  await client.send(
    new CreateReplicationGroupCommand({ ReplicationGroupId: "sharded", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", ClusterMode: "enabled", NumNodeGroups: 1, ReplicasPerNodeGroup: 0 }),
  );
  await client.send(
    new CreateReplicationGroupCommand({ ReplicationGroupId: "tls", ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", TransitEncryptionEnabled: true }),
  );
  for (const id of ["target", "single", "at-rest", "sharded", "tls"]) await waitForReplicationGroup(client, id, (g) => g.Status === "available", 60_000);
}, 120_000);

afterAll(async () => {
  redisClients.disconnectAll();
  source?.disconnect();
  await emulator?.stop();
  for (const proc of sources) if (proc.exitCode === null) proc.kill("SIGKILL"); // the sources this test started
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("preconditions and errors", () => {
  it("refuses a missing group, a group not under migration, and bad endpoint lists", async () => {
    await expectAwsError(client.send(new StartMigrationCommand({ ReplicationGroupId: "nope", CustomerNodeEndpointList: [SOURCE] })), "ReplicationGroupNotFoundFault", 404);
    await expectAwsError(client.send(new TestMigrationCommand({ ReplicationGroupId: "nope", CustomerNodeEndpointList: [SOURCE] })), "ReplicationGroupNotFoundFault", 404);
    await expectAwsError(client.send(new CompleteMigrationCommand({ ReplicationGroupId: "nope" })), "ReplicationGroupNotFoundFault", 404);
    await expectAwsError(client.send(new CompleteMigrationCommand({ ReplicationGroupId: "target" })), "ReplicationGroupNotUnderMigrationFault", 400);
    await expectAwsError(
      client.send(new StartMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [SOURCE, { Address: "127.0.0.1", Port: sourcePort(1) }] })),
      "InvalidParameterValue",
      400,
      /exactly one element/,
    );
    await expectAwsError(
      client.send(new StartMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [{ Address: "127.0.0.1", Port: 0 }] })),
      "InvalidParameterValue",
      400,
      /Port/,
    );
    await expectAwsError(
      client.send(new TestMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [{ Port: 6379 }] })),
      "InvalidParameterValue",
      400,
      /Address/,
    );
  });

  it("takes only cluster mode disabled, Multi-AZ groups without encryption", async () => {
    const start = (id: string) => client.send(new StartMigrationCommand({ ReplicationGroupId: id, CustomerNodeEndpointList: [SOURCE] }));
    await expectAwsError(start("sharded"), "InvalidParameterValue", 400, /cluster mode disabled/);
    await expectAwsError(start("tls"), "InvalidParameterValue", 400, /encryption in transit/);
    await expectAwsError(start("at-rest"), "InvalidParameterValue", 400, /encryption at rest/);
    await expectAwsError(start("single"), "InvalidParameterValue", 400, /Multi-AZ/);
    // Nothing changed.
    expect((await describeReplicationGroup(client, "single")).Status).toBe("available");
  });
});

describe("TestMigration", () => {
  it("answers the group and reports a compatible source as an event", async () => {
    const out = await client.send(new TestMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [SOURCE] }));
    expect(out.ReplicationGroup?.ReplicationGroupId).toBe("target");
    expect(out.ReplicationGroup?.Status).toBe("available");
    await waitForEvent("target", /^Test Migration successful for target$/);
  });

  it("reports a source with AUTH and an unreachable source as failures", async () => {
    await client.send(new TestMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [{ Address: "127.0.0.1", Port: sourcePort(1) }] }));
    await waitForEvent("target", /^Test Migration failed for target: .*requires AUTH/);
    await client.send(new TestMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [{ Address: "127.0.0.1", Port: sourcePort(2) }] }));
    await waitForEvent("target", /^Test Migration failed for target: .*not reachable/);
    expect((await describeReplicationGroup(client, "target")).Status).toBe("available");
  });

  it("reports a source with another databases count, and one whose data exceeds the node's memory", async () => {
    await client.send(new TestMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [{ Address: "127.0.0.1", Port: sourcePort(3) }] }));
    await waitForEvent("target", /^Test Migration failed for target: the source has 32 databases, the target 16/);
    await client.send(new TestMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [{ Address: "127.0.0.1", Port: sourcePort(4) }] }));
    await waitForEvent("target", /^Test Migration failed for target: the source's data \(\d+ bytes\) does not fit the target node's memory \(\d+ bytes\)/);
  });
});

describe("StartMigration and CompleteMigration", () => {
  it("replicates the source into the group, refuses writes while migrating, and leaves it writable after", async () => {
    const out = await client.send(new StartMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [SOURCE] }));
    expect(out.ReplicationGroup?.Status).toBe("modifying");
    const group = await waitForReplicationGroup(client, "target", (g) => g.Status === "migrating");
    const ng = group.NodeGroups![0];

    const primary = connect(ng.PrimaryEndpoint!);
    const reader = connect(ng.ReaderEndpoint!);
    expect(await primary.get("user:42")).toBe("v42");
    expect(await primary.dbsize()).toBe(500);
    // The group's replica follows its primary, which follows the source.
    await source.set("written-during", "yes");
    expect(await waitFor(() => reader.get("written-during"), (v) => v === "yes")).toBe("yes");
    expect(await reader.get("user:499")).toBe("v499");
    await expect(primary.set("mine", "1")).rejects.toThrow(/READONLY/);

    await expectAwsError(client.send(new StartMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [SOURCE] })), "ReplicationGroupAlreadyUnderMigrationFault", 400);
    await expectAwsError(client.send(new TestMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [SOURCE] })), "ReplicationGroupAlreadyUnderMigrationFault", 400);
    await expectAwsError(client.send(new TestFailoverCommand({ ReplicationGroupId: "target", NodeGroupId: "0001" })), "InvalidReplicationGroupState", 400);
    await expectAwsError(
      client.send(new RebootCacheClusterCommand({ CacheClusterId: ng.NodeGroupMembers![0].CacheClusterId, CacheNodeIdsToReboot: ["0001"] })),
      "InvalidCacheClusterState",
      400,
      /under migration/,
    );
    expect(await groupEvents("target")).toContain(`Migration started for replication group target from 127.0.0.1:${sourcePort(0)}`);
    // CloudWatch: the primary's link to the source is healthy (PrimaryLinkHealthStatus 1).
    const primaryId = ng.NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId!;
    const cw = cloudwatchClient(emulator);
    const linkHealth = () =>
      cw.send(
        new GetMetricStatisticsCommand({
          Namespace: "AWS/ElastiCache",
          MetricName: "PrimaryLinkHealthStatus",
          Dimensions: [{ Name: "CacheClusterId", Value: primaryId }],
          StartTime: new Date(Date.now() - 600_000),
          EndTime: new Date(Date.now() + 60_000),
          Period: 60,
          Statistics: ["Maximum"],
        }),
      );
    const health = await waitFor(linkHealth, (out) => (out.Datapoints ?? []).length > 0, { what: "PrimaryLinkHealthStatus datapoints" });
    expect(Math.max(...health.Datapoints!.map((d) => d.Maximum!))).toBe(1);

    const done = await client.send(new CompleteMigrationCommand({ ReplicationGroupId: "target" }));
    expect(done.ReplicationGroup?.Status).toBe("modifying");
    await waitForReplicationGroup(client, "target", (g) => g.Status === "available");
    expect(await groupEvents("target")).toContain("Complete Migration successful for target");
    expect(await primary.get("written-during")).toBe("yes");
    expect(await primary.set("mine", "1")).toBe("OK");
    expect(await waitFor(() => reader.get("mine"), (v) => v === "1")).toBe("1");
    // The source is the user's: it keeps its data, and no longer feeds the group.
    await source.set("after-complete", "x");
    expect(await source.get("user:1")).toBe("v1");
    expect(await primary.get("after-complete")).toBeNull();
    await expectAwsError(client.send(new CompleteMigrationCommand({ ReplicationGroupId: "target" })), "ReplicationGroupNotUnderMigrationFault", 400);
  });

  it("keeps the primary on the source when its engine dies while migrating, and Force completes", async () => {
    await client.send(new StartMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [SOURCE] }));
    const group = await waitForReplicationGroup(client, "target", (g) => g.Status === "migrating");
    const member = group.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!;
    const direct = connect(member.ReadEndpoint!);
    const pid = Number(/process_id:(\d+)/.exec(await direct.info("server"))![1]);
    direct.disconnect();
    process.kill(pid, "SIGKILL"); // the engine this test's emulator started

    const replaced = connect(member.ReadEndpoint!);
    await source.set("after-kill", "1");
    expect(await waitFor(() => replaced.get("after-kill").catch(() => null), (v) => v === "1")).toBe("1");
    expect(await replaced.get("user:7")).toBe("v7");
    const after = await describeReplicationGroup(client, "target");
    expect(after.Status).toBe("migrating");
    expect(after.NodeGroups![0].NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId).toBe(member.CacheClusterId);
    await expect(replaced.set("x", "1")).rejects.toThrow(/READONLY/);

    await client.send(new CompleteMigrationCommand({ ReplicationGroupId: "target", Force: true }));
    await waitForReplicationGroup(client, "target", (g) => g.Status === "available");
    expect(await replaced.set("x", "1")).toBe("OK");
  });

  it("gives up and stays available when the primary cannot reach the source", async () => {
    const before = (await groupEvents("target")).length;
    await client.send(new StartMigrationCommand({ ReplicationGroupId: "target", CustomerNodeEndpointList: [{ Address: "127.0.0.1", Port: sourcePort(2) }] }));
    await waitForEvent("target", /^Migration failed for replication group target: .*not reachable/);
    const group = await waitForReplicationGroup(client, "target", (g) => g.Status === "available");
    expect((await groupEvents("target")).length).toBeGreaterThan(before);
    const primary = connect(group.NodeGroups![0].PrimaryEndpoint!);
    expect(await primary.set("still-writable", "1")).toBe("OK");
  });
});

describe("an emulator restart with a data dir", () => {
  it("comes back migrating, its primary following the source again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "migration-data-"));
    dirs.push(dir);
    // A slice of its own, away from the first emulator's and the sources' ports.
    const own = { from: sourcePort(10), to: sourcePort(10) + 199 };
    let first: Emulator | undefined = await startEmulator({ dataDir: dir, nodePorts: own });
    let second: Emulator | undefined;
    try {
      const c1 = sdkClient(first);
      await c1.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: "durable",
          ReplicationGroupDescription: "x",
          CacheNodeType: "cache.t3.micro",
          NumCacheClusters: 2,
          AutomaticFailoverEnabled: true,
          MultiAZEnabled: true,
        }),
      );
      await waitForReplicationGroup(c1, "durable", (g) => g.Status === "available", 60_000);
      await c1.send(new StartMigrationCommand({ ReplicationGroupId: "durable", CustomerNodeEndpointList: [SOURCE] }));
      await waitForReplicationGroup(c1, "durable", (g) => g.Status === "migrating");
      await first.stop();
      first = undefined;

      await source.set("while-down", "1");
      second = await startEmulator({ dataDir: dir, nodePorts: own });
      const c2 = sdkClient(second);
      const group = await waitForReplicationGroup(c2, "durable", (g) => g.Status === "migrating", 60_000);
      const primary = connect(group.NodeGroups![0].PrimaryEndpoint!);
      expect(await waitFor(() => primary.get("while-down").catch(() => null), (v) => v === "1")).toBe("1");
      await expect(primary.set("x", "1")).rejects.toThrow(/READONLY/);
      await c2.send(new CompleteMigrationCommand({ ReplicationGroupId: "durable" }));
      await waitForReplicationGroup(c2, "durable", (g) => g.Status === "available");
      expect(await primary.set("x", "1")).toBe("OK");
    } finally {
      await first?.stop();
      await second?.stop();
    }
  }, 120_000);
});
