/** CreateCacheCluster: a standalone Memcached, Redis OSS or Valkey cluster on real engines. */
import { defaultEngineVersion } from "../../catalog/catalog.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { buildArn } from "../../state/arn.js";
import { subnetGroupZones } from "../../state/network.js";
import type { CacheClusterRecord, CacheNodeRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { cacheClusterToWire } from "../../state/to-wire.js";
import { accessAtCreate } from "../shared/access-rules.js";
import { checkNodeCapacity, groupNodePorts, nodePortsOf, NODES_PER_MEMCACHED_CLUSTER } from "../shared/capacity.js";
import type { ActionContext, ActionHandler, ActionInput } from "../shared/context.js";
import { defaultSettings } from "../shared/default-settings.js";
import { checkClusterId, checkEngine, checkEngineVersion, checkNodeType, checkParameterGroup, checkPort } from "../shared/engine-rules.js";
import { findReplicationGroup, requireGroupAvailable, findSubnetGroup, insertResource, requireNew } from "../shared/lookups.js";
import { addMember } from "../shared/member-clusters.js";
import { checkCacheSecurityGroups, checkSubnetGroup } from "../shared/network-rules.js";
import { restoreSource } from "../shared/restore-source.js";
import { checkTags, storeTags } from "../shared/tags.js";
import { checkTlsAvailable, transitEncryptionOnCreate } from "../shared/transit-encryption-rules.js";
import { checkNumCacheNodes, nodeIdFor, placeNodes, preferredZoneOf } from "./cluster-rules.js";

export const createCacheCluster: ActionHandler<"CreateCacheCluster"> = async (ctx, input) => {
  const id = checkClusterId(input.CacheClusterId);
  if (input.ReplicationGroupId !== undefined) return addReplicaToGroup(ctx, id, input);
  // A restore brings the snapshot's engine, version and node type unless the request says otherwise.
  const restore = input.Engine?.toLowerCase() === "memcached" ? undefined : restoreSource(ctx, input);
  const restored = restore?.snapshot?.info;
  const engine = checkEngine(input.Engine ?? restored?.engine);
  const version = checkEngineVersion(engine, input.EngineVersion ?? restored?.engineVersion ?? defaultEngineVersion(engine));
  const nodeType = checkNodeType(input.CacheNodeType ?? restored?.cacheNodeType);
  const numNodes = input.NumCacheNodes ?? 1;
  checkNumCacheNodes(engine, numNodes);
  if (input.Port !== undefined) checkPort(input.Port);
  const parameterGroupName = checkParameterGroup(
    ctx.state,
    input.CacheParameterGroupName ?? `default.${version.CacheParameterGroupFamily}`,
    version,
  );
  const subnetGroupName = checkSubnetGroup(ctx.state, input.CacheSubnetGroupName ?? "default");
  const cacheSecurityGroupNames = checkCacheSecurityGroups(ctx.state, input.CacheSecurityGroupNames ?? [], {
    cacheSubnetGroupName: input.CacheSubnetGroupName,
    securityGroupIds: input.SecurityGroupIds,
  });
  checkTags(input.Tags ?? []);
  if (engine === "memcached" && (input.SnapshotArns?.length || input.SnapshotName || input.SnapshotRetentionLimit)) {
    throw commonErrors.invalidParameterCombination("Snapshots are not supported for the memcached engine.");
  }
  if (engine !== "memcached" && input.AZMode === "cross-az") {
    throw commonErrors.invalidParameterCombination("AZMode cross-az is only valid for the memcached engine.");
  }
  const transit = transitEncryptionOnCreate(engine, version.EngineVersion, input.TransitEncryptionEnabled);
  checkTlsAvailable(ctx, engine, version.EngineVersion, transit.enabled);
  const access = accessAtCreate(ctx.state, input, { engine, engineVersion: version.EngineVersion }, transit.enabled);
  if (restore && restore.sources.length !== 1) {
    throw commonErrors.invalidParameterValue("A cache cluster is restored from exactly one RDB file: use CreateReplicationGroup for a snapshot of several node groups.");
  }
  const azs = input.PreferredAvailabilityZones ?? [];
  if (azs.length > 0 && azs.length !== numNodes) {
    throw commonErrors.invalidParameterValue(
      `The number of PreferredAvailabilityZones (${azs.length}) must equal NumCacheNodes (${numNodes}).`,
    );
  }
  requireNew(resources.cluster, ctx.state, id);
  checkNodeCapacity(ctx, {
    addedNodes: numNodes,
    addedEndpoints: engine === "memcached" ? 1 : 0,
    cluster: { id, nodesAfter: numNodes, limit: NODES_PER_MEMCACHED_CLUSTER },
    portsPerNode: nodePortsOf(ctx.services.config.memcachedNodeDiscovery, { engine, transitEncryption: transit.mode, iamFront: false }),
  });

  const now = new Date();
  const subnetZones = subnetGroupZones(ctx.region, findSubnetGroup(ctx.state, subnetGroupName));
  const defaultAz = input.PreferredAvailabilityZone ?? azs[0] ?? subnetZones[0];
  const zones = placeNodes(numNodes, { asked: azs, crossAz: input.AZMode === "cross-az", zones: subnetZones, used: [], single: defaultAz });
  const nodes: CacheNodeRecord[] = zones.map((zone, i) => ({
    id: nodeIdFor(i + 1),
    status: "creating",
    createTime: now,
    port: 0,
    availabilityZone: zone,
    parameterGroupStatus: "in-sync",
  }));
  const shared = defaultSettings(input);
  const cluster: CacheClusterRecord = {
    id,
    arn: buildArn(ctx.region, ctx.accountId, "cluster", id),
    engine,
    engineVersion: version.EngineVersion,
    cacheNodeType: nodeType,
    status: "creating",
    createTime: now,
    nodes,
    requestedPort: input.Port,
    // One literal with every field, not a spread of `shared`: a spread settings object made
    // every read of it in cacheClusterToWire 2.3x slower (bench row 3).
    settings: {
      securityGroupIds: shared.securityGroupIds,
      preferredMaintenanceWindow: shared.preferredMaintenanceWindow,
      notificationTopicArn: shared.notificationTopicArn,
      autoMinorVersionUpgrade: shared.autoMinorVersionUpgrade,
      snapshotRetentionLimit: shared.snapshotRetentionLimit,
      networkType: shared.networkType,
      ipDiscovery: shared.ipDiscovery,
      logDeliveryConfigurations: shared.logDeliveryConfigurations,
      preferredAvailabilityZone: preferredZoneOf(zones, defaultAz),
      azMode: input.AZMode,
      cacheParameterGroupName: parameterGroupName,
      cacheSubnetGroupName: subnetGroupName,
      cacheSecurityGroupNames,
      snapshotWindow: input.SnapshotWindow ?? (engine === "memcached" ? undefined : "00:30-01:30"),
      transitEncryptionEnabled: transit.enabled,
      transitEncryptionMode: transit.mode,
      authTokenEnabled: access.authTokenHashes.length > 0,
      outpostMode: input.OutpostMode,
      preferredOutpostArn: input.PreferredOutpostArn,
    },
    pending: {},
    nextNodeNumber: numNodes + 1,
    access: engine === "memcached" ? undefined : access,
    restore: restore && { sources: restore.sources },
  };
  insertResource(resources.cluster, ctx, cluster, input.Tags);
  ctx.services.clusters.create(ctx.state, cluster);
  // The snapshot shows `restoring` until the cluster is created (or `restore-failed`: a damaged RDB).
  if (restore?.snapshot) ctx.services.snapshots.restoring(restore.snapshot, ctx.services.clusters.settled(cluster));
  return { CacheCluster: cacheClusterToWire(cluster, { advertisedHost: ctx.services.config.advertisedHost, showCacheNodeInfo: false }) };
};

/**
 * CreateCacheCluster with ReplicationGroupId: the new cluster joins a cluster mode disabled
 * group as a read replica, with the group's engine, version and node type.
 */
async function addReplicaToGroup(ctx: ActionContext, id: string, input: ActionInput<"CreateCacheCluster">) {
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId!);
  if (group.clusterEnabled) {
    throw commonErrors.invalidParameterCombination("CreateCacheCluster is not supported for a cluster mode enabled replication group.");
  }
  requireGroupAvailable(group);
  requireNew(resources.cluster, ctx.state, id);
  checkTags(input.Tags ?? []);
  const nodeGroup = group.nodeGroups[0];
  // A primary and at most 5 replicas.
  checkNodeCapacity(ctx, { addedNodes: 1, cluster: { id: group.id, nodesAfter: nodeGroup.memberClusterIds.length + 1, limit: 6 }, portsPerNode: groupNodePorts(ctx, group) });
  const cluster = addMember(ctx, group, nodeGroup, "replica", input.PreferredAvailabilityZone, id);
  storeTags(ctx, cluster.arn, input.Tags);
  group.status = "modifying";
  nodeGroup.status = "modifying";
  ctx.services.replication.addReplicas(ctx.state, group, [cluster]);
  return { CacheCluster: cacheClusterToWire(cluster, { advertisedHost: ctx.services.config.advertisedHost, showCacheNodeInfo: false }) };
}
