/**
 * `aws_elasticache_replication_group`, cluster mode disabled, as the Terraform AWS provider
 * drives it: create with its inputs and waiter, the read it makes after every step (the group,
 * then its first member cluster), each update sequence with the waiters between calls, and
 * delete with a final snapshot and the deleted waiter. After every step the state the read
 * produces equals the configuration (no perpetual diff), and every member cluster mirrors the
 * group.
 */
import {
  CreateCacheParameterGroupCommand,
  CreateReplicationGroupCommand,
  DecreaseReplicaCountCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeSnapshotsCommand,
  IncreaseReplicaCountCommand,
  ModifyCacheParameterGroupCommand,
  ModifyReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import Redis, { type RedisOptions } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { orNotFound, stateChange } from "../helpers/terraform.js";
import { waitFor } from "../helpers/wait.js";
import {
  expectMembersMirrorGroup,
  readReplicationGroup,
  waitReplicationGroupAvailable,
  waitReplicationGroupDeleted,
  waitReplicationGroupMemberClustersAvailable,
  type ReplicationGroupState,
} from "./replication-group-provider.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let requestedPort: number;
/** The member clusters left after the last replica count change. */
let remaining: string[] = [];
const clients: Redis[] = [];
const ID = "tf-rg";
const [T1, T2] = ["terraform-token-0123456789", "rotated-token-0123456789"];

beforeAll(async () => {
  const nodePorts = nodePortRange();
  // The last port of the emulator's own range: free, and not handed out before the group asks for it.
  requestedPort = nodePorts.to;
  emulator = await startEmulator({ nodePorts });
  client = sdkClient(emulator);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await emulator?.stop();
});

/** A client of the group's endpoint as an application connects: TLS, the AUTH token. */
function connect(endpoint: { Address?: string; Port?: number }, password: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(endpoint.Port!, endpoint.Address!, {
    tls: { ca: emulator.ca!.pem },
    password,
    maxRetriesPerRequest: 3,
    retryStrategy: (n) => (n > 50 ? null : 50),
    ...options,
  });
  redis.on("error", () => undefined);
  clients.push(redis);
  return redis;
}

/** The configuration, as the provider holds it; a read that returns it means an empty plan. */
let config: Omit<ReplicationGroupState, "member_clusters" | "primary_endpoint_address" | "reader_endpoint_address" | "configuration_endpoint_address" | "engine_version_actual"> & {
  engine_version: string;
};

/** The provider's create call for the configuration (resourceReplicationGroupCreate). */
function createInput(): CreateReplicationGroupCommandInput {
  return {
    ReplicationGroupId: ID,
    ReplicationGroupDescription: "terraform managed",
    Engine: "redis",
    EngineVersion: "7.0",
    CacheNodeType: "cache.t3.micro",
    NumCacheClusters: 3,
    AutomaticFailoverEnabled: true,
    MultiAZEnabled: true,
    TransitEncryptionEnabled: true,
    AtRestEncryptionEnabled: true,
    AuthToken: T1,
    Port: requestedPort,
    PreferredMaintenanceWindow: "sun:05:00-sun:06:00",
    SnapshotWindow: "03:00-04:00",
    CacheParameterGroupName: "default.redis7",
    Tags: [{ Key: "Name", Value: ID }],
  };
}

/** Read after create/update, compared with the configuration: what a plan would show. */
async function expectNoDiff(): Promise<ReplicationGroupState> {
  const { state, group } = await readReplicationGroup(client, ID);
  const { engine_version, ...expected } = config;
  expect(state).toMatchObject(expected);
  expect(state.engine_version_actual.startsWith(`${engine_version}.`) || state.engine_version_actual === engine_version).toBe(true);
  expect(state.member_clusters).toHaveLength(config.num_cache_clusters);
  await expectMembersMirrorGroup(client, group);
  return state;
}

describe("refused before anything is created, as AWS refuses it", () => {
  it("an AuthToken without in-transit encryption: InvalidParameterValue", async () => {
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ...createInput(), TransitEncryptionEnabled: false })),
      "InvalidParameterValue",
      400,
      /^The AUTH token is only supported when encryption-in-transit is enabled$/,
    );
  });

  it("no CacheNodeType: AWS's wording", async () => {
    await expectAwsError(
      client.send(new CreateReplicationGroupCommand({ ...createInput(), CacheNodeType: undefined })),
      "InvalidParameterValue",
      400,
      /^The parameter CacheNodeType must be provided and must not be null\.$/,
    );
  });
});

describe("aws_elasticache_replication_group, cluster mode disabled", () => {
  it("creates with the provider's inputs and waiter; the read agrees with the configuration", async () => {
    const created = await client.send(new CreateReplicationGroupCommand(createInput()));
    expect(created.ReplicationGroup?.ReplicationGroupId).toBe(ID);
    expect(created.ReplicationGroup?.Status).toBe("creating");
    await waitReplicationGroupAvailable(client, ID);
    config = {
      description: "terraform managed",
      num_cache_clusters: 3,
      num_node_groups: 1,
      replicas_per_node_group: 2,
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      cluster_enabled: false,
      cluster_mode: "disabled",
      port: requestedPort,
      snapshot_window: "03:00-04:00",
      snapshot_retention_limit: 0,
      user_group_ids: [],
      node_type: "cache.t3.micro",
      engine: "redis",
      engine_version: "7.0",
      auto_minor_version_upgrade: "true",
      subnet_group_name: "default",
      security_group_ids: [],
      parameter_group_name: "default.redis7",
      maintenance_window: "sun:05:00-sun:06:00",
      at_rest_encryption_enabled: "true",
      security_group_names: [],
      transit_encryption_enabled: true,
      transit_encryption_mode: "required",
      auth_token_enabled: true,
      tags: { Name: ID },
    };
    const state = await expectNoDiff();
    expect(state.member_clusters).toEqual([`${ID}-001`, `${ID}-002`, `${ID}-003`]);
  });

  it("the group's Port is its primary endpoint's, where clients connect", async () => {
    const { group } = await readReplicationGroup(client, ID);
    const primary = group.NodeGroups![0].PrimaryEndpoint!;
    expect(primary.Port).toBe(requestedPort);
    const redis = connect(primary, T1);
    expect(await redis.set("before-updates", "kept")).toBe("OK");
    expect(await redis.get("before-updates")).toBe("kept");
  });

  it("num_cache_clusters 3 -> 4: IncreaseReplicaCount(n-1), the member clusters waiter, then the group's", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(new IncreaseReplicaCountCommand({ ReplicationGroupId: ID, NewReplicaCount: 3, ApplyImmediately: true }));
    const members = await waitReplicationGroupMemberClustersAvailable(client, ID);
    expect(members.map((m) => m.CacheClusterId).sort()).toEqual([`${ID}-001`, `${ID}-002`, `${ID}-003`, `${ID}-004`]);
    await waitReplicationGroupAvailable(client, ID);
    config.num_cache_clusters = 4;
    config.replicas_per_node_group = 3;
    await expectNoDiff();
    // The new member is a real replica of the primary: it holds the data written before.
    const added = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: `${ID}-004`, ShowCacheNodeInfo: true }))).CacheClusters![0];
    const replica = connect(added.CacheNodes![0].Endpoint!, T1);
    await waitFor(() => replica.get("before-updates"), (v) => v === "kept", { what: "the new replica to hold the data" });
  });

  it("one apply with several changes: description, node type and engine version in one ModifyReplicationGroup, waiters around it", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: ID,
        ApplyImmediately: true,
        ReplicationGroupDescription: "terraform managed, resized",
        CacheNodeType: "cache.t3.small",
        EngineVersion: "7.1",
        Engine: "redis",
      }),
    );
    await waitReplicationGroupAvailable(client, ID);
    config.description = "terraform managed, resized";
    config.node_type = "cache.t3.small";
    config.engine_version = "7.1";
    await expectNoDiff();
    const { group } = await readReplicationGroup(client, ID);
    expect(await connect(group.NodeGroups![0].PrimaryEndpoint!, T1).get("before-updates")).toBe("kept");
  });

  it("parameter_group_name: a custom group of the family goes to every member", async () => {
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: "tf-params", CacheParameterGroupFamily: "redis7", Description: "terraform" }));
    await client.send(
      new ModifyCacheParameterGroupCommand({ CacheParameterGroupName: "tf-params", ParameterNameValues: [{ ParameterName: "maxmemory-policy", ParameterValue: "allkeys-lru" }] }),
    );
    await waitReplicationGroupAvailable(client, ID);
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: ID, ApplyImmediately: true, CacheParameterGroupName: "tf-params" }));
    await waitReplicationGroupAvailable(client, ID);
    config.parameter_group_name = "tf-params";
    await expectNoDiff();
    const { group } = await readReplicationGroup(client, ID);
    const primary = connect(group.NodeGroups![0].PrimaryEndpoint!, T1);
    // CONFIG is a restricted command on ElastiCache; INFO shows the policy in force.
    await waitFor(() => primary.info("memory"), (v) => v.includes("maxmemory_policy:allkeys-lru"), { what: "the member engines to take the group's parameters" });
  });

  it("snapshot_retention_limit 0 -> 3 (with the provider's SnapshottingClusterId) and snapshot_window", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: ID,
        ApplyImmediately: true,
        SnapshottingClusterId: `${ID}-001`,
        SnapshotRetentionLimit: 3,
        SnapshotWindow: "01:00-02:00",
      }),
    );
    await waitReplicationGroupAvailable(client, ID);
    config.snapshot_retention_limit = 3;
    config.snapshot_window = "01:00-02:00";
    await expectNoDiff();
  });

  it("maintenance_window, auto_minor_version_upgrade and security_group_ids reach the member clusters", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(
      new ModifyReplicationGroupCommand({
        ReplicationGroupId: ID,
        ApplyImmediately: true,
        PreferredMaintenanceWindow: "mon:07:00-mon:08:00",
        AutoMinorVersionUpgrade: false,
        SecurityGroupIds: ["sg-0123456789abcdef0"],
      }),
    );
    await waitReplicationGroupAvailable(client, ID);
    config.maintenance_window = "mon:07:00-mon:08:00";
    config.auto_minor_version_upgrade = "false";
    config.security_group_ids = ["sg-0123456789abcdef0"];
    await expectNoDiff();
  });

  it("multi_az_enabled and automatic_failover_enabled off, then on again", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: ID, ApplyImmediately: true, MultiAZEnabled: false, AutomaticFailoverEnabled: false }));
    await waitReplicationGroupAvailable(client, ID);
    config.multi_az_enabled = false;
    config.automatic_failover_enabled = false;
    await expectNoDiff();
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: ID, ApplyImmediately: true, MultiAZEnabled: true, AutomaticFailoverEnabled: true }));
    await waitReplicationGroupAvailable(client, ID);
    config.multi_az_enabled = true;
    config.automatic_failover_enabled = true;
    await expectNoDiff();
  });

  it("auth_token rotated (ROTATE, then SET), each call followed by the waiter", async () => {
    await waitReplicationGroupAvailable(client, ID);
    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: ID, ApplyImmediately: true, AuthToken: T2, AuthTokenUpdateStrategy: "ROTATE" }));
    await waitReplicationGroupAvailable(client, ID);
    await expectNoDiff();
    const { group } = await readReplicationGroup(client, ID);
    const primary = group.NodeGroups![0].PrimaryEndpoint!;
    const noRetry = { retryStrategy: () => null, maxRetriesPerRequest: 0 };
    expect(await connect(primary, T1, noRetry).get("before-updates")).toBe("kept");
    expect(await connect(primary, T2, noRetry).get("before-updates")).toBe("kept");

    await client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: ID, ApplyImmediately: true, AuthToken: T2, AuthTokenUpdateStrategy: "SET" }));
    await waitReplicationGroupAvailable(client, ID);
    await expectNoDiff();
    expect(await connect(primary, T2, noRetry).get("before-updates")).toBe("kept");
    const refused = await connect(primary, T1, noRetry)
      .get("before-updates")
      .then(
        () => "accepted",
        (e: Error) => e.message,
      );
    expect(refused).toMatch(/WRONGPASS|NOAUTH|invalid/i);
  });

  it("num_cache_clusters 4 -> 2: DecreaseReplicaCount(n-1), last in the apply, with the member clusters waiter", async () => {
    const before = (await waitReplicationGroupAvailable(client, ID)).NodeGroups![0]!;
    // The node type change above ended with a planned failover: the primary may be any member now.
    const primary = before.NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId!;
    const oldestReplica = before.NodeGroupMembers!.map((m) => m.CacheClusterId!).filter((id) => id !== primary).sort()[0]!;
    await client.send(new DecreaseReplicaCountCommand({ ReplicationGroupId: ID, NewReplicaCount: 1, ApplyImmediately: true }));
    await waitReplicationGroupMemberClustersAvailable(client, ID);
    const after = await waitReplicationGroupAvailable(client, ID);
    config.num_cache_clusters = 2;
    config.replicas_per_node_group = 1;
    const state = await expectNoDiff();
    // The newest replicas go; the primary stays where it was.
    expect(state.member_clusters).toEqual([primary, oldestReplica].sort());
    expect(after.NodeGroups![0]!.NodeGroupMembers!.find((m) => m.CurrentRole === "primary")!.CacheClusterId).toBe(primary);
    remaining = state.member_clusters as string[];
  });

  it("destroys with a final snapshot and the deleted waiter; the members go with it", async () => {
    const deleted = await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: ID, FinalSnapshotIdentifier: "tf-rg-final" }));
    expect(deleted.ReplicationGroup?.Status).toBe("deleting");
    await waitReplicationGroupDeleted(client, ID);
    expect(remaining).toHaveLength(2);
    for (const member of remaining) {
      const gone = await orNotFound(async () => {
        const c = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: member }))).CacheClusters?.[0];
        return c ? { status: c.CacheClusterStatus!, value: c } : undefined;
      }, ["CacheClusterNotFoundFault", "CacheClusterNotFound"]);
      expect(gone.status).toBe("NotFound");
    }
    const snapshot = await stateChange({
      what: "final snapshot available",
      pending: ["creating"],
      target: ["available"],
      refresh: async () => {
        const s = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: "tf-rg-final" }))).Snapshots![0];
        return { status: s.SnapshotStatus!, value: s };
      },
    });
    expect(snapshot.value).toMatchObject({ ReplicationGroupId: ID, CacheNodeType: "cache.t3.small", Engine: "redis", SnapshotSource: "manual" });
  });
});
