/**
 * The resource registry: every kind of ElastiCache resource, declared once. A declaration
 * says where the kind's records live (its collection in the region or account state), its
 * ARN resource type, the errors AWS answers when one is missing or already there, its
 * quota, how a record becomes an output shape, what the tag actions answer while a record
 * is in a status AWS does not tag in, how its records settle after a restart and which ports
 * they hold, and whether they are persisted.
 *
 * Lookups (actions/shared/lookups.ts), tags (actions/tags/), the state file
 * (state/persistence.ts) and recovery after a restart (lifecycle/recovery.ts) all read this
 * table, so a new family is its folder, its records, its lifecycle and one entry here.
 * Kinds AWS has whose family does not exist here yet are declared too, without a
 * collection: their ARNs answer their own not-found error.
 */
import type { EmulatorConfig } from "../config.js";
import { clipValue, type AwsError } from "../protocol/aws-error.js";
import { modelError } from "../service-errors/elasticache.js";
import type { ArnResourceType } from "./arn.js";
import { findParameterGroup, MAX_PARAMETER_GROUPS, type ParameterGroupView } from "./parameter-groups.js";
import type {
  CacheClusterRecord,
  CacheSecurityGroupRecord,
  GlobalReplicationGroupRecord,
  ReplicationGroupRecord,
  ReservedCacheNodeRecord,
  ServerlessCacheRecord,
  ServerlessSnapshotRecord,
  SnapshotRecord,
  SubnetGroupRecord,
  UserGroupRecord,
  UserRecord,
} from "./records.js";
import type { AccountState, RegionState } from "./store.js";
import {
  cacheClusterToWire,
  cacheSecurityGroupToWire,
  parameterGroupToWire,
  replicationGroupToWire,
  reservedCacheNodeToWire,
  serverlessCacheToWire,
  serverlessSnapshotToWire,
  snapshotToWire,
  subnetGroupToWire,
  userGroupToWire,
  userToWire,
} from "./to-wire.js";

/** Where a kind's records live: per account and region, or per account across regions (empty region in the ARN). */
export type Scope = "region" | "account";

/** What a record -> wire mapping may need beyond the record. */
export interface WireContext {
  state: RegionState;
  advertisedHost: string;
}

/** The fields of a state class that hold a collection of records by id. */
type CollectionName<S> = { [K in keyof S]: S[K] extends Map<string, unknown> ? K : never }[keyof S] & string;
export type RegionCollection = Exclude<CollectionName<RegionState>, "tags">;
export type AccountCollection = Exclude<CollectionName<AccountState>, "tags">;

export interface ResourceKind<R = unknown> {
  /** The ARN's resource type: arn:aws:elasticache:REGION:ACCOUNT:<arnType>:<id>. */
  readonly arnType: ArnResourceType;
  readonly scope: Scope;
  /** The collection holding the records; absent while the family does not exist here. */
  readonly collection?: RegionCollection | AccountCollection;
  /** The error AWS answers for a missing resource of this kind, with AWS's wording. */
  readonly notFound: (id: string) => AwsError;
  readonly alreadyExists?: (id: string) => AwsError;
  /** How many records of the kind a scope may hold, and AWS's error beyond it. */
  readonly quota?: { limit: (config: EmulatorConfig) => number; exceeded: (limit: number) => AwsError };
  /** An id as the collection keys it (most ids are stored lowercase). */
  readonly keyOf?: (id: string) => string;
  /** A lookup beyond the collection (AWS's built-in parameter groups); the collection otherwise. */
  readonly lookup?: (state: RegionState, id: string) => R | undefined;
  /** The record's key in its collection and its ARN. */
  readonly idOf?: (record: R) => string;
  readonly arnOf?: (record: R) => string;
  /** The record as Describe* and Create* return it. */
  readonly toWire?: (record: R, ctx: WireContext) => unknown;
  /**
   * After a restart: a record in the middle of a step without engines finishes it ("keep"),
   * or was being deleted and is gone ("remove"). Kinds with engines come back through their
   * lifecycle instead.
   */
  readonly settle?: (record: R) => "keep" | "remove";
  /** Ports the record's engines and endpoints listened on (reserved while they come back). */
  readonly ports?: (record: R) => number[];
  /** Brings a record written by an earlier version to today's shape, before anything reads it at start. */
  readonly upgrade?: (record: R) => void;
  /**
   * What AWS answers the tag actions (AddTagsToResource, RemoveTagsFromResource,
   * ListTagsForResource) on a record of the kind: `refuse` gives the error while the record
   * is in a state AWS does not tag in, and `notFound` replaces the kind's not-found error
   * where AWS words a missing resource differently there. Absent: always tagged.
   */
  readonly tagging?: { refuse?: (record: R) => AwsError | undefined; notFound?: (id: string) => AwsError };
  /** Saved in the data dir's state file and restored at start. */
  readonly persisted: boolean;
}

const lower = (id: string) => id.toLowerCase();

/**
 * AWS tags a cache cluster only while it is `available`; otherwise (creating, modifying,
 * snapshotting, rebooting, deleting, ...) and when it is missing, it answers that the
 * cluster is not there (CacheClusterNotFound, 404).
 */
const clusterNotTaggable = (id: string) => modelError("CacheClusterNotFoundFault", `${id} is either not present or not available.`);

function kind<R>(declaration: ResourceKind<R>): ResourceKind<R> {
  return declaration;
}

export const resources = {
  cluster: kind<CacheClusterRecord>({
    arnType: "cluster",
    scope: "region",
    collection: "clusters",
    keyOf: lower,
    idOf: (c) => c.id,
    arnOf: (c) => c.arn,
    notFound: (id) => modelError("CacheClusterNotFoundFault", `CacheCluster not found: ${id}`),
    alreadyExists: (id) => modelError("CacheClusterAlreadyExistsFault", `Cache cluster ${id} already exists.`),
    toWire: (c, ctx) => cacheClusterToWire(c, { advertisedHost: ctx.advertisedHost, showCacheNodeInfo: false }),
    tagging: {
      refuse: (c) => (c.status === "available" ? undefined : clusterNotTaggable(c.id)),
      notFound: clusterNotTaggable,
    },
    ports: (c) => [...c.nodes.map((n) => n.port), c.configurationEndpointPort ?? 0].filter((p) => p > 0),
    upgrade: upgradeClusterRecord,
    persisted: true,
  }),
  replicationGroup: kind<ReplicationGroupRecord>({
    arnType: "replicationgroup",
    scope: "region",
    collection: "replicationGroups",
    keyOf: lower,
    idOf: (g) => g.id,
    arnOf: (g) => g.arn,
    notFound: (id) => modelError("ReplicationGroupNotFoundFault", `ReplicationGroup not found: ${id}`),
    alreadyExists: (id) => modelError("ReplicationGroupAlreadyExistsFault", `Replication group ${id} already exists.`),
    toWire: (g, ctx) => replicationGroupToWire(g, (id) => ctx.state.clusters.get(id), ctx.advertisedHost),
    // The Terraform provider retries the tag actions on exactly this answer while a group settles.
    tagging: {
      refuse: (g) =>
        g.status === "available" ? undefined : modelError("InvalidReplicationGroupStateFault", "Cluster not in available state to perform tagging operations."),
    },
    ports: (g) => Object.values(g.endpoints).filter((p): p is number => Boolean(p)),
    persisted: true,
  }),
  /** Node-based snapshots, by name as given (names are case-sensitive). */
  snapshot: kind<SnapshotRecord>({
    arnType: "snapshot",
    scope: "region",
    collection: "snapshots",
    idOf: (s) => s.name,
    arnOf: (s) => s.arn,
    notFound: (name) => modelError("SnapshotNotFoundFault", `Snapshot ${name} not found.`),
    alreadyExists: (name) => modelError("SnapshotAlreadyExistsFault", `Snapshot ${name} already exists.`),
    quota: {
      limit: (config) => config.snapshotQuota,
      exceeded: (limit) => modelError("SnapshotQuotaExceededFault", `The request would exceed the snapshot quota of ${limit} snapshots.`),
    },
    toWire: (s) => snapshotToWire(s, { showNodeGroupConfig: false }),
    // A snapshot being taken was cut short (`failed`, as AWS reports one); copies and
    // restores it served are over; one being deleted ends deleted (a file left behind stays
    // in the snapshot store, unused).
    settle: (s) => {
      if (s.status === "deleting") return "remove";
      if (s.status === "creating") s.status = "failed";
      else if (s.status === "copying" || s.status === "restoring") s.status = "available";
      return "keep";
    },
    persisted: true,
  }),
  user: kind<UserRecord>({
    arnType: "user",
    scope: "region",
    collection: "users",
    keyOf: lower,
    idOf: (u) => u.id,
    arnOf: (u) => u.arn,
    notFound: (id) => modelError("UserNotFoundFault", `User ${id} not found.`),
    alreadyExists: (id) => modelError("UserAlreadyExistsFault", `User ${id} already exists.`),
    quota: {
      // AWS's quota of users per account and region.
      limit: () => 1000,
      exceeded: (limit) => modelError("UserQuotaExceededFault", `The quota of ${limit} users has been reached.`),
    },
    toWire: (u, ctx) => userToWire(u, ctx.state),
    // AWS tags a user only while it is `active` (terraform-provider-aws #34002, #47638: 404
    // "UserNotFound: <id> is not available for tagging" while a change is in progress).
    tagging: {
      refuse: (u) => (u.status === "active" ? undefined : modelError("UserNotFoundFault", `${u.id} is not available for tagging`)),
    },
    // Users reach the engines again as their nodes start, so a change in progress is done;
    // a deletion in progress ends deleted.
    settle: (u) => {
      if (u.status === "deleting") return "remove";
      u.status = "active";
      return "keep";
    },
    persisted: true,
  }),
  userGroup: kind<UserGroupRecord>({
    arnType: "usergroup",
    scope: "region",
    collection: "userGroups",
    keyOf: lower,
    idOf: (g) => g.id,
    arnOf: (g) => g.arn,
    notFound: (id) => modelError("UserGroupNotFoundFault", `User group ${id} not found.`),
    alreadyExists: (id) => modelError("UserGroupAlreadyExistsFault", `User group ${id} already exists.`),
    quota: {
      // AWS's quota of user groups per account and region.
      limit: () => 100,
      exceeded: (limit) => modelError("UserGroupQuotaExceededFault", `The quota of ${limit} user groups has been reached.`),
    },
    toWire: (g, ctx) => userGroupToWire(g, ctx.state),
    settle: (g) => {
      if (g.status === "deleting") return "remove";
      g.status = "active";
      g.pending = undefined;
      return "keep";
    },
    persisted: true,
  }),
  /** Custom groups are stored by lowercase name; AWS's `default.*` groups come from the catalogue. */
  parameterGroup: kind<ParameterGroupView>({
    arnType: "parametergroup",
    scope: "region",
    collection: "parameterGroups",
    lookup: findParameterGroup,
    idOf: (g) => g.name,
    arnOf: (g) => g.arn,
    notFound: (name) => modelError("CacheParameterGroupNotFoundFault", `CacheParameterGroup ${name} not found.`),
    alreadyExists: (name) => modelError("CacheParameterGroupAlreadyExistsFault", `Parameter group ${name} already exists.`),
    quota: {
      limit: () => MAX_PARAMETER_GROUPS,
      exceeded: (limit) => modelError("CacheParameterGroupQuotaExceededFault", `You have reached the quota of ${limit} cache parameter groups.`),
    },
    toWire: (g) => parameterGroupToWire(g),
    persisted: true,
  }),
  subnetGroup: kind<SubnetGroupRecord>({
    arnType: "subnetgroup",
    scope: "region",
    collection: "subnetGroups",
    keyOf: lower,
    idOf: (g) => g.name,
    arnOf: (g) => g.arn,
    notFound: (name) => modelError("CacheSubnetGroupNotFoundFault", `Cache subnet group ${clipValue(name)} not found.`),
    alreadyExists: (name) => modelError("CacheSubnetGroupAlreadyExistsFault", `Cache subnet group ${name} already exists.`),
    quota: {
      // AWS's default quota of subnet groups per region.
      limit: () => 150,
      exceeded: (limit) => modelError("CacheSubnetGroupQuotaExceededFault", `The quota of ${limit} cache subnet groups per region is reached.`),
    },
    toWire: (g, ctx) => subnetGroupToWire(g, ctx.state.key.region),
    persisted: true,
  }),
  securityGroup: kind<CacheSecurityGroupRecord>({
    arnType: "securitygroup",
    scope: "region",
    collection: "cacheSecurityGroups",
    keyOf: lower,
    idOf: (g) => g.name,
    arnOf: (g) => g.arn,
    notFound: (name) => modelError("CacheSecurityGroupNotFoundFault", `CacheSecurityGroup ${clipValue(name)} not found.`),
    alreadyExists: (name) => modelError("CacheSecurityGroupAlreadyExistsFault", `Cache security group ${name} already exists.`),
    quota: {
      // AWS's default quota of cache security groups per region.
      limit: () => 50,
      exceeded: (limit) => modelError("CacheSecurityGroupQuotaExceededFault", `The quota of ${limit} cache security groups per region is reached.`),
    },
    toWire: (g) => cacheSecurityGroupToWire(g),
    persisted: true,
  }),

  serverlessCache: kind<ServerlessCacheRecord>({
    arnType: "serverlesscache",
    scope: "region",
    collection: "serverlessCaches",
    keyOf: lower,
    idOf: (c) => c.name,
    arnOf: (c) => c.arn,
    notFound: (name) => modelError("ServerlessCacheNotFoundFault", `Serverless cache ${clipValue(name)} not found.`),
    alreadyExists: (name) => modelError("ServerlessCacheAlreadyExistsFault", `Serverless cache ${name} already exists.`),
    quota: {
      // AWS's quota of serverless caches per region (L-BBCDAECC).
      limit: (config) => config.serverlessCacheQuota,
      exceeded: (limit) =>
        modelError("ServerlessCacheQuotaForCustomerExceededFault", `You have reached the quota of ${limit} serverless caches in this region.`),
    },
    toWire: (c, ctx) => serverlessCacheToWire(c, ctx.advertisedHost),
    ports: (c) => (c.port > 0 ? (c.engine === "memcached" ? [c.port] : [c.port, c.port + 1]) : []),
    persisted: true,
  }),

  serverlessCacheSnapshot: kind<ServerlessSnapshotRecord>({
    arnType: "serverlesscachesnapshot",
    scope: "region",
    collection: "serverlessSnapshots",
    keyOf: lower,
    idOf: (s) => s.name,
    arnOf: (s) => s.arn,
    notFound: (name) => modelError("ServerlessCacheSnapshotNotFoundFault", `Serverless cache snapshot ${clipValue(name)} not found.`),
    alreadyExists: (name) => modelError("ServerlessCacheSnapshotAlreadyExistsFault", `Serverless cache snapshot ${name} already exists.`),
    toWire: (s) => serverlessSnapshotToWire(s),
    // One being taken was cut short (`failed`); copies, exports and restores it served are over; one being deleted ends deleted.
    settle: (s) => {
      if (s.status === "deleting") return "remove";
      if (s.status === "creating") s.status = "failed";
      else if (s.status !== "failed") s.status = "available";
      return "keep";
    },
    persisted: true,
  }),
  /** Purchased reserved cache nodes: reservations, not engines. The quota counts nodes, not reservations. */
  reservedCacheNode: kind<ReservedCacheNodeRecord>({
    arnType: "reserved-instance",
    scope: "region",
    collection: "reservedCacheNodes",
    keyOf: lower,
    idOf: (r) => r.id.toLowerCase(),
    arnOf: (r) => r.arn,
    notFound: (id) => modelError("ReservedCacheNodeNotFoundFault", `Reserved node ${clipValue(id)} not found.`),
    alreadyExists: (id) => modelError("ReservedCacheNodeAlreadyExistsFault", `Reserved node ${id} already exists.`),
    quota: {
      // AWS's quota of reserved cache nodes per region.
      limit: (config) => config.reservedNodeQuota,
      exceeded: (limit) =>
        modelError("ReservedCacheNodeQuotaExceededFault", `The request cannot be processed because it would exceed the quota of ${limit} reserved cache nodes.`),
    },
    toWire: (r) => reservedCacheNodeToWire(r),
    // Payment is never refused here: a reservation waiting for it when the emulator stopped is paid.
    settle: (r) => {
      if (r.status === "payment-pending") r.status = "active";
      return "keep";
    },
    persisted: true,
  }),
  /** Global datastores span regions: their ARNs have an empty region (actions/global-replication-groups/). */
  globalReplicationGroup: kind<GlobalReplicationGroupRecord>({
    arnType: "globalreplicationgroup",
    scope: "account",
    collection: "globalReplicationGroups",
    keyOf: lower,
    idOf: (g) => g.id,
    arnOf: (g) => g.arn,
    notFound: (name) => modelError("GlobalReplicationGroupNotFoundFault", `Global replication group ${name} not found.`),
    alreadyExists: (name) => modelError("GlobalReplicationGroupAlreadyExistsFault", `Global replication group ${name} already exists.`),
    // Its engines are its members'; a step cut short by a restart ends in lifecycle/global-replication.ts.
    persisted: true,
  }),
} as const;

// Declarations differ in their record type; as a list they are read through the generic helpers below.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyKind = ResourceKind<any>;

export const allKinds: readonly AnyKind[] = Object.values(resources);

const byArnType = new Map<string, AnyKind>(allKinds.map((k) => [k.arnType, k]));

/** The kind an ARN resource type names (every ElastiCache ARN type is declared). */
export function kindOfArnType(type: ArnResourceType): AnyKind {
  return byArnType.get(type)!;
}

/** A scope's collection of a kind's records; undefined for a kind without one (or of the other scope). */
export function collectionOf<R>(kind: ResourceKind<R>, state: RegionState | AccountState): Map<string, R> | undefined {
  if (kind.collection === undefined) return undefined;
  const value = (state as unknown as Record<string, unknown>)[kind.collection];
  return value instanceof Map ? (value as Map<string, R>) : undefined;
}

/** The record of a kind with that id in the scope, if any. */
export function lookupResource<R>(kind: ResourceKind<R>, state: RegionState, id: string): R | undefined {
  if (kind.lookup) return kind.lookup(state, id);
  return collectionOf(kind, state)?.get(kind.keyOf ? kind.keyOf(id) : id);
}

/**
 * The names of the fields the state file keeps for a scope: the collections of persisted
 * kinds, plus the scope's records that are not resources (tags, events and their numbering).
 */
export function persistedFields(scope: Scope): string[] {
  const collections = allKinds.filter((k) => k.scope === scope && k.persisted && k.collection).map((k) => k.collection!);
  return scope === "region" ? [...collections, "tags", "events", "nextEventSeq"] : [...collections, "tags"];
}

/**
 * Cluster records written by earlier versions: cluster mode directives (`engineParams`) are
 * computed at each node start now (lifecycle/node-runner.ts), and a standalone cluster's
 * seed RDB (`seedRdb`) is its `restore` plan. A member's old seed is dropped: its group's
 * plan was never stored.
 */
function upgradeClusterRecord(cluster: CacheClusterRecord): void {
  const legacy = cluster as CacheClusterRecord & { engineParams?: unknown; seedRdb?: string };
  if ("engineParams" in legacy) delete legacy.engineParams;
  if (legacy.seedRdb !== undefined && !cluster.member) cluster.restore ??= { sources: [{ file: legacy.seedRdb }] };
  if ("seedRdb" in legacy) delete legacy.seedRdb;
}
