/**
 * TLS in transit on a cluster mode enabled replication group (a Redis Cluster whose bus
 * and replication run over TLS, MOVED pointing at the TLS ports) and on a Memcached
 * cluster (nodes and the Auto Discovery configuration endpoint).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemcachedConfigEndpoint } from "../../src/endpoints/memcached-config-endpoint.js";
import type { Emulator } from "../../src/index.js";
import { silentLogger } from "../../src/logger.js";
import { ensureTlsMaterial } from "../../src/tls/certificates.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitForCluster, waitForReplicationGroup } from "../helpers/wait.js";
import { exchange, fetchCa, memcachedOver } from "../helpers/tls.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let ca: string;
const clusters: Cluster[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  ca = await fetchCa(emulator);
});
afterAll(async () => {
  for (const c of clusters) c.disconnect();
  await emulator?.stop();
});

function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("redis-cli", args, { timeout: 10_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout.trim()))),
  );
}

describe("cluster mode enabled with TLS required", () => {
  it("an ioredis Cluster with tls reaches every shard through the ConfigurationEndpoint; redis-cli -c --tls follows MOVED", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "tls-cme",
        ReplicationGroupDescription: "tls cluster",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 1,
        TransitEncryptionEnabled: true,
      }),
    );
    const group = await waitForReplicationGroup(client, "tls-cme", (g) => g.Status === "available", 90_000);
    expect(group.TransitEncryptionEnabled).toBe(true);
    expect(group.TransitEncryptionMode).toBe("required");
    const { Address, Port } = group.ConfigurationEndpoint!;

    const cluster = new Cluster([{ host: Address!, port: Port! }], {
      redisOptions: { tls: { ca }, maxRetriesPerRequest: 5 },
      clusterRetryStrategy: () => 50,
    });
    clusters.push(cluster);
    for (let i = 0; i < 50; i++) await cluster.set(`key:${i}`, String(i));
    for (let i = 0; i < 50; i++) expect(await cluster.get(`key:${i}`)).toBe(String(i));
    // The keys live on both shards, each reached over TLS at its announced port.
    const masters = cluster.nodes("master");
    expect(masters).toHaveLength(2);
    const counts = await Promise.all(masters.map((m) => m.dbsize()));
    expect(counts.every((n) => n > 0)).toBe(true);

    // redis-cli follows MOVED from whichever node it starts on.
    for (let i = 0; i < 5; i++) {
      expect(await redisCli(["-c", "--tls", "--cacert", emulator.ca!.file, "-h", Address!, "-p", String(Port), "GET", `key:${i}`])).toBe(String(i));
    }
    expect(await exchange(Port!, "PING\r\n", { done: (t) => t.includes("\r\n") })).not.toContain("PONG");
  });

  it("a killed shard primary fails over; the replacement rejoins over TLS and every key stays", async () => {
    const group = await waitForReplicationGroup(client, "tls-cme", (g) => g.Status === "available");
    const { Address, Port } = group.ConfigurationEndpoint!;
    const cluster = new Cluster([{ host: Address!, port: Port! }], { redisOptions: { tls: { ca }, maxRetriesPerRequest: 5 }, clusterRetryStrategy: () => 50 });
    clusters.push(cluster);
    await cluster.set("warm-up", "1");
    const victim = cluster.nodes("master")[0];
    const pid = Number(/process_id:(\d+)/.exec(String(await victim.info("server")))![1]);
    process.kill(pid, "SIGKILL"); // an engine this test's emulator started
    await expect.poll(() => cluster.set("after-kill", "1").catch(() => "retry"), { timeout: 30_000, interval: 50 }).toBe("OK");

    const { DescribeEventsCommand } = await import("@aws-sdk/client-elasticache");
    const recovered = async () =>
      (await client.send(new DescribeEventsCommand({ SourceType: "cache-cluster", Duration: 60 }))).Events!.some((e) =>
        e.Message?.startsWith("Finished recovery for cache nodes"),
      );
    await expect.poll(recovered, { timeout: 30_000, interval: 100 }).toBe(true);
    const healed = new Cluster([{ host: Address!, port: Port! }], { redisOptions: { tls: { ca }, maxRetriesPerRequest: 5 }, clusterRetryStrategy: () => 50 });
    clusters.push(healed);
    for (let i = 0; i < 50; i++) expect(await healed.get(`key:${i}`)).toBe(String(i));
    // Both shards have their replica again: the fresh node joined through the TLS cluster bus.
    await expect.poll(async () => {
      await healed.set("warm-up", "2");
      return healed.nodes("slave").length;
    }, { timeout: 30_000, interval: 200 }).toBe(2);
  });
});

describe("cluster mode enabled with TLS preferred", () => {
  it("plaintext and TLS Cluster clients both follow redirects to the same ports; modifying to required keeps every key", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "tls-cme-pref",
        ReplicationGroupDescription: "tls cluster preferred",
        Engine: "redis",
        CacheNodeType: "cache.t3.micro",
        NumNodeGroups: 2,
        ReplicasPerNodeGroup: 1,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: "preferred",
      }),
    );
    const group = await waitForReplicationGroup(client, "tls-cme-pref", (g) => g.Status === "available", 90_000);
    const { Address, Port } = group.ConfigurationEndpoint!;
    const plain = new Cluster([{ host: Address!, port: Port! }], { redisOptions: { maxRetriesPerRequest: 5 }, clusterRetryStrategy: () => 50 });
    const secure = new Cluster([{ host: Address!, port: Port! }], { redisOptions: { tls: { ca }, maxRetriesPerRequest: 5 }, clusterRetryStrategy: () => 50 });
    clusters.push(plain, secure);
    for (let i = 0; i < 40; i++) await plain.set(`p:${i}`, String(i));
    for (let i = 0; i < 40; i++) expect(await secure.get(`p:${i}`)).toBe(String(i));
    const nodePorts = (c: Cluster) => c.nodes("master").map((n) => n.options.port).sort();
    expect(nodePorts(plain)).toEqual(nodePorts(secure));

    const { ModifyReplicationGroupCommand } = await import("@aws-sdk/client-elasticache");
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "tls-cme-pref", TransitEncryptionMode: "required", ApplyImmediately: true }));
    await waitForReplicationGroup(client, "tls-cme-pref", (g) => g.Status === "available" && g.TransitEncryptionMode === "required", 90_000);
    const after = new Cluster([{ host: Address!, port: Port! }], { redisOptions: { tls: { ca }, maxRetriesPerRequest: 5 }, clusterRetryStrategy: () => 50 });
    clusters.push(after);
    for (let i = 0; i < 40; i++) expect(await after.get(`p:${i}`)).toBe(String(i));
    // The restarted replicas replicate again: they authenticate to their primaries as before.
    const replicas = after.nodes("slave");
    expect(replicas).toHaveLength(2);
    for (const replica of replicas) expect(String(await replica.info("replication"))).toMatch(/master_link_status:up/);
    expect(await exchange(Port!, "PING\r\n", { done: (t) => t.includes("\r\n") })).not.toContain("PONG");
  });
});

describe("a Memcached cluster with TLS", () => {
  it("nodes and the configuration endpoint speak TLS; Auto Discovery lists the nodes; plaintext is refused", async () => {
    const created = await client.send(
      new CreateCacheClusterCommand({ CacheClusterId: "tls-mc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2, TransitEncryptionEnabled: true }),
    );
    expect(created.CacheCluster?.TransitEncryptionEnabled).toBe(true);
    const cluster = await waitForCluster(client, "tls-mc", "available");
    expect(cluster.TransitEncryptionMode).toBe("required");
    const nodePorts = cluster.CacheNodes!.map((n) => n.Endpoint!.Port!);
    const config = cluster.ConfigurationEndpoint!.Port!;

    expect(await memcachedOver(nodePorts[0], "set k 0 0 5\r\nhello\r\n", ca)).toBe("STORED\r\n");
    expect(await memcachedOver(nodePorts[0], "get k\r\n", ca)).toBe("VALUE k 0 5\r\nhello\r\nEND\r\n");

    const discovery = await memcachedOver(config, "config get cluster\r\n", ca);
    const lines = discovery.split("\r\n");
    expect(lines[0]).toMatch(/^CONFIG cluster 0 \d+$/);
    const entries = lines[1].split("\n")[1].split(" ");
    expect(entries.map((e) => Number(e.split("|")[2])).sort()).toEqual([...nodePorts].sort());

    // Data commands through the configuration endpoint reach a node (over TLS both ways).
    expect(await memcachedOver(config, "set via-config 0 0 2\r\nok\r\n", ca)).toBe("STORED\r\n");
    const anyNode = await Promise.all(nodePorts.map((p) => memcachedOver(p, "get via-config\r\n", ca)));
    expect(anyNode.some((r) => r.includes("VALUE via-config 0 2\r\nok"))).toBe(true);

    expect(await exchange(nodePorts[0], "version\r\n", { done: (t) => t.includes("\r\n") })).not.toContain("VERSION");
    expect(await exchange(config, "version\r\n", { done: (t) => t.includes("\r\n") })).not.toContain("VERSION");
  });
});

describe("a configuration endpoint in preferred mode", () => {
  it("tells TLS from plaintext by the first byte on one port", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tls-config-endpoint-"));
    const material = await ensureTlsMaterial(dir, []);
    const endpoint = new MemcachedConfigEndpoint({
      bindHost: "127.0.0.1",
      port: 0,
      logger: silentLogger,
      tls: { mode: "preferred", cert: material.certPem, key: material.keyPem, ca: material.caPem },
    });
    await endpoint.start();
    try {
      endpoint.setNodes([{ host: "localhost", ip: "127.0.0.1", port: 11211 }]);
      const overTls = await memcachedOver(endpoint.port, "config get cluster\r\n", material.caPem);
      const plain = await memcachedOver(endpoint.port, "config get cluster\r\n");
      expect(overTls).toContain("localhost|127.0.0.1|11211");
      expect(plain).toBe(overTls);
    } finally {
      await endpoint.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
