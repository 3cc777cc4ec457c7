/**
 * CreateReplicationGroup: cluster mode disabled (one primary and its replicas) or enabled
 * (a real Redis Cluster of NumNodeGroups shards), on real engines.
 */
import { defaultEngineVersion } from "../../catalog/catalog.js";
import type { EngineKind } from "../../engines/engine.js";
import { evenSlots, formatSlots } from "../../engines/topology/index.js";
import { isManaged } from "../../lifecycle/node-acl.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { buildArn } from "../../state/arn.js";
import type { NodeGroupRecord, ReplicationGroupRecord, SnapshotSourceInfo } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { replicationGroupToWire } from "../../state/to-wire.js";
import { joinAsSecondary, planSecondary } from "../global-replication-groups/secondary.js";
import { accessAtCreate } from "../shared/access-rules.js";
import { checkNodeCapacity, nodePortsOf, NODES_PER_CLUSTER_MODE_GROUP } from "../shared/capacity.js";
import type { ActionContext, ActionHandler, ActionInput } from "../shared/context.js";
import { defaultSettings } from "../shared/default-settings.js";
import { checkEngine, checkEngineVersion, checkNodeType, checkParameterGroup, checkPort, isClusterModeGroup } from "../shared/engine-rules.js";
import { requireAvailable, findCluster, insertResource, requireNew } from "../shared/lookups.js";
import { addMember, memberClusterId } from "../shared/member-clusters.js";
import { checkCacheSecurityGroups, checkSubnetGroup } from "../shared/network-rules.js";
import { restoreSource } from "../shared/restore-source.js";
import { checkTags } from "../shared/tags.js";
import { checkTlsAvailable, transitEncryptionOnCreate } from "../shared/transit-encryption-rules.js";
import { checkReplicaCount, checkReplicationGroupId, checkSlotCoverage, MAX_NODE_GROUPS, parseSlotsParameter } from "./replication-group-rules.js";

type Input = ActionInput<"CreateReplicationGroup">;

/** What the request asks for, once its cross-field rules hold. */
interface Layout {
  clusterEnabled: boolean;
  shards: Array<{ id: string; replicas: number; slots?: string; primaryAz?: string; replicaAzs: string[] }>;
}

export const createReplicationGroup: ActionHandler<"CreateReplicationGroup"> = async (ctx, request) => {
  const id = checkReplicationGroupId(request.ReplicationGroupId);
  // A secondary of a global datastore takes its engine, version, node type and layout from the primary.
  const secondary = request.GlobalReplicationGroupId !== undefined ? planSecondary(ctx, request) : undefined;
  const input = secondary?.input ?? request;
  const restore = restoreSource(ctx, input);
  if (restore && input.PrimaryClusterId !== undefined) {
    throw commonErrors.invalidParameterCombination("PrimaryClusterId cannot be combined with SnapshotName or SnapshotArns.");
  }
  const restored = restore?.snapshot?.info;

  const primary = input.PrimaryClusterId !== undefined ? existingPrimary(ctx, input) : undefined;
  const engine = primary?.engine ?? checkEngine(input.Engine ?? restored?.engine ?? restore?.serverlessSnapshot?.cache.engine ?? "redis");
  if (engine === "memcached") throw commonErrors.invalidParameterValue("The engine of a replication group must be redis or valkey.");
  const version = checkEngineVersion(engine, primary?.engineVersion ?? input.EngineVersion ?? restored?.engineVersion ?? defaultEngineVersion(engine));
  const nodeType = primary?.cacheNodeType ?? checkNodeType(input.CacheNodeType ?? restored?.cacheNodeType);
  const transit = transitEncryptionOnCreate(engine, version.EngineVersion, input.TransitEncryptionEnabled, input.TransitEncryptionMode);
  checkTlsAvailable(ctx, engine, version.EngineVersion, transit.enabled);
  if (primary && (primary.settings.transitEncryptionEnabled !== transit.enabled || (transit.enabled && primary.settings.transitEncryptionMode !== transit.mode))) {
    throw commonErrors.invalidParameterCombination(`TransitEncryptionEnabled and TransitEncryptionMode must match those of the primary cluster ${primary.id}.`);
  }
  const layout = planLayout(ctx, restoredLayout(input, restored), Boolean(primary));
  const parameterGroupName = checkParameterGroup(
    ctx.state,
    input.CacheParameterGroupName ?? `default.${version.CacheParameterGroupFamily}${layout.clusterEnabled ? ".cluster.on" : ""}`,
    version,
    layout.clusterEnabled,
  );
  const subnetGroupName = checkSubnetGroup(ctx.state, input.CacheSubnetGroupName ?? "default");
  const cacheSecurityGroupNames = checkCacheSecurityGroups(ctx.state, input.CacheSecurityGroupNames ?? [], {
    cacheSubnetGroupName: input.CacheSubnetGroupName,
    securityGroupIds: input.SecurityGroupIds,
  });
  checkTags(input.Tags ?? []);
  if (input.Port !== undefined) checkPort(input.Port);

  const nodes = layout.shards.reduce((n, s) => n + 1 + s.replicas, 0);
  const automaticFailover = input.AutomaticFailoverEnabled ?? layout.clusterEnabled;
  if (automaticFailover && !layout.clusterEnabled && nodes < 2) {
    throw commonErrors.invalidParameterCombination(
      "When using automatic failover, there must be at least 2 cache clusters in the replication group.",
    );
  }
  if (layout.clusterEnabled && input.AutomaticFailoverEnabled === false) {
    throw commonErrors.invalidParameterValue("Redis with cluster mode enabled cannot be created with auto failover turned off.");
  }
  if (input.MultiAZEnabled && !automaticFailover) {
    throw commonErrors.invalidParameterCombination("Multi-AZ requires automatic failover to be enabled.");
  }
  const access = accessAtCreate(ctx.state, input, { engine, engineVersion: version.EngineVersion }, transit.enabled);
  requireNew(resources.replicationGroup, ctx.state, id);
  checkNodeCapacity(ctx, {
    // An existing primary keeps its node.
    addedNodes: nodes - (primary ? 1 : 0),
    addedEndpoints: layout.clusterEnabled ? 1 : 2,
    cluster: { id, nodesAfter: nodes, limit: layout.clusterEnabled ? NODES_PER_CLUSTER_MODE_GROUP : nodes },
    portsPerNode: nodePortsOf(ctx.services.config.memcachedNodeDiscovery, {
      engine,
      transitEncryption: transit.mode,
      iamFront: transit.enabled && access.userGroupIds.length > 0,
    }),
  });

  const shared = defaultSettings(input);
  const group: ReplicationGroupRecord = {
    id,
    arn: buildArn(ctx.region, ctx.accountId, "replicationgroup", id),
    description: input.ReplicationGroupDescription,
    status: "creating",
    engine: engine as Exclude<EngineKind, "memcached">,
    engineVersion: version.EngineVersion,
    cacheNodeType: nodeType,
    clusterEnabled: layout.clusterEnabled,
    clusterMode: input.ClusterMode ?? (layout.clusterEnabled ? "enabled" : "disabled"),
    automaticFailover,
    multiAZ: input.MultiAZEnabled ?? false,
    createTime: new Date(),
    nodeGroups: [],
    requestedPort: input.Port,
    endpoints: {},
    // One literal with every field, not a spread (see create-cache-cluster.ts).
    settings: {
      securityGroupIds: shared.securityGroupIds,
      preferredMaintenanceWindow: shared.preferredMaintenanceWindow,
      notificationTopicArn: shared.notificationTopicArn,
      autoMinorVersionUpgrade: shared.autoMinorVersionUpgrade,
      snapshotRetentionLimit: shared.snapshotRetentionLimit,
      networkType: shared.networkType,
      ipDiscovery: shared.ipDiscovery,
      logDeliveryConfigurations: shared.logDeliveryConfigurations,
      cacheParameterGroupName: parameterGroupName,
      cacheSubnetGroupName: subnetGroupName,
      cacheSecurityGroupNames,
      snapshotWindow: input.SnapshotWindow ?? "05:00-06:00",
      atRestEncryptionEnabled: input.AtRestEncryptionEnabled ?? false,
      transitEncryptionEnabled: transit.enabled,
      transitEncryptionMode: transit.mode,
      kmsKeyId: input.KmsKeyId,
      dataTiering: input.DataTieringEnabled ?? false,
    },
    pending: {},
    nextNodeGroupNumber: layout.shards.length + 1,
    access,
  };
  const memberIds = layout.shards.flatMap((s) => Array.from({ length: 1 + s.replicas }, (_, i) => memberClusterId(group, s.id, i + 1)));
  const clash = memberIds.find((m) => m !== primary?.id && ctx.state.clusters.has(m));
  if (clash) throw resources.cluster.alreadyExists!(clash);

  for (const shard of layout.shards) {
    const nodeGroup: NodeGroupRecord = {
      id: shard.id,
      status: "creating",
      slots: shard.slots,
      primaryClusterId: "",
      memberClusterIds: [],
      nextMemberNumber: 1,
    };
    group.nodeGroups.push(nodeGroup);
    if (primary) {
      // An existing cluster becomes the primary and keeps its data.
      primary.member = { replicationGroupId: id, nodeGroupId: nodeGroup.id, role: "primary" };
      nodeGroup.memberClusterIds.push(primary.id);
      nodeGroup.primaryClusterId = primary.id;
      nodeGroup.nextMemberNumber = 2; // the primary stands in for member 001
    } else {
      addMember(ctx, group, nodeGroup, "primary", shard.primaryAz);
    }
    for (let r = 0; r < shard.replicas; r++) addMember(ctx, group, nodeGroup, "replica", shard.replicaAzs[r]);
  }
  // The plan stays on the record until the group is created (lifecycle/data-restore.ts applies it).
  if (restore) group.restore = { sources: restore.sources };
  insertResource(resources.replicationGroup, ctx, group, input.Tags);
  ctx.services.replication.create(ctx.state, group);
  if (secondary) joinAsSecondary(ctx, secondary, group);
  if (primary && (isManaged(access) || isManaged(primary.access))) ctx.services.access.adoptPrimary(ctx.state, group);
  if (restore?.snapshot) ctx.services.snapshots.restoring(restore.snapshot, ctx.services.replication.settled(group));
  if (restore?.serverlessSnapshot) ctx.services.serverlessSnapshots.restoring(restore.serverlessSnapshot, ctx.services.replication.settled(group));
  return { ReplicationGroup: replicationGroupToWire(group, (m) => ctx.state.clusters.get(m), ctx.services.config.advertisedHost) };
};

/** PrimaryClusterId: an available standalone Redis/Valkey cluster; its engine, version and node type are the group's. */
function existingPrimary(ctx: ActionContext, input: Input) {
  if (input.Engine !== undefined || input.EngineVersion !== undefined || input.CacheNodeType !== undefined) {
    throw commonErrors.invalidParameterCombination(
      "Engine, EngineVersion and CacheNodeType cannot be given together with PrimaryClusterId: they come from the primary.",
    );
  }
  const cluster = findCluster(ctx.state, input.PrimaryClusterId!);
  if (cluster.engine === "memcached") throw commonErrors.invalidParameterValue(`Cache cluster ${cluster.id} is a memcached cluster.`);
  if (cluster.member) throw commonErrors.invalidParameterValue(`Cache cluster ${cluster.id} already belongs to replication group ${cluster.member.replicationGroupId}.`);
  requireAvailable(cluster);
  return cluster;
}

/** Restoring a cluster mode enabled snapshot without a layout of one's own: its number of node groups. */
function restoredLayout(input: Input, restored: SnapshotSourceInfo | undefined): Input {
  const ownLayout =
    input.NumNodeGroups !== undefined ||
    input.NodeGroupConfiguration?.length ||
    input.ClusterMode !== undefined ||
    input.CacheParameterGroupName !== undefined ||
    input.NumCacheClusters !== undefined;
  if (!restored?.clusterEnabled || ownLayout) return input;
  return { ...input, NumNodeGroups: restored.numNodeGroups, ClusterMode: "enabled" };
}

function planLayout(ctx: ActionContext, input: Input, hasPrimary: boolean): Layout {
  const configs = input.NodeGroupConfiguration ?? [];
  const numNodeGroups = input.NumNodeGroups ?? (configs.length || 1);
  const clusterEnabled =
    input.ClusterMode === "enabled" ||
    (input.CacheParameterGroupName !== undefined && isClusterModeGroup(ctx.state, input.CacheParameterGroupName)) ||
    numNodeGroups > 1;
  if (input.ClusterMode === "disabled" && clusterEnabled) {
    throw commonErrors.invalidParameterCombination("ClusterMode disabled cannot be combined with more than one node group or a cluster mode parameter group.");
  }
  if (!clusterEnabled) {
    if (input.NumCacheClusters !== undefined && input.ReplicasPerNodeGroup !== undefined) {
      throw commonErrors.invalidParameterCombination("Specify either NumCacheClusters or ReplicasPerNodeGroup, not both.");
    }
    const replicas = input.ReplicasPerNodeGroup ?? configs[0]?.ReplicaCount;
    const nodes = input.NumCacheClusters ?? (replicas !== undefined ? replicas + 1 : 1);
    if (nodes < 1 || nodes > 6) throw commonErrors.invalidParameterValue(`NumCacheClusters must be between 1 and 6, got ${nodes}.`);
    const azs = input.PreferredCacheClusterAZs ?? [];
    if (azs.length && azs.length !== nodes) {
      throw commonErrors.invalidParameterValue(`The number of PreferredCacheClusterAZs (${azs.length}) must equal NumCacheClusters (${nodes}).`);
    }
    return { clusterEnabled, shards: [{ id: "0001", replicas: nodes - 1, primaryAz: azs[0], replicaAzs: azs.slice(1) }] };
  }
  if (hasPrimary) throw commonErrors.invalidParameterCombination("PrimaryClusterId is not valid for a cluster mode enabled replication group.");
  if (input.NumCacheClusters !== undefined) {
    throw commonErrors.invalidParameterCombination("NumCacheClusters is not valid for a cluster mode enabled replication group; use NumNodeGroups and ReplicasPerNodeGroup.");
  }
  if (numNodeGroups < 1 || numNodeGroups > MAX_NODE_GROUPS) {
    throw commonErrors.invalidParameterValue(`NumNodeGroups must be between 1 and ${MAX_NODE_GROUPS}, got ${numNodeGroups}.`);
  }
  if (configs.length && configs.length !== numNodeGroups) {
    throw commonErrors.invalidParameterValue(`NodeGroupConfiguration has ${configs.length} entries but NumNodeGroups is ${numNodeGroups}.`);
  }
  const defaultReplicas = input.ReplicasPerNodeGroup ?? 0;
  checkReplicaCount(defaultReplicas, "ReplicasPerNodeGroup");
  const even = evenSlots(numNodeGroups);
  const shards = Array.from({ length: numNodeGroups }, (_, i) => {
    const config = configs[i];
    const replicas = config?.ReplicaCount ?? defaultReplicas;
    checkReplicaCount(replicas, "ReplicaCount");
    return {
      id: config?.NodeGroupId ?? String(i + 1).padStart(4, "0"),
      replicas,
      slots: config?.Slots,
      primaryAz: config?.PrimaryAvailabilityZone,
      replicaAzs: config?.ReplicaAvailabilityZones ?? [],
      evenSlots: even[i],
    };
  });
  if (new Set(shards.map((s) => s.id)).size !== shards.length) throw commonErrors.invalidParameterValue("NodeGroupId values must be unique.");
  const anySlots = shards.some((s) => s.slots !== undefined);
  if (anySlots) {
    if (shards.some((s) => s.slots === undefined)) throw commonErrors.invalidParameterValue("Slots must be given for every node group or for none.");
    checkSlotCoverage(shards.map((s) => parseSlotsParameter(s.slots!)));
  }
  return {
    clusterEnabled,
    shards: shards.map(({ evenSlots: even, ...s }) => ({ ...s, slots: formatSlots(anySlots ? parseSlotsParameter(s.slots!) : even) })),
  };
}
