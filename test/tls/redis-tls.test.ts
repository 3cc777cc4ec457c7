/**
 * TLS in transit for Redis OSS: real TLS on node ports and on the replication group
 * endpoints, trusted through the CA the emulator serves; `required` refuses plaintext,
 * `preferred` takes both on one port; the preferred -> required migration keeps the data.
 */
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  ModifyReplicationGroupCommand,
  RebootCacheClusterCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForCluster, waitForClusterGone, waitForReplicationGroup } from "../helpers/wait.js";
import { exchange, fetchCa } from "../helpers/tls.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let ca: string;
const clients: Redis[] = [];

function tlsRedis(port: number, host = "127.0.0.1"): Redis {
  const redis = new Redis({ host, port, tls: { ca }, maxRetriesPerRequest: 3, retryStrategy: (n) => (n > 50 ? null : 50) });
  redis.on("error", () => undefined);
  clients.push(redis);
  return redis;
}

function plainRedis(port: number): Redis {
  const redis = new Redis({ port, host: "127.0.0.1", maxRetriesPerRequest: 3, retryStrategy: (n) => (n > 50 ? null : 50) });
  redis.on("error", () => undefined);
  clients.push(redis);
  return redis;
}

/** What a plaintext PING gets back: "+PONG" when plaintext is served, nothing when refused. */
const plainPing = (port: number) => exchange(port, "PING\r\n", { done: (t) => t.includes("\r\n") });

function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("redis-cli", args, { timeout: 10_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim()))),
  );
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  ca = await fetchCa(emulator);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await emulator?.stop();
});

describe("the emulator's CA", () => {
  it("is served at /_emulator/ca.pem and named by the library API", async () => {
    const cert = new X509Certificate(ca);
    expect(cert.ca).toBe(true);
    expect(emulator.ca?.pem).toBe(ca);
    expect(await readFile(emulator.ca!.file, "utf8")).toBe(ca);
  });
});

describe("a Redis cache cluster with TransitEncryptionEnabled", () => {
  it("serves TLS only: ioredis and redis-cli --tls trust the served CA, plaintext is refused", async () => {
    const created = await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: "tls-single", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1, TransitEncryptionEnabled: true }),
    );
    expect(created.CacheCluster?.TransitEncryptionEnabled).toBe(true);
    const cluster = await waitForCluster(client, "tls-single", "available");
    expect(cluster.TransitEncryptionMode).toBe("required");
    const { Address, Port } = cluster.CacheNodes![0].Endpoint!;

    const redis = tlsRedis(Port!, Address!);
    await redis.set("greeting", "over tls");
    expect(await redis.get("greeting")).toBe("over tls");
    // By name too: the certificate carries localhost.
    expect(await tlsRedis(Port!, "localhost").get("greeting")).toBe("over tls");

    expect(await redisCli(["--tls", "--cacert", emulator.ca!.file, "-h", Address!, "-p", String(Port), "GET", "greeting"])).toBe("over tls");
    expect(await plainPing(Port!)).not.toContain("PONG");

    // A reboot brings the node back on its port, still TLS only.
    await client.send(new RebootCacheClusterCommand({ CacheClusterId: "tls-single", CacheNodeIdsToReboot: ["0001"] }));
    const rebooted = await waitForCluster(client, "tls-single", "available");
    expect(rebooted.CacheNodes![0].Endpoint!.Port).toBe(Port);
    await expect.poll(() => tlsRedis(Port!).ping().catch(() => "down"), { timeout: 15_000 }).toBe("PONG");
    expect(await plainPing(Port!)).not.toContain("PONG");

    await client.send(new DeleteCacheClusterCommand({ CacheClusterId: "tls-single" }));
    await waitForClusterGone(client, "tls-single");
  });
});

describe("a replication group (cluster mode disabled)", () => {
  it("required: the primary and reader endpoints speak TLS, replicas replicate, plaintext is refused", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "tls-rg",
        ReplicationGroupDescription: "tls",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: "required",
      }),
    );
    const group = await waitForReplicationGroup(client, "tls-rg", (g) => g.Status === "available");
    expect(group.TransitEncryptionEnabled).toBe(true);
    expect(group.TransitEncryptionMode).toBe("required");
    const ng = group.NodeGroups![0];
    const primary = tlsRedis(ng.PrimaryEndpoint!.Port!);
    await primary.set("k", "v1");
    const reader = tlsRedis(ng.ReaderEndpoint!.Port!);
    await expect.poll(() => reader.get("k")).toBe("v1");
    expect(await plainPing(ng.PrimaryEndpoint!.Port!)).not.toContain("PONG");
    for (const member of ng.NodeGroupMembers!) expect(await plainPing(member.ReadEndpoint!.Port!)).not.toContain("PONG");
  });

  it("preferred takes TLS and plaintext on the same ports; modifying to required keeps the data and refuses plaintext", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "tls-migrate",
        ReplicationGroupDescription: "migration",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: "preferred",
      }),
    );
    const group = await waitForReplicationGroup(client, "tls-migrate", (g) => g.Status === "available");
    expect(group.TransitEncryptionMode).toBe("preferred");
    const ng = group.NodeGroups![0];
    const port = ng.PrimaryEndpoint!.Port!;
    await plainRedis(port).set("before", "plain");
    expect(await tlsRedis(port).get("before")).toBe("plain");
    const replicaPort = ng.NodeGroupMembers!.find((m) => m.CurrentRole === "replica")!.ReadEndpoint!.Port!;
    expect(await plainPing(replicaPort)).toContain("PONG");
    await expect.poll(() => tlsRedis(replicaPort).get("before")).toBe("plain");

    const modified = await client.send(
      new ModifyReplicationGroupCommand({ ReplicationGroupId: "tls-migrate", TransitEncryptionMode: "required", ApplyImmediately: true }),
    );
    expect(modified.ReplicationGroup?.Status).toBe("modifying");
    expect(modified.ReplicationGroup?.TransitEncryptionMode).toBe("preferred");
    expect(modified.ReplicationGroup?.PendingModifiedValues?.TransitEncryptionMode).toBe("required");
    const after = await waitForReplicationGroup(client, "tls-migrate", (g) => g.Status === "available");
    expect(after.TransitEncryptionMode).toBe("required");
    expect(after.NodeGroups![0].PrimaryEndpoint!.Port).toBe(port);
    expect(after.PendingModifiedValues?.TransitEncryptionMode).toBeUndefined();
    expect(await tlsRedis(port).get("before")).toBe("plain");
    expect(await plainPing(port)).not.toContain("PONG");
    const replica = tlsRedis(replicaPort);
    await tlsRedis(port).set("after", "tls");
    await expect.poll(() => replica.get("after")).toBe("tls");

    // Off again only through preferred, as on AWS.
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "tls-migrate", TransitEncryptionEnabled: false, ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
    );
  });

  it("a group without TLS enables it through preferred only", async () => {
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "tls-off", ReplicationGroupDescription: "off", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheClusters: 1 }),
    );
    const group = await waitForReplicationGroup(client, "tls-off", (g) => g.Status === "available");
    expect(group.TransitEncryptionEnabled).toBe(false);
    await expectAwsError(
      client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "tls-off", TransitEncryptionEnabled: true, TransitEncryptionMode: "required", ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
    );
    const port = group.NodeGroups![0].PrimaryEndpoint!.Port!;
    await plainRedis(port).set("kept", "yes");
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "tls-off", TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred", ApplyImmediately: true }));
    const after = await waitForReplicationGroup(client, "tls-off", (g) => g.Status === "available");
    expect(after.TransitEncryptionEnabled).toBe(true);
    expect(after.TransitEncryptionMode).toBe("preferred");
    expect(await tlsRedis(port).get("kept")).toBe("yes");
    expect(await plainPing(port)).toContain("PONG");
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "tls-off" }));
  });
});

describe("automatic failover with TLS preferred", () => {
  it("a killed primary fails over; the replacement comes back on the same port with TLS and plaintext", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "tls-failover",
        ReplicationGroupDescription: "failover",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: "preferred",
      }),
    );
    const group = await waitForReplicationGroup(client, "tls-failover", (g) => g.Status === "available");
    const ng = group.NodeGroups![0];
    const oldPrimary = ng.NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!;
    const direct = tlsRedis(oldPrimary.ReadEndpoint!.Port!);
    await direct.set("survivor", "1");
    // Replicated (over TLS) before the primary dies.
    expect(await direct.wait(1, 5000)).toBe(1);
    const pid = Number(/process_id:(\d+)/.exec(await direct.info("server"))![1]);
    direct.disconnect();
    process.kill(pid, "SIGKILL"); // the engine this test's emulator started

    const writer = tlsRedis(ng.PrimaryEndpoint!.Port!);
    await expect.poll(() => writer.set("after-kill", "1").catch(() => "retry"), { timeout: 15_000 }).toBe("OK");
    expect(await writer.get("survivor")).toBe("1");
    const after = await waitForReplicationGroup(client, "tls-failover", (g) =>
      g.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === oldPrimary.CacheClusterId)?.CurrentRole === "replica",
    );
    const replacedPort = after.NodeGroups![0].NodeGroupMembers!.find((m) => m.CacheClusterId === oldPrimary.CacheClusterId)!.ReadEndpoint!.Port!;
    expect(replacedPort).toBe(oldPrimary.ReadEndpoint!.Port);
    await expect.poll(() => tlsRedis(replacedPort).get("after-kill").catch(() => null), { timeout: 15_000 }).toBe("1");
    expect(await plainPing(replacedPort)).toContain("PONG");
  });
});

describe("validation", () => {
  it("refuses a mode without TransitEncryptionEnabled and Memcached before 1.6.12", async () => {
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({ ReplicationGroupId: "tls-bad", ReplicationGroupDescription: "x", Engine: "redis", CacheNodeType: "cache.t3.micro", TransitEncryptionMode: "preferred" }),
      ),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(
      client.send(
        new CreateCacheClusterCommand({ CacheClusterId: "tls-old-mc", Engine: "memcached", EngineVersion: "1.6.6", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1, TransitEncryptionEnabled: true }),
      ),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(
      client.send(
        new CreateReplicationGroupCommand({ ReplicationGroupId: "tls-bad", ReplicationGroupDescription: "x", Engine: "redis", CacheNodeType: "cache.t3.micro", TransitEncryptionEnabled: true, TransitEncryptionMode: "sometimes" }),
      ),
      "InvalidParameterValue",
      400,
    );
  });
});
