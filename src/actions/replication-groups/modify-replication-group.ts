/**
 * ModifyReplicationGroup: settings are recorded at once; a new primary, node type or engine
 * version change the engines (ApplyImmediately, or a pending change otherwise).
 */
import { applyPendingNodeType, deferNodeType, pendingNodeType, takeNodeType } from "../../lifecycle/node-type-change.js";
import { applyGroupSwitch } from "../../lifecycle/parameter-apply.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { mirrorGroupSettings } from "../../state/member-settings.js";
import type { CacheClusterRecord, ReplicationGroupRecord } from "../../state/records.js";
import type { RegionState } from "../../state/store.js";
import { replicationGroupToWire } from "../../state/to-wire.js";
import { modifyAccess } from "../shared/access-rules.js";
import type { ActionContext, ActionHandler, ActionInput, Services } from "../shared/context.js";
import { checkEngine, checkEngineVersion, checkNodeType, checkParameterGroup, checkParameterGroupSwitch } from "../shared/engine-rules.js";
import { findCluster, findReplicationGroup, requireGroupAvailable } from "../shared/lookups.js";
import { recordSharedSettings } from "../shared/modify-settings.js";
import { checkNodeTypeChange } from "../shared/node-type-rules.js";
import { checkCacheSecurityGroups } from "../shared/network-rules.js";
import { checkTlsAvailable, transitEncryptionOnModify } from "../shared/transit-encryption-rules.js";
import { members } from "./replication-group-rules.js";

type Input = ActionInput<"ModifyReplicationGroup">;

export const modifyReplicationGroup: ActionHandler<"ModifyReplicationGroup"> = async (ctx, input) => {
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
  requireGroupAvailable(group);
  if (input.ClusterMode !== undefined && input.ClusterMode !== group.clusterMode) throw commonErrors.notSupportedYet("Changing ClusterMode");

  const automaticFailover = input.AutomaticFailoverEnabled ?? group.automaticFailover;
  const multiAZ = input.MultiAZEnabled ?? group.multiAZ;
  checkFailoverSettings(group, automaticFailover, multiAZ);
  const newPrimary = input.PrimaryClusterId !== undefined ? checkNewPrimary(ctx, group, input.PrimaryClusterId) : undefined;
  const engine = input.Engine !== undefined ? checkEngine(input.Engine) : group.engine;
  if (engine !== group.engine && !(group.engine === "redis" && engine === "valkey")) {
    throw commonErrors.invalidParameterCombination(`Cannot change the engine from ${group.engine} to ${engine}.`);
  }
  const applyNow = input.ApplyImmediately ?? false;
  // ApplyImmediately also applies an engine version that waits from an earlier request.
  const version = checkEngineVersion(engine, input.EngineVersion ?? (applyNow ? (pendingEngineVersion(ctx.state, group) ?? group.engineVersion) : group.engineVersion));
  // ApplyImmediately also applies a node type that waits from an earlier request.
  const nodeType = input.CacheNodeType !== undefined ? checkNodeType(input.CacheNodeType) : applyNow ? (pendingNodeType(ctx.state, group) ?? group.cacheNodeType) : group.cacheNodeType;
  if (input.CacheNodeType !== undefined) await checkNodeTypeChange(ctx, { group }, nodeType, input.EngineVersion);
  const previousGroup = group.settings.cacheParameterGroupName;
  const newGroup =
    input.CacheParameterGroupName !== undefined
      ? checkParameterGroup(ctx.state, input.CacheParameterGroupName, version, group.clusterEnabled)
      : undefined;
  if (newGroup !== undefined) checkParameterGroupSwitch(ctx.state, previousGroup, newGroup);
  checkCacheSecurityGroups(ctx.state, input.CacheSecurityGroupNames ?? [], { securityGroupIds: input.SecurityGroupIds });
  const transit = transitEncryptionOnModify(
    group.engine,
    group.engineVersion,
    { enabled: group.settings.transitEncryptionEnabled ?? false, mode: group.settings.transitEncryptionMode },
    input.TransitEncryptionEnabled,
    input.TransitEncryptionMode,
  );
  checkTlsAvailable(ctx, group.engine, group.engineVersion, transit?.enabled === true && !group.settings.transitEncryptionEnabled);

  const accessChanged = modifyAccess(ctx.state, group, input, transit?.enabled ?? group.settings.transitEncryptionEnabled ?? false);

  recordSettings(group, input);
  if (newGroup !== undefined) switchParameterGroup(ctx, group, newGroup);
  for (const member of members(ctx.state, group)) mirrorGroupSettings(group, member);
  group.automaticFailover = automaticFailover;
  group.multiAZ = multiAZ;
  const nodeTypeChanged = nodeType !== group.cacheNodeType;
  // An engine version change (not an engine change: Redis OSS -> Valkey applies at once) waits too.
  const versionWaits = !applyNow && engine === group.engine && version.EngineVersion !== group.engineVersion;
  const versionChanged = !versionWaits && (version.EngineVersion !== group.engineVersion || engine !== group.engine);
  // A node type change waits in the members' PendingModifiedValues unless ApplyImmediately.
  if (nodeTypeChanged && !applyNow) deferNodeType(ctx.state, group, nodeType);
  // The next maintenance window applies a waiting version (lifecycle/maintenance.ts); the members show it pending.
  if (versionWaits) for (const member of members(ctx.state, group)) member.pending = { ...member.pending, engineVersion: version.EngineVersion };
  const membersChanged = versionChanged || (nodeTypeChanged && applyNow);
  if (accessChanged) {
    // AUTH token and user group changes apply at once, whatever ApplyImmediately says.
    group.status = "modifying";
    ctx.services.replication.modifyAccess(ctx.state, group, async () => {
      await ctx.services.access.pushToGroup(ctx.state, group);
      group.access!.pending = undefined;
    });
  }
  if (!applyNow && newPrimary) {
    group.pending.primaryClusterId = newPrimary.id;
    return { ReplicationGroup: wire(ctx, group) };
  }
  if (nodeTypeChanged && applyNow) takeNodeType(ctx.state, group, nodeType);
  if (versionChanged) {
    group.engineVersion = version.EngineVersion;
    group.engine = engine as ReplicationGroupRecord["engine"];
    for (const member of members(ctx.state, group)) {
      member.engineVersion = version.EngineVersion;
      member.engine = engine;
      member.pending = { ...member.pending, engineVersion: undefined };
      member.status = "modifying";
    }
  }
  if (transit) {
    // Applied at once, as AWS does: the nodes restart with the new listeners and keep their
    // data; the group shows the change as pending until they run with it.
    group.pending.transitEncryption = transit;
    for (const member of members(ctx.state, group)) {
      member.settings.transitEncryptionEnabled = transit.enabled;
      member.settings.transitEncryptionMode = transit.mode;
      member.status = "modifying";
    }
  }
  if (membersChanged || newPrimary || transit) {
    group.status = "modifying";
    ctx.services.replication.modify(ctx.state, group, {
      newPrimary,
      membersChanged,
      nodeTypeChanged: nodeTypeChanged && applyNow,
      transitEncryptionChanged: transit !== undefined,
    });
  }
  return { ReplicationGroup: wire(ctx, group) };
};

/** The engine version waiting in the members' PendingModifiedValues, if any. */
function pendingEngineVersion(state: RegionState, group: ReplicationGroupRecord): string | undefined {
  return members(state, group).find((m) => m.pending.engineVersion !== undefined)?.pending.engineVersion;
}

/**
 * The group's maintenance window opened (lifecycle/maintenance.ts): what waits is applied as
 * ApplyImmediately would have: the node type through applyPendingNodeType
 * (lifecycle/node-type-change.ts: replicas first, each primary after a failover, keeping the
 * data), then the members' engine version and a new primary (PrimaryClusterId). False when
 * nothing waited.
 */
export function applyPendingGroupChanges(state: RegionState, services: Services, group: ReplicationGroupRecord): boolean {
  const nodeTypeApplied = applyPendingNodeType(services, state, group);
  const engineVersion = pendingEngineVersion(state, group);
  const primaryId = group.pending.primaryClusterId;
  const newPrimary = primaryId !== undefined ? state.clusters.get(primaryId) : undefined;
  group.pending.primaryClusterId = undefined;
  const primaryChanges = newPrimary !== undefined && newPrimary.member?.replicationGroupId === group.id && newPrimary.member.role !== "primary";
  if (engineVersion === undefined && !primaryChanges) return nodeTypeApplied || primaryId !== undefined;
  if (engineVersion !== undefined) {
    group.engineVersion = engineVersion;
    for (const member of members(state, group)) {
      member.engineVersion = engineVersion;
      member.pending = { ...member.pending, engineVersion: undefined };
      member.status = "modifying";
    }
  }
  group.status = "modifying";
  services.replication.modify(state, group, { newPrimary: primaryChanges ? newPrimary : undefined, membersChanged: engineVersion !== undefined });
  return true;
}

function checkFailoverSettings(group: ReplicationGroupRecord, automaticFailover: boolean, multiAZ: boolean): void {
  if (group.clusterEnabled && !automaticFailover) {
    throw commonErrors.invalidParameterCombination("Automatic failover cannot be disabled for a cluster mode enabled replication group.");
  }
  const nodes = group.nodeGroups[0].memberClusterIds.length;
  if (automaticFailover && !group.clusterEnabled && nodes < 2) {
    throw commonErrors.invalidParameterCombination("When using automatic failover, there must be at least 2 cache clusters in the replication group.");
  }
  if (multiAZ && !automaticFailover) throw commonErrors.invalidParameterCombination("Multi-AZ requires automatic failover to be enabled.");
}

/** PrimaryClusterId: a replica of this cluster mode disabled group becomes its primary. */
function checkNewPrimary(ctx: ActionContext, group: ReplicationGroupRecord, id: string): CacheClusterRecord | undefined {
  if (group.clusterEnabled) throw commonErrors.invalidParameterCombination("PrimaryClusterId is not valid for a cluster mode enabled replication group.");
  const cluster = findCluster(ctx.state, id);
  if (cluster.member?.replicationGroupId !== group.id) {
    throw commonErrors.invalidParameterValue(`Cache cluster ${id} is not a member of replication group ${group.id}.`);
  }
  return cluster.member.role === "primary" ? undefined : cluster;
}

/** Every member uses the group's parameter group; their engines take its immediate values at once. */
function switchParameterGroup(ctx: ActionContext, group: ReplicationGroupRecord, name: string): void {
  group.settings.cacheParameterGroupName = name;
  for (const member of members(ctx.state, group)) {
    if (member.settings.cacheParameterGroupName === name) continue;
    member.settings.cacheParameterGroupName = name;
    void applyGroupSwitch(ctx.state, (c) => ctx.services.clusters.engineNode(c), member, ctx.logger);
  }
}

function recordSettings(group: ReplicationGroupRecord, input: Input): void {
  recordSharedSettings(group.settings, input);
  if (input.ReplicationGroupDescription !== undefined) group.description = input.ReplicationGroupDescription;
  if (input.SnapshottingClusterId !== undefined) group.settings.snapshottingClusterId = input.SnapshottingClusterId;
}

function wire(ctx: ActionContext, group: ReplicationGroupRecord) {
  return replicationGroupToWire(group, (id) => ctx.state.clusters.get(id), ctx.services.config.advertisedHost);
}
