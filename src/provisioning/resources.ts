/**
 * What provisioning needs to know of each kind of resource an operation answers with: how
 * to read it back (its Describe operation, id member and list), which member holds its status,
 * and which statuses end a wait. Read through the same service dispatch as any API request.
 */
import type { ServiceModel } from "../protocol/model.js";

export interface ResourceKind {
  /** The output member (or output shape) that holds it: "ReplicationGroup". */
  member: string;
  describe: string;
  /** Its id member, in the resource and in the Describe input. */
  id: string;
  /** The Describe output's list. */
  list: string;
  /** Its status member; undefined for resources that have none (parameter groups). */
  status?: string;
}

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  { member: "ReplicationGroup", describe: "DescribeReplicationGroups", id: "ReplicationGroupId", list: "ReplicationGroups", status: "Status" },
  { member: "CacheCluster", describe: "DescribeCacheClusters", id: "CacheClusterId", list: "CacheClusters", status: "CacheClusterStatus" },
  { member: "User", describe: "DescribeUsers", id: "UserId", list: "Users", status: "Status" },
  { member: "UserGroup", describe: "DescribeUserGroups", id: "UserGroupId", list: "UserGroups", status: "Status" },
  { member: "Snapshot", describe: "DescribeSnapshots", id: "SnapshotName", list: "Snapshots", status: "SnapshotStatus" },
  { member: "ServerlessCache", describe: "DescribeServerlessCaches", id: "ServerlessCacheName", list: "ServerlessCaches", status: "Status" },
  {
    member: "ServerlessCacheSnapshot",
    describe: "DescribeServerlessCacheSnapshots",
    id: "ServerlessCacheSnapshotName",
    list: "ServerlessCacheSnapshots",
    status: "Status",
  },
  { member: "GlobalReplicationGroup", describe: "DescribeGlobalReplicationGroups", id: "GlobalReplicationGroupId", list: "GlobalReplicationGroups", status: "Status" },
  { member: "CacheParameterGroup", describe: "DescribeCacheParameterGroups", id: "CacheParameterGroupName", list: "CacheParameterGroups" },
  { member: "CacheSubnetGroup", describe: "DescribeCacheSubnetGroups", id: "CacheSubnetGroupName", list: "CacheSubnetGroups" },
  { member: "CacheSecurityGroup", describe: "DescribeCacheSecurityGroups", id: "CacheSecurityGroupName", list: "CacheSecurityGroups" },
];

/** A wait ends well on these (users and user groups are `active`, the rest `available`). */
export const READY_STATUSES = new Set(["available", "active"]);
/** A wait ends badly on these: the resource will not become available by itself. */
export const FAILED_STATUSES = new Set(["create-failed", "restore-failed", "failed", "incompatible-network", "incompatible-parameters", "deleting", "deleted"]);

export interface ResourceRef {
  kind: ResourceKind;
  id: string;
}

/** The resource an operation's output is about: a member named after a kind, or the output itself (CreateUser answers a User). */
export function resourceOf(model: ServiceModel, action: string, output: unknown): ResourceRef | undefined {
  if (typeof output !== "object" || output === null) return undefined;
  const outputShape = model.operation(action)?.output;
  for (const kind of RESOURCE_KINDS) {
    const candidate = outputShape === kind.member ? output : (output as Record<string, unknown>)[kind.member];
    const id = (candidate as Record<string, unknown> | undefined)?.[kind.id];
    if (typeof id === "string") return { kind, id };
  }
  return undefined;
}

/**
 * The resource a Create* (or CopySnapshot) entry makes, named in its input; undefined for an
 * operation that makes none or whose id is only known from its answer (global datastores).
 */
export function resourceCreatedBy(action: string, input: Record<string, unknown>): ResourceRef | undefined {
  if (action === "CopySnapshot" && typeof input.TargetSnapshotName === "string") {
    return { kind: RESOURCE_KINDS.find((k) => k.member === "Snapshot")!, id: input.TargetSnapshotName };
  }
  const kind = RESOURCE_KINDS.find((k) => action === `Create${k.member}`);
  const id = kind && input[kind.id];
  return kind && typeof id === "string" ? { kind, id } : undefined;
}

export function describeResource(ref: ResourceRef): string {
  return `${ref.kind.member} ${ref.id}`;
}
