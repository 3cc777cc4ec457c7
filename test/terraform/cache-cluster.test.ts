/**
 * The Terraform AWS provider's whole path for `aws_elasticache_cluster`, replayed through the
 * SDK on real engines: the create it sends, its available waiter (pending creating, modifying,
 * snapshotting, rebooting cluster nodes), the read it makes after every create and update
 * (every field it dereferences), its update sequences (one ModifyCacheCluster with
 * ApplyImmediately per apply, then the waiter), and its delete (FinalSnapshotIdentifier, the
 * retries on InvalidCacheClusterState, the deleted waiter with NotFound as target).
 * Source: hashicorp/terraform-provider-aws internal/service/elasticache/cluster.go.
 */
import {
  AddTagsToResourceCommand,
  CreateCacheClusterCommand,
  CreateCacheParameterGroupCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeSnapshotsCommand,
  ListTagsForResourceCommand,
  ModifyCacheClusterCommand,
  paginateDescribeCacheClusters,
  type CacheCluster,
  type CreateCacheClusterCommandInput,
  type ElastiCacheClient,
  type ModifyCacheClusterCommandInput,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { memcachedCommand } from "../helpers/memcached.js";
import { RedisClients } from "../helpers/redis-clients.js";
import { orNotFound, stateChange, type Observed } from "../helpers/terraform.js";
import { waitFor, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const redisClients = new RedisClients();

beforeAll(async () => {
  emulator = await startEmulator({ engineMode: "process" });
  client = sdkClient(emulator);
});
afterAll(async () => {
  redisClients.disconnectAll();
  await emulator?.stop();
});

// ---- the provider's finder, waiters and read ----

/** statusCacheCluster: DescribeCacheClusters(CacheClusterId); CacheClusterNotFound is NotFound. */
function refresh(id: string): () => Promise<Observed<CacheCluster>> {
  return () =>
    orNotFound(async () => {
      const out = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id }));
      const cluster = out.CacheClusters![0];
      return { status: cluster.CacheClusterStatus!, value: cluster };
    }, ["CacheClusterNotFound"]);
}

/** waitCacheClusterAvailable. */
function waitAvailable(id: string) {
  return stateChange({
    what: `cache cluster ${id} available`,
    pending: ["creating", "modifying", "snapshotting", "rebooting cluster nodes"],
    target: ["available"],
    refresh: refresh(id),
  });
}

/** waitCacheClusterDeleted: the target is NotFound. */
function waitDeleted(id: string) {
  return stateChange({
    what: `cache cluster ${id} deleted`,
    pending: ["creating", "available", "modifying", "deleting", "incompatible-network", "restore-failed", "snapshotting"],
    target: ["NotFound"],
    refresh: refresh(id),
  });
}

type State = Record<string, unknown>;

/** A Go nil dereference in the provider's read, as an error. */
function must<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`Unexpected nil pointer: ${what}`);
  return value;
}

/**
 * resourceClusterRead: findCacheClusterWithNodeInfoByID through the paginator (exactly one
 * cluster), then every field it sets, dereferencing what it dereferences.
 */
async function providerRead(id: string): Promise<State> {
  const found: CacheCluster[] = [];
  for await (const page of paginateDescribeCacheClusters({ client }, { CacheClusterId: id, ShowCacheNodeInfo: true })) {
    found.push(...(page.CacheClusters ?? []));
  }
  expect(found).toHaveLength(1);
  const c = found[0];
  const engine = must(c.Engine, "Engine");
  if (engine === "redis" || engine === "valkey") {
    // setEngineVersionRedis/Valkey: gversion.NewVersion must parse it.
    expect(c.EngineVersion).toMatch(/^\d+\.\d+(\.\d+)?$/);
  }
  const logs = (c.LogDeliveryConfigurations ?? []).map((l) => ({
    destination:
      l.DestinationType === "kinesis-firehose"
        ? must(must(must(l.DestinationDetails, "DestinationDetails").KinesisFirehoseDetails, "KinesisFirehoseDetails").DeliveryStream, "DeliveryStream")
        : must(must(must(l.DestinationDetails, "DestinationDetails").CloudWatchLogsDetails, "CloudWatchLogsDetails").LogGroup, "LogGroup"),
    destination_type: l.DestinationType,
    log_format: l.LogFormat,
    log_type: l.LogType,
  }));
  // setCacheNodeData: sorted by id; each node needs its id, endpoint and zone.
  const nodes = [...(c.CacheNodes ?? [])]
    .sort((a, b) => (a.CacheNodeId ?? "").localeCompare(b.CacheNodeId ?? ""))
    .map((n) => ({
      id: must(n.CacheNodeId, "CacheNodeId"),
      address: must(must(n.Endpoint, "Endpoint").Address, "Endpoint.Address"),
      port: must(n.Endpoint!.Port, "Endpoint.Port"),
      availability_zone: must(n.CustomerAvailabilityZone, "CustomerAvailabilityZone"),
    }));
  const config = c.ConfigurationEndpoint;
  return {
    cluster_id: c.CacheClusterId,
    engine,
    engine_version_actual: c.EngineVersion,
    node_type: c.CacheNodeType,
    auto_minor_version_upgrade: String(c.AutoMinorVersionUpgrade ?? false),
    subnet_group_name: c.CacheSubnetGroupName,
    security_group_ids: (c.SecurityGroups ?? []).map((g) => g.SecurityGroupId),
    parameter_group_name: c.CacheParameterGroup?.CacheParameterGroupName,
    maintenance_window: c.PreferredMaintenanceWindow,
    log_delivery_configuration: logs,
    snapshot_window: c.SnapshotWindow,
    snapshot_retention_limit: c.SnapshotRetentionLimit,
    num_cache_nodes: c.NumCacheNodes,
    port: config ? config.Port : must(c.CacheNodes?.[0]?.Endpoint, "CacheNodes[0].Endpoint").Port,
    configuration_endpoint: config ? `${config.Address}:${config.Port}` : undefined,
    cluster_address: config?.Address,
    replication_group_id: c.ReplicationGroupId,
    notification_topic_arn: c.NotificationConfiguration?.TopicStatus === "active" ? c.NotificationConfiguration.TopicArn : undefined,
    availability_zone: c.PreferredAvailabilityZone,
    az_mode: c.PreferredAvailabilityZone === "Multiple" ? "cross-az" : "single-az",
    cache_nodes: nodes,
    arn: c.ARN,
    ip_discovery: c.IpDiscovery,
    network_type: c.NetworkType,
    transit_encryption_enabled: c.TransitEncryptionEnabled,
  };
}

/** The provider's tag read (transparent tagging): ListTagsForResource on every read. */
async function tagsOf(arn: string): Promise<Record<string, string>> {
  const out = await client.send(new ListTagsForResourceCommand({ ResourceName: arn }));
  return Object.fromEntries((out.TagList ?? []).map((t) => [t.Key!, t.Value!]));
}

/** resourceClusterCreate: CreateCacheCluster, the id lowercased from the answer, the waiter, the read. */
async function create(input: CreateCacheClusterCommandInput): Promise<State> {
  const out = await client.send(new CreateCacheClusterCommand(input));
  const id = out.CacheCluster!.CacheClusterId!.toLowerCase();
  await waitAvailable(id);
  return providerRead(id);
}

/** resourceClusterUpdate: one ModifyCacheCluster with ApplyImmediately, the waiter, the read. */
async function update(id: string, input: Omit<ModifyCacheClusterCommandInput, "CacheClusterId" | "ApplyImmediately">): Promise<State> {
  await client.send(new ModifyCacheClusterCommand({ CacheClusterId: id, ApplyImmediately: true, ...input }));
  await waitAvailable(id);
  return providerRead(id);
}

/** resourceClusterDelete: DeleteCacheCluster (retried on InvalidCacheClusterState unless the provider gives up), then the deleted waiter. */
async function destroy(id: string, finalSnapshotId?: string): Promise<void> {
  const input = { CacheClusterId: id, ...(finalSnapshotId && { FinalSnapshotIdentifier: finalSnapshotId }) };
  await waitFor(
    () =>
      client.send(new DeleteCacheClusterCommand(input)).then(
        () => true,
        (e: { Code?: string; name?: string; message?: string }) => {
          const code = e.Code ?? e.name;
          if (code === "CacheClusterNotFound") return true;
          if (code === "InvalidCacheClusterState" && !/serving as primary|only member of a replication group/.test(e.message ?? "")) return false;
          throw e;
        },
      ),
    (done) => done,
    { what: `cache cluster ${id} deleted`, intervalMs: 50 },
  );
  await waitDeleted(id);
}

const maxmemoryOf = (info: string): number => Number(/^maxmemory:(\d+)/m.exec(info)![1]);

const slowLog = {
  DestinationType: "cloudwatch-logs" as const,
  DestinationDetails: { CloudWatchLogsDetails: { LogGroup: "tf-slow-log" } },
  LogFormat: "json" as const,
  LogType: "slow-log" as const,
};
const engineLog = {
  DestinationType: "kinesis-firehose" as const,
  DestinationDetails: { KinesisFirehoseDetails: { DeliveryStream: "tf-engine-log" } },
  LogFormat: "text" as const,
  LogType: "engine-log" as const,
};

// ---- redis ----

describe("aws_elasticache_cluster, engine redis", () => {
  const id = "tf-redis";
  let state: State;

  it("creates with the provider's inputs; the read finds every field it dereferences, as configured", async () => {
    state = await create({
      CacheClusterId: "TF-Redis",
      Tags: [{ Key: "Name", Value: "tf-redis" }],
      SecurityGroupIds: [],
      CacheNodeType: "cache.t3.micro",
      NumCacheNodes: 1,
      Engine: "redis",
      EngineVersion: "7.0",
      AutoMinorVersionUpgrade: true,
      CacheParameterGroupName: "default.redis7",
      SnapshotWindow: "05:00-06:00",
      LogDeliveryConfigurations: [slowLog],
      PreferredMaintenanceWindow: "sun:01:00-sun:02:00",
    });
    expect(state).toMatchObject({
      cluster_id: id,
      engine: "redis",
      engine_version_actual: "7.0",
      node_type: "cache.t3.micro",
      auto_minor_version_upgrade: "true",
      subnet_group_name: "default",
      security_group_ids: [],
      parameter_group_name: "default.redis7",
      maintenance_window: "sun:01:00-sun:02:00",
      log_delivery_configuration: [{ destination: "tf-slow-log", destination_type: "cloudwatch-logs", log_format: "json", log_type: "slow-log" }],
      snapshot_window: "05:00-06:00",
      snapshot_retention_limit: 0,
      num_cache_nodes: 1,
      configuration_endpoint: undefined,
      az_mode: "single-az",
      availability_zone: "us-east-1a",
      ip_discovery: "ipv4",
      network_type: "ipv4",
      transit_encryption_enabled: false,
      arn: `arn:aws:elasticache:us-east-1:000000000000:cluster:${id}`,
    });
    expect(state.cache_nodes).toEqual([{ id: "0001", address: "127.0.0.1", port: state.port, availability_zone: "us-east-1a" }]);
    expect(await tagsOf(state.arn as string)).toEqual({ Name: "tf-redis" });
  });

  it("keeps the data through an engine version upgrade and a node type change, each one apply", async () => {
    const node = (state.cache_nodes as Array<{ address: string; port: number }>)[0];
    const redis = redisClients.connect({ Address: node.address, Port: node.port });
    await redis.set("kept", "through-upgrades");
    const microMemory = maxmemoryOf(await redis.info("memory"));

    state = await update(id, { EngineVersion: "7.1" });
    expect(state).toMatchObject({ engine_version_actual: "7.1", parameter_group_name: "default.redis7", node_type: "cache.t3.micro" });
    expect(await redis.get("kept")).toBe("through-upgrades");

    state = await update(id, { CacheNodeType: "cache.t3.small" });
    expect(state).toMatchObject({ node_type: "cache.t3.small", engine_version_actual: "7.1" });
    expect(await redis.get("kept")).toBe("through-upgrades");
    // The same engine, on the same endpoint, with the node type's memory.
    expect(state.cache_nodes).toEqual([expect.objectContaining({ id: "0001", port: node.port })]);
    // The engine runs with the larger node type's memory.
    expect(maxmemoryOf(await redis.info("memory"))).toBeGreaterThan(microMemory);
  });

  it("applies a parameter group, security groups, snapshot window and retention, maintenance window, one apply each", async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "tf-redis7", CacheParameterGroupFamily: "redis7", Description: "tf" }));
    state = await update(id, { CacheParameterGroupName: "tf-redis7" });
    expect(state.parameter_group_name).toBe("tf-redis7");

    state = await update(id, { SecurityGroupIds: ["sg-0123456789abcdef0", "sg-0fedcba9876543210"] });
    expect(state.security_group_ids).toEqual(["sg-0123456789abcdef0", "sg-0fedcba9876543210"]);

    state = await update(id, { SnapshotWindow: "07:00-08:00" });
    state = await update(id, { SnapshotRetentionLimit: 5 });
    expect(state).toMatchObject({ snapshot_window: "07:00-08:00", snapshot_retention_limit: 5 });

    state = await update(id, { PreferredMaintenanceWindow: "tue:03:00-tue:04:00" });
    expect(state.maintenance_window).toBe("tue:03:00-tue:04:00");
    state = await update(id, { AutoMinorVersionUpgrade: false });
    expect(state.auto_minor_version_upgrade).toBe("false");
  });

  it("sets a notification topic, and removes it the way the provider does (empty ARN, status inactive)", async () => {
    const topic = "arn:aws:sns:us-east-1:000000000000:tf-topic";
    state = await update(id, { NotificationTopicArn: topic });
    expect(state.notification_topic_arn).toBe(topic);
    state = await update(id, { NotificationTopicArn: "", NotificationTopicStatus: "inactive" });
    expect(state.notification_topic_arn).toBeUndefined();
    state = await update(id, { NotificationTopicArn: topic });
    expect(state.notification_topic_arn).toBe(topic);
  });

  it("keeps one log delivery configuration per log type; Enabled=false removes one", async () => {
    // Adding engine-log: the provider sends every configured log type.
    state = await update(id, { LogDeliveryConfigurations: [slowLog, engineLog] });
    expect(state.log_delivery_configuration).toEqual([
      { destination: "tf-slow-log", destination_type: "cloudwatch-logs", log_format: "json", log_type: "slow-log" },
      { destination: "tf-engine-log", destination_type: "kinesis-firehose", log_format: "text", log_type: "engine-log" },
    ]);
    // Changing slow-log's format replaces it, and leaves engine-log as it is.
    state = await update(id, { LogDeliveryConfigurations: [{ ...slowLog, LogFormat: "text" }] });
    expect(state.log_delivery_configuration).toEqual([
      { destination: "tf-slow-log", destination_type: "cloudwatch-logs", log_format: "text", log_type: "slow-log" },
      { destination: "tf-engine-log", destination_type: "kinesis-firehose", log_format: "text", log_type: "engine-log" },
    ]);
    // Removing slow-log: the remaining one, plus an empty request with Enabled=false.
    state = await update(id, { LogDeliveryConfigurations: [engineLog, { LogType: "slow-log", Enabled: false }] });
    expect(state.log_delivery_configuration).toEqual([
      { destination: "tf-engine-log", destination_type: "kinesis-firehose", log_format: "text", log_type: "engine-log" },
    ]);
    state = await update(id, { LogDeliveryConfigurations: [{ LogType: "engine-log", Enabled: false }] });
    expect(state.log_delivery_configuration).toEqual([]);
  });

  it("with apply_immediately = false (the provider's default), holds the node type as pending and applies the rest; a later immediate apply takes it along", async () => {
    await client.send(
      new ModifyCacheClusterCommand({ CacheClusterId: id, ApplyImmediately: false, CacheNodeType: "cache.t3.medium", PreferredMaintenanceWindow: "wed:05:00-wed:06:00" }),
    );
    await waitAvailable(id);
    state = await providerRead(id);
    expect(state).toMatchObject({ node_type: "cache.t3.small", maintenance_window: "wed:05:00-wed:06:00" });
    const out = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id }));
    expect(out.CacheClusters![0].PendingModifiedValues).toEqual({ CacheNodeType: "cache.t3.medium" });

    // apply_immediately = true with another change: the pending node type is applied with it, the data kept.
    state = await update(id, { PreferredMaintenanceWindow: "thu:05:00-thu:06:00" });
    expect(state).toMatchObject({ node_type: "cache.t3.medium", maintenance_window: "thu:05:00-thu:06:00" });
    const after = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id }));
    expect(after.CacheClusters![0].PendingModifiedValues).toEqual({});
    const node = (state.cache_nodes as Array<{ address: string; port: number }>)[0];
    expect(await redisClients.connect({ Address: node.address, Port: node.port }).get("kept")).toBe("through-upgrades");
  });

  it("deletes with a final snapshot that holds the data; the deleted waiter ends on NotFound", async () => {
    // A snapshot in progress: the delete is refused with the code the provider retries on, until it ends.
    await client.send(new CreateSnapshotCommand({ CacheClusterId: id, SnapshotName: "tf-redis-manual" }));
    await destroy(id, "tf-redis-final");
    const snapshot = await waitFor(
      () => client.send(new DescribeSnapshotsCommand({ SnapshotName: "tf-redis-final" })).then((o) => o.Snapshots![0]),
      (s) => s.SnapshotStatus !== "creating",
      { what: "final snapshot available" },
    );
    expect(snapshot).toMatchObject({ SnapshotStatus: "available", SnapshotSource: "manual", CacheClusterId: id, Engine: "redis", EngineVersion: "7.1" });
    const restored = await create({ CacheClusterId: "tf-redis-restored", Engine: "redis", CacheNodeType: "cache.t3.small", SnapshotName: "tf-redis-final" });
    const node = (restored.cache_nodes as Array<{ address: string; port: number }>)[0];
    expect(await redisClients.connect({ Address: node.address, Port: node.port }).get("kept")).toBe("through-upgrades");
    await destroy("tf-redis-restored");
  });
});

// ---- valkey ----

describe("aws_elasticache_cluster, engine valkey", () => {
  it("creates, upgrades within the family and from Redis OSS, keeping the data, and deletes", async () => {
    let state = await create({ CacheClusterId: "tf-valkey", Engine: "valkey", EngineVersion: "8.0", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1, SecurityGroupIds: [] });
    expect(state).toMatchObject({ engine: "valkey", engine_version_actual: "8.0", parameter_group_name: "default.valkey8", num_cache_nodes: 1 });
    const node = (state.cache_nodes as Array<{ address: string; port: number }>)[0];
    const valkey = redisClients.connect({ Address: node.address, Port: node.port });
    await valkey.set("v", "1");
    state = await update("tf-valkey", { EngineVersion: "8.1" });
    expect(state).toMatchObject({ engine_version_actual: "8.1", parameter_group_name: "default.valkey8" });
    expect(await valkey.get("v")).toBe("1");
    await destroy("tf-valkey");

    // engine = "valkey" on an existing Redis OSS cluster: Engine and EngineVersion in one call.
    state = await create({ CacheClusterId: "tf-to-valkey", Engine: "redis", EngineVersion: "7.1", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 });
    const before = (state.cache_nodes as Array<{ address: string; port: number }>)[0];
    const redis = redisClients.connect({ Address: before.address, Port: before.port });
    await redis.set("r", "2");
    state = await update("tf-to-valkey", { Engine: "valkey", EngineVersion: "7.2" });
    // A default parameter group follows to the new family's default.
    expect(state).toMatchObject({ engine: "valkey", engine_version_actual: "7.2", parameter_group_name: "default.valkey7" });
    expect(await redis.get("r")).toBe("2");
    await destroy("tf-to-valkey");
  });

  it("refuses a family change that keeps a custom parameter group of the old family", async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "tf-custom-redis7", CacheParameterGroupFamily: "redis7", Description: "tf" }));
    await create({ CacheClusterId: "tf-custom", Engine: "redis", EngineVersion: "7.1", CacheNodeType: "cache.t3.micro", CacheParameterGroupName: "tf-custom-redis7" });
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "tf-custom", Engine: "valkey", EngineVersion: "7.2", ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
      /^Expected a parameter group of family valkey7 but found one of family redis7$/,
    );
    expect(await providerRead("tf-custom")).toMatchObject({ engine: "redis", engine_version_actual: "7.1", parameter_group_name: "tf-custom-redis7" });
    await destroy("tf-custom");
  });

  it("refuses more than one node for Redis OSS and Valkey, and a parameter group of another family, in AWS's words", async () => {
    for (const [engine, name] of [["redis", "Redis"], ["valkey", "Valkey"]]) {
      await expectAwsError(
        client.send(new CreateCacheClusterCommand({ CacheClusterId: `tf-${engine}-2`, Engine: engine, CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 })),
        "InvalidParameterValue",
        400,
        new RegExp(`^Cannot create a ${name} cluster with a NumCacheNodes parameter greater than 1\\.$`),
      );
    }
    await expectAwsError(client.send(new DescribeCacheClustersCommand({ CacheClusterId: "tf-redis-2" })), "CacheClusterNotFound", 404);
    // A parameter group of another family, in AWS's words.
    await expectAwsError(
      client.send(new CreateCacheClusterCommand({ CacheClusterId: "tf-family", Engine: "redis", EngineVersion: "7.1", CacheNodeType: "cache.t3.micro", CacheParameterGroupName: "default.redis6.x" })),
      "InvalidParameterCombination",
      400,
      /^Expected a parameter group of family redis7 but found one of family redis6\.x$/,
    );
  });
});

// ---- memcached ----

describe("aws_elasticache_cluster, engine memcached", () => {
  const id = "tf-memcached";
  let state: State;

  const autoDiscovery = async (): Promise<string[]> => {
    const [address, port] = (state.configuration_endpoint as string).split(":");
    const reply = await memcachedCommand(Number(port), "config get cluster\r\n", address);
    // "CONFIG cluster 0 <n>\r\n<version>\n<host|ip|port ...>\n\r\nEND\r\n"
    return reply.split("\r\n")[1].split("\n")[1].split(" ").map((entry) => entry.split("|")[2]).sort();
  };
  const nodePorts = () => (state.cache_nodes as Array<{ port: number }>).map((n) => String(n.port)).sort();

  it("creates cross-az: nodes spread over the zones, PreferredAvailabilityZone Multiple, the configuration endpoint read", async () => {
    state = await create({
      CacheClusterId: id,
      Engine: "memcached",
      EngineVersion: "1.6.17",
      CacheNodeType: "cache.t3.micro",
      NumCacheNodes: 3,
      AZMode: "cross-az",
      SecurityGroupIds: [],
      CacheParameterGroupName: "default.memcached1.6",
      Tags: [{ Key: "Name", Value: "tf-memcached" }],
    });
    expect(state).toMatchObject({ engine: "memcached", engine_version_actual: "1.6.17", num_cache_nodes: 3, availability_zone: "Multiple", az_mode: "cross-az" });
    expect(state.configuration_endpoint).toBe(`${state.cluster_address}:${state.port}`);
    const zones = (state.cache_nodes as Array<{ id: string; availability_zone: string }>).map((n) => `${n.id}:${n.availability_zone}`);
    expect(zones).toEqual(["0001:us-east-1a", "0002:us-east-1b", "0003:us-east-1c"]);
    expect(await autoDiscovery()).toEqual(nodePorts());
  });

  it("grows and shrinks as the provider sends it (NumCacheNodes; CacheNodeIdsToRemove, highest ids first)", async () => {
    state = await update(id, { NumCacheNodes: 5 });
    expect(state.num_cache_nodes).toBe(5);
    // New nodes go to the least used zones; existing ones stay.
    expect((state.cache_nodes as Array<{ availability_zone: string }>).map((n) => n.availability_zone)).toEqual([
      "us-east-1a",
      "us-east-1b",
      "us-east-1c",
      "us-east-1a",
      "us-east-1b",
    ]);
    expect(await autoDiscovery()).toEqual(nodePorts());

    state = await update(id, { NumCacheNodes: 2, CacheNodeIdsToRemove: ["0005", "0004", "0003"] });
    expect((state.cache_nodes as Array<{ id: string }>).map((n) => n.id)).toEqual(["0001", "0002"]);
    expect(state).toMatchObject({ num_cache_nodes: 2, availability_zone: "Multiple", az_mode: "cross-az" });
    expect(await autoDiscovery()).toEqual(nodePorts());
  });

  it("refuses CacheNodeIdsToRemove that does not match the decrease, in AWS's words", async () => {
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: id, NumCacheNodes: 1, ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
      /^The number of CacheNodeIdsToRemove must match the number of nodes you are trying to remove, current number of cache nodes is 2, requested number of cache nodes is 1 and CacheNodeIdsToRemove supplied are 0$/,
    );
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: id, NumCacheNodes: 3, CacheNodeIdsToRemove: ["0001"], ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
      /current number of cache nodes is 2, requested number of cache nodes is 3 and CacheNodeIdsToRemove supplied are 1$/,
    );
    expect((await providerRead(id)).num_cache_nodes).toBe(2);
  });

  it("upgrades the engine version, then deletes; the deleted waiter ends on NotFound", async () => {
    state = await update(id, { EngineVersion: "1.6.22" });
    expect(state).toMatchObject({ engine_version_actual: "1.6.22", num_cache_nodes: 2 });
    expect(await autoDiscovery()).toEqual(nodePorts());
    await destroy(id);
  });

  it("honours PreferredAvailabilityZones at create and NewAvailabilityZones when growing", async () => {
    state = await create({
      CacheClusterId: "tf-memcached-zones",
      Engine: "memcached",
      CacheNodeType: "cache.t3.micro",
      NumCacheNodes: 2,
      PreferredAvailabilityZones: ["us-east-1b", "us-east-1b"],
    });
    expect(state).toMatchObject({ availability_zone: "us-east-1b", az_mode: "single-az" });
    expect((state.cache_nodes as Array<{ availability_zone: string }>).map((n) => n.availability_zone)).toEqual(["us-east-1b", "us-east-1b"]);
    // preferred_availability_zones = [b, b, c]: the provider sends the new tail.
    state = await update("tf-memcached-zones", { NumCacheNodes: 3, NewAvailabilityZones: ["us-east-1c"] });
    expect((state.cache_nodes as Array<{ availability_zone: string }>).map((n) => n.availability_zone)).toEqual(["us-east-1b", "us-east-1b", "us-east-1c"]);
    expect(state).toMatchObject({ availability_zone: "Multiple", az_mode: "cross-az" });
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "tf-memcached-zones", AZMode: "single-az", ApplyImmediately: true })),
      "InvalidParameterCombination",
      400,
    );
    await destroy("tf-memcached-zones");
  });

  it("moves to cross-az with the nodes it adds (az_mode and num_cache_nodes in one call); existing nodes stay", async () => {
    state = await create({ CacheClusterId: "tf-memcached-grow", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1, PreferredAvailabilityZone: "us-east-1b" });
    expect(state).toMatchObject({ availability_zone: "us-east-1b", az_mode: "single-az" });
    state = await update("tf-memcached-grow", { AZMode: "cross-az", NumCacheNodes: 3 });
    expect((state.cache_nodes as Array<{ availability_zone: string }>).map((n) => n.availability_zone)).toEqual(["us-east-1b", "us-east-1a", "us-east-1c"]);
    expect(state).toMatchObject({ availability_zone: "Multiple", az_mode: "cross-az", num_cache_nodes: 3 });
    expect(await autoDiscovery()).toEqual(nodePorts());
    await destroy("tf-memcached-grow");
  });
});

// ---- replication_group_id: a read replica in an existing group ----

describe("aws_elasticache_cluster with replication_group_id", () => {
  it("creates a replica member, reads it with the group's engine, and deletes it", async () => {
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: "tf-rg", ReplicationGroupDescription: "d", CacheNodeType: "cache.t3.micro", NumCacheClusters: 1, EngineVersion: "7.1" }),
    );
    await waitForReplicationGroup(client, "tf-rg", (g) => g.Status === "available");
    // The provider sends only the id, the tags and the group (security groups, node type... conflict with it).
    const state = await create({ CacheClusterId: "tf-rg-replica", ReplicationGroupId: "tf-rg", Tags: [{ Key: "Name", Value: "replica" }] });
    expect(state).toMatchObject({
      replication_group_id: "tf-rg",
      engine: "redis",
      engine_version_actual: "7.1",
      node_type: "cache.t3.micro",
      num_cache_nodes: 1,
      parameter_group_name: "default.redis7",
    });
    expect(await tagsOf(state.arn as string)).toEqual({ Name: "replica" });
    const group = await waitForReplicationGroup(client, "tf-rg", (g) => g.Status === "available");
    expect(group.MemberClusters).toEqual(["tf-rg-001", "tf-rg-replica"]);

    await destroy("tf-rg-replica");
    const after = await waitForReplicationGroup(client, "tf-rg", (g) => g.Status === "available");
    expect(after.MemberClusters).toEqual(["tf-rg-001"]);
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "tf-rg" }));
    await waitDeleted("tf-rg-001");
  });
});

// ---- delete refusals ----

describe("DeleteCacheCluster refusals the provider reacts to", () => {
  it("refuses a cluster that is not deletable yet in AWS's words, with the code the provider retries on", async () => {
    const slow = await startEmulator({ engineMode: "embedded", delays: { createMs: 600_000 } });
    try {
      const slowClient = sdkClient(slow);
      await slowClient.send(new CreateCacheClusterCommand({ CacheClusterId: "young", Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
      await expectAwsError(
        slowClient.send(new DeleteCacheClusterCommand({ CacheClusterId: "young" })),
        "InvalidCacheClusterState",
        400,
        /^Can only delete cache clusters with state in: available, failed, incompatible-parameters, incompatible-network, restore-failed$/,
      );
      const out = await slowClient.send(new DescribeCacheClustersCommand({ CacheClusterId: "young" }));
      expect(out.CacheClusters![0].CacheClusterStatus).toBe("creating");
    } finally {
      await slow.stop();
    }
  });

  it("refuses the only member and the primary of a replication group (the provider does not retry these)", async () => {
    await client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: "tf-single", ReplicationGroupDescription: "d", CacheNodeType: "cache.t3.micro", NumCacheClusters: 1 }));
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "tf-pair",
        ReplicationGroupDescription: "d",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
      }),
    );
    await waitForReplicationGroup(client, "tf-single", (g) => g.Status === "available");
    await waitForReplicationGroup(client, "tf-pair", (g) => g.Status === "available");

    const arn = "arn:aws:elasticache:us-east-1:000000000000:cluster:tf-single-001";
    await client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "owner", Value: "tf" }] }));
    await expectAwsError(
      client.send(new DeleteCacheClusterCommand({ CacheClusterId: "tf-single-001" })),
      "InvalidCacheClusterState",
      400,
      /^Cannot delete the cache cluster since it is the only member of a replication group\. Delete the replication group instead\.$/,
    );
    await expectAwsError(
      client.send(new DeleteCacheClusterCommand({ CacheClusterId: "tf-pair-001" })),
      "InvalidCacheClusterState",
      400,
      /^Cache cluster tf-pair-001 is serving as primary for replication group tf-pair and cannot be deleted\. To delete the entire replication group, use DeleteReplicationGroup\.$/,
    );
    await expectAwsError(
      client.send(new DeleteCacheClusterCommand({ CacheClusterId: "tf-pair-002" })),
      "InvalidCacheClusterState",
      400,
      /^Cannot delete the cache cluster because it is the only read replica for replication group tf-pair which has autofailover enabled or pending\./,
    );
    // Nothing was changed by the refusals: the member and its tags are intact.
    expect((await providerRead("tf-single-001")).replication_group_id).toBe("tf-single");
    expect(await tagsOf(arn)).toEqual({ owner: "tf" });
    for (const group of ["tf-single", "tf-pair"]) await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: group }));
    await waitDeleted("tf-single-001");
    await waitDeleted("tf-pair-002");
  });
});
