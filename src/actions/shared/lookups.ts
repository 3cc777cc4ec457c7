/**
 * Finding the resources a request names, through the resource registry (state/resources.ts):
 * one way to look up, to refuse a missing or an existing one, and to check a quota, with
 * each kind's own errors. Families call the named helpers below; none keeps its own copy.
 */
import { clipValue } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { ParameterGroupView } from "../../state/parameter-groups.js";
import type { CacheClusterRecord, NodeGroupRecord, ReplicationGroupRecord, SnapshotRecord, UserGroupRecord, UserRecord } from "../../state/records.js";
import { type CacheSecurityGroupRecord, type SubnetGroupRecord } from "../../state/records.js";
import { collectionOf, lookupResource, resources, type ResourceKind } from "../../state/resources.js";
import type { RegionState } from "../../state/store.js";
import type { ActionContext } from "./context.js";
import { materializeSystemIamAccess } from "./public-iam-access.js";
import { storeTags, type TagInput, type TagScope } from "./tags.js";

/** The resource, or the kind's not-found error. */
export function requireResource<R>(kind: ResourceKind<R>, state: RegionState, id: string): R {
  const found = lookupResource(kind, state, id);
  if (found === undefined) throw kind.notFound(id);
  return found;
}

/** Refuses an id already taken by a resource of the kind (its already-exists error). */
export function requireNew<R>(kind: ResourceKind<R>, state: RegionState, id: string): void {
  if (lookupResource(kind, state, id) !== undefined) throw kind.alreadyExists!(id);
}

/** Refuses one more resource of the kind beyond its quota. */
export function checkQuota<R>(kind: ResourceKind<R>, ctx: Pick<ActionContext, "state" | "services">): void {
  if (!kind.quota) return;
  const limit = kind.quota.limit(ctx.services.config);
  if ((collectionOf(kind, ctx.state)?.size ?? 0) >= limit) throw kind.quota.exceeded(limit);
}

/** Stores a new resource in its collection, with the tags its Create request gave. */
export function insertResource<R>(kind: ResourceKind<R>, ctx: TagScope, record: R, tags?: TagInput[]): void {
  collectionOf(kind, ctx.state)!.set(kind.idOf!(record), record);
  storeTags(ctx, kind.arnOf!(record), tags);
}

/** Removes a resource and its tags. */
export function removeResource<R>(kind: ResourceKind<R>, state: RegionState, record: R): void {
  collectionOf(kind, state)?.delete(kind.idOf!(record));
  state.tags.delete(kind.arnOf!(record));
}

export const findCluster = (state: RegionState, id: string): CacheClusterRecord => requireResource(resources.cluster, state, id);
export const findReplicationGroup = (state: RegionState, id: string): ReplicationGroupRecord =>
  requireResource(resources.replicationGroup, state, id);
export const findSnapshot = (state: RegionState, name: string): SnapshotRecord => requireResource(resources.snapshot, state, name);
/** Users and user groups: AWS's system-managed IAM pair appears when first named (public-iam-access.ts). */
export const findUser = (state: RegionState, id: string): UserRecord => {
  materializeSystemIamAccess(state, id);
  return requireResource(resources.user, state, id);
};
export const findUserGroup = (state: RegionState, id: string): UserGroupRecord => {
  materializeSystemIamAccess(state, id);
  return requireResource(resources.userGroup, state, id);
};
export const findSubnetGroup = (state: RegionState, name: string): SubnetGroupRecord => requireResource(resources.subnetGroup, state, name);
export const findCacheSecurityGroup = (state: RegionState, name: string): CacheSecurityGroupRecord =>
  requireResource(resources.securityGroup, state, name);
/**
 * A parameter group a request acts on or names (Modify, Reset, Delete; a cluster's or a
 * replication group's CacheParameterGroupName). AWS words its absence there
 * "CacheParameterGroup not found: X", and in DescribeCacheParameterGroups /
 * DescribeCacheParameters "CacheParameterGroup X not found." (the registry's not-found).
 */
export function requireParameterGroup(state: RegionState, name: string): ParameterGroupView {
  const found = lookupResource(resources.parameterGroup, state, name);
  if (found === undefined) throw modelError("CacheParameterGroupNotFoundFault", `CacheParameterGroup not found: ${clipValue(name)}`);
  return found;
}
/** A parameter group a Describe action names. */
export const describedParameterGroup = (state: RegionState, name: string): ParameterGroupView =>
  requireResource(resources.parameterGroup, state, name);

export function requireAvailable(cluster: CacheClusterRecord): void {
  if (cluster.status !== "available") {
    throw modelError(
      "InvalidCacheClusterStateFault",
      `Cache cluster ${cluster.id} is not in the available state (current status: ${cluster.status}).`,
    );
  }
}

export function requireGroupAvailable(group: ReplicationGroupRecord): void {
  if (group.status !== "available") {
    throw modelError(
      "InvalidReplicationGroupStateFault",
      `Replication group ${group.id} is not in the available state (current status: ${group.status}).`,
    );
  }
}

export function findNodeGroup(group: ReplicationGroupRecord, nodeGroupId: string): NodeGroupRecord {
  const ng = group.nodeGroups.find((n) => n.id === nodeGroupId);
  if (!ng) throw modelError("NodeGroupNotFoundFault", `Node group ${nodeGroupId} not found in replication group ${group.id}.`);
  return ng;
}

export function requireUserActive(user: UserRecord): void {
  if (user.status !== "active") throw modelError("InvalidUserStateFault", `User ${user.id} is not in the active state (current status: ${user.status}).`);
}

export function requireUserGroupActive(group: UserGroupRecord): void {
  if (group.status !== "active") {
    throw modelError("InvalidUserGroupStateFault", `User group ${group.id} is not in the active state (current status: ${group.status}).`);
  }
}
