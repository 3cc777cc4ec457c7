/**
 * `aws_elasticache_replication_group` with cluster mode enabled (num_node_groups,
 * replicas_per_node_group), as the Terraform AWS provider drives it: create and waiter, the
 * read after every step, replicas per shard up and down, shards up and down
 * (ModifyReplicationGroupShardConfiguration, scale-in naming the highest node groups as the
 * provider does) with every key kept and every node agreeing on the cluster, node type and
 * engine version, and delete with a final snapshot and the deleted waiter.
 */
import {
  CreateReplicationGroupCommand,
  DecreaseReplicaCountCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeSnapshotsCommand,
  IncreaseReplicaCountCommand,
  ModifyReplicationGroupCommand,
  ModifyReplicationGroupShardConfigurationCommand,
  type CreateReplicationGroupCommandInput,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import Redis, { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { stateChange } from "../helpers/terraform.js";
import {
  expectMembersMirrorGroup,
  readReplicationGroup,
  waitReplicationGroupAvailable,
  waitReplicationGroupDeleted,
  type ReplicationGroupState,
} from "./replication-group-provider.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let requestedPort: number;
const connections: Array<Redis | Cluster> = [];
const ID = "tf-shards";
const KEYS = 3000;

beforeAll(async () => {
  const nodePorts = nodePortRange();
  requestedPort = nodePorts.to;
  emulator = await startEmulator({ nodePorts });
  client = sdkClient(emulator);
});
afterAll(async () => {
  for (const c of connections) c.disconnect();
  await emulator?.stop();
});

function createInput(): CreateReplicationGroupCommandInput {
  return {
    ReplicationGroupId: ID,
    ReplicationGroupDescription: "terraform sharded",
    Engine: "redis",
    EngineVersion: "7.0",
    CacheNodeType: "cache.t3.micro",
    NumNodeGroups: 3,
    ReplicasPerNodeGroup: 1,
    AutomaticFailoverEnabled: true,
    MultiAZEnabled: true,
    TransitEncryptionEnabled: false,
    AtRestEncryptionEnabled: true,
    CacheParameterGroupName: "default.redis7.cluster.on",
    Port: requestedPort,
    Tags: [{ Key: "Name", Value: ID }],
  };
}

let config: Omit<ReplicationGroupState, "member_clusters" | "primary_endpoint_address" | "reader_endpoint_address" | "configuration_endpoint_address" | "engine_version_actual"> & {
  engine_version: string;
};

async function expectNoDiff(): Promise<ReplicationGroupState> {
  const { state, group } = await readReplicationGroup(client, ID);
  const { engine_version, ...expected } = config;
  expect(state).toMatchObject(expected);
  expect(state.engine_version_actual.startsWith(`${engine_version}.`) || state.engine_version_actual === engine_version).toBe(true);
  expect(state.num_cache_clusters).toBe(config.num_node_groups * (1 + config.replicas_per_node_group));
  for (const ng of group.NodeGroups!) expect(ng.NodeGroupMembers, `node group ${ng.NodeGroupId}`).toHaveLength(1 + config.replicas_per_node_group);
  await expectMembersMirrorGroup(client, group);
  return state;
}

function clusterClient(): Cluster {
  const cluster = new Cluster([{ host: "127.0.0.1", port: requestedPort }], {
    redisOptions: { maxRetriesPerRequest: 5 },
    clusterRetryStrategy: () => 50,
  });
  cluster.on("error", () => undefined);
  connections.push(cluster);
  return cluster;
}

async function countKeys(cluster: Cluster): Promise<number> {
  let found = 0;
  for (let i = 0; i < KEYS; i += 500) {
    const keys = Array.from({ length: Math.min(500, KEYS - i) }, (_, j) => `key:${i + j}`);
    const values = await Promise.all(keys.map((k) => cluster.get(k)));
    found += values.filter((v, j) => v === keys[j]).length;
  }
  return found;
}

/** Every node of the group sees the same healthy cluster: state ok, all slots, one view of who is in it. */
async function expectClusterAgrees(): Promise<void> {
  const { group } = await readReplicationGroup(client, ID);
  const nodes = await Promise.all(
    group.MemberClusters!.map(async (id) => {
      const described = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0];
      return described.CacheNodes![0].Endpoint!;
    }),
  );
  const views = new Set<string>();
  for (const endpoint of nodes) {
    const redis = new Redis(endpoint.Port!, endpoint.Address!, { maxRetriesPerRequest: 1 });
    redis.on("error", () => undefined);
    connections.push(redis);
    const info = String(await redis.call("CLUSTER", "INFO"));
    expect(info).toMatch(/cluster_state:ok/);
    expect(info).toMatch(/cluster_slots_assigned:16384/);
    expect(info).toContain(`cluster_known_nodes:${nodes.length}`);
    expect(info).toContain(`cluster_size:${group.NodeGroups!.length}`);
    const lines = String(await redis.call("CLUSTER", "NODES"))
      .trim()
      .split("\n")
      .map((l) => l.split(" "))
      .map(([id, , flags, primary, , , , , ...slots]) => `${id} ${flags.replace("myself,", "")} ${primary} ${slots.join(",")}`)
      .sort();
    views.add(lines.join("\n"));
  }
  expect(views.size, "every node's CLUSTER NODES").toBe(1);
  // The shards' Slots as the API returns them cover every slot once.
  const covered = group.NodeGroups!.flatMap((ng) =>
    ng.Slots!.split(",").flatMap((r) => {
      const [from, to] = r.split("-").map(Number);
      return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
    }),
  );
  expect(covered.length).toBe(16384);
  expect(new Set(covered).size).toBe(16384);
}

describe("refused as AWS refuses it", () => {
  it("cluster mode enabled with automatic failover off: InvalidParameterValue", async () => {
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ...createInput(), AutomaticFailoverEnabled: false, MultiAZEnabled: false })),
      "InvalidParameterValue",
      400,
      /^Redis with cluster mode enabled cannot be created with auto failover turned off\.$/,
    );
  });
});

describe("aws_elasticache_replication_group, cluster mode enabled", () => {
  it("creates 3 shards with a replica each; the read agrees with the configuration; the Port is the configuration endpoint's", async () => {
    const created = await client.send(new CreateReplicationGroupCommand(createInput()));
    expect(created.ReplicationGroup?.Status).toBe("creating");
    await waitReplicationGroupAvailable(client, ID);
    config = {
      description: "terraform sharded",
      num_cache_clusters: 6,
      num_node_groups: 3,
      replicas_per_node_group: 1,
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      cluster_enabled: true,
      cluster_mode: "enabled",
      port: requestedPort,
      snapshot_window: "05:00-06:00",
      snapshot_retention_limit: 0,
      user_group_ids: [],
      node_type: "cache.t3.micro",
      engine: "redis",
      engine_version: "7.0",
      auto_minor_version_upgrade: "true",
      subnet_group_name: "default",
      security_group_ids: [],
      parameter_group_name: "default.redis7.cluster.on",
      maintenance_window: expect.any(String) as unknown as string,
      at_rest_encryption_enabled: "true",
      security_group_names: [],
      transit_encryption_enabled: false,
      auth_token_enabled: false,
      tags: { Name: ID },
    };
    const state = await expectNoDiff();
    expect(state.configuration_endpoint_address).toBe("127.0.0.1");
    const cluster = clusterClient();
    for (let i = 0; i < KEYS; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => cluster.set(`key:${i + j}`, `key:${i + j}`)));
    }
    expect(await countKeys(cluster)).toBe(KEYS);
    await expectClusterAgrees();
  });

  it("replicas_per_node_group 1 -> 2 -> 0 -> 1: IncreaseReplicaCount / DecreaseReplicaCount, each with the waiter", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: ID, NewReplicaCount: 2, ApplyImmediately: true }));
    await waitReplicationGroupAvailable(client, ID);
    config.replicas_per_node_group = 2;
    config.num_cache_clusters = 9;
    await expectNoDiff();
    await expectClusterAgrees();

    // Cluster mode enabled goes down to no replica at all, as AWS allows.
    await client.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: ID, NewReplicaCount: 0, ApplyImmediately: true }));
    await waitReplicationGroupAvailable(client, ID);
    config.replicas_per_node_group = 0;
    config.num_cache_clusters = 3;
    await expectNoDiff();
    await expectClusterAgrees();
    expect(await countKeys(clusterClient())).toBe(KEYS);

    await client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: ID, NewReplicaCount: 1, ApplyImmediately: true }));
    await waitReplicationGroupAvailable(client, ID);
    config.replicas_per_node_group = 1;
    config.num_cache_clusters = 6;
    await expectNoDiff();
    await expectClusterAgrees();
    expect(await countKeys(clusterClient())).toBe(KEYS);
  });

  it("num_node_groups 3 -> 4: ModifyReplicationGroupShardConfiguration; keys kept, the cluster agrees", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: ID, NodeGroupCount: 4, ApplyImmediately: true }));
    await waitReplicationGroupAvailable(client, ID);
    config.num_node_groups = 4;
    config.num_cache_clusters = 8;
    await expectNoDiff();
    await expectClusterAgrees();
    expect(await countKeys(clusterClient())).toBe(KEYS);
  });

  /** The provider's scale-in: NodeGroupsToRemove are the highest ids beyond the new count. */
  async function scaleIn(count: number): Promise<string[]> {
    await waitReplicationGroupAvailable(client, ID);
    const { group } = await readReplicationGroup(client, ID);
    const ids = group.NodeGroups!.map((ng) => ng.NodeGroupId!).sort();
    const toRemove = ids.slice(count).reverse();
    await client.send(
      new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: ID, NodeGroupCount: count, NodeGroupsToRemove: toRemove, ApplyImmediately: true }),
    );
    await waitReplicationGroupAvailable(client, ID);
    return toRemove;
  }

  it("num_node_groups 4 -> 2 in one apply: the highest node group ids go; keys kept, the cluster agrees", async () => {
    expect(await scaleIn(2)).toEqual(["0004", "0003"]);
    config.num_node_groups = 2;
    config.num_cache_clusters = 4;
    const state = await expectNoDiff();
    // The members of node groups 0001 and 0002 stay (replica numbers go on from those used before).
    expect(state.member_clusters.map((id) => id.slice(0, `${ID}-0001`.length))).toEqual([`${ID}-0001`, `${ID}-0001`, `${ID}-0002`, `${ID}-0002`]);
    await expectClusterAgrees();
    expect(await countKeys(clusterClient())).toBe(KEYS);
  });

  it("num_node_groups 2 -> 3 -> 2: a new node group, then scale-in from 3 shards", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(new ModifyReplicationGroupShardConfigurationCommand({ ReplicationGroupId: ID, NodeGroupCount: 3, ApplyImmediately: true }));
    await waitReplicationGroupAvailable(client, ID);
    config.num_node_groups = 3;
    config.num_cache_clusters = 6;
    const { group } = await readReplicationGroup(client, ID);
    const added = group.NodeGroups!.map((ng) => ng.NodeGroupId!).filter((id) => id !== "0001" && id !== "0002");
    expect(added).toHaveLength(1);
    await expectNoDiff();
    await expectClusterAgrees();
    expect(await countKeys(clusterClient())).toBe(KEYS);

    expect(await scaleIn(2)).toEqual(added);
    config.num_node_groups = 2;
    config.num_cache_clusters = 4;
    await expectNoDiff();
    await expectClusterAgrees();
    expect(await countKeys(clusterClient())).toBe(KEYS);
  });

  it("node_type and engine_version in one ModifyReplicationGroup; keys kept", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(
      new ModifyReplicationGroupCommand({ ReplicationGroupId: ID, ApplyImmediately: true, CacheNodeType: "cache.t3.small", EngineVersion: "7.1", Engine: "redis" }),
    );
    await waitReplicationGroupAvailable(client, ID);
    config.node_type = "cache.t3.small";
    config.engine_version = "7.1";
    await expectNoDiff();
    await expectClusterAgrees();
    expect(await countKeys(clusterClient())).toBe(KEYS);
  });

  it("transit_encryption_enabled false -> true: mode preferred first, then required; the members carry it, keys kept", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(
      new ModifyReplicationGroupCommand({ ReplicationGroupId: ID, ApplyImmediately: true, TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred" }),
    );
    await waitReplicationGroupAvailable(client, ID);
    config.transit_encryption_enabled = true;
    config.transit_encryption_mode = "preferred";
    await expectNoDiff();
    await expectClusterAgrees();
    // `preferred` still takes plaintext clients.
    expect(await countKeys(clusterClient())).toBe(KEYS);

    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: ID, ApplyImmediately: true, TransitEncryptionMode: "required" }));
    await waitReplicationGroupAvailable(client, ID);
    config.transit_encryption_mode = "required";
    await expectNoDiff();
    const tls = new Cluster([{ host: "127.0.0.1", port: requestedPort }], {
      redisOptions: { maxRetriesPerRequest: 5, tls: { ca: emulator.ca!.pem } },
      clusterRetryStrategy: () => 50,
    });
    tls.on("error", () => undefined);
    connections.push(tls);
    expect(await countKeys(tls)).toBe(KEYS);
  });

  it("destroys with a final snapshot of every shard and the deleted waiter", async () => {
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: ID, FinalSnapshotIdentifier: "tf-shards-final" }));
    await waitReplicationGroupDeleted(client, ID);
    const snapshot = await stateChange({
      what: "final snapshot available",
      pending: ["creating"],
      target: ["available"],
      refresh: async () => {
        const s = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: "tf-shards-final" }))).Snapshots![0];
        return { status: s.SnapshotStatus!, value: s };
      },
    });
    expect(snapshot.value).toMatchObject({ ReplicationGroupId: ID, NumNodeGroups: 2, CacheNodeType: "cache.t3.small" });
    expect(snapshot.value!.NodeSnapshots).toHaveLength(2);
  });
});
