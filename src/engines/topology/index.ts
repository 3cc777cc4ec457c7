/**
 * The Redis topology layer: real replication (cluster mode disabled), a real Redis
 * Cluster (cluster mode enabled), failover and live resharding, as pure functions over
 * engine nodes (anything with an endpoint and admin credentials). No knowledge of the
 * AWS API: the lifecycle maps ElastiCache operations onto these.
 *
 *   admin.ts               admin connections (one-off and pipelined)
 *   replication.ts         REPLICAOF, promotion, offsets
 *   cluster-params.ts      a cluster node's start parameters
 *   cluster-views.ts       CLUSTER NODES / SLOTS / INFO views, agreement, the waits
 *   cluster-membership.ts  creating a cluster, joining it, leaving it
 *   cluster-failover.ts    planned failover and takeover
 *   resharding.ts          slot migration
 *   slots.ts               AWS Slots text, even splits, key slots, rebalancing plans
 */
export { AdminConnection, admin, parseInfo, type AdminTarget } from "./admin.js";
export {
  FAST_SYNC_PARAMS,
  pickMostUpToDate,
  promote,
  replicaOf,
  replicationInfo,
  setReplicationAuth,
  waitReplicaSynced,
  type ReplicationInfo,
} from "./replication.js";
export { clusterNodeParams, type ClusterNodeParamsOptions } from "./cluster-params.js";
export {
  clusterMyId,
  clusterNodes,
  clusterSlotOwners,
  clusterView,
  disagreement,
  layoutKey,
  layoutMismatch,
  parseClusterNodes,
  parseClusterSlots,
  waitClusterConsistent,
  type ClusterNodeEntry,
  type ClusterView,
  type ExpectedShard,
  type SlotNodeAddress,
  type SlotRangeView,
  type WaitOptions,
} from "./cluster-views.js";
export {
  addShard,
  createCluster,
  forgetDeadNode,
  formSeededShard,
  joinCluster,
  prepareClusterNode,
  removeNodeFromCluster,
  removeNodesFromCluster,
  replaceReplica,
  resumeCluster,
  seedShard,
  type ClusterShardSpec,
  type CreateClusterOptions,
  type CreatedCluster,
  type JoinMember,
  type SeedAddress,
  type ShardSeed,
} from "./cluster-membership.js";
export { clusterFailover, type ClusterFailoverOptions, type ClusterFailoverResult } from "./cluster-failover.js";
export { applySlotMoves, migrateSlots, ownedBy, type MigrateResult, type MigrateSlotsOptions } from "./resharding.js";
export {
  SLOT_COUNT,
  countSlots,
  evenSlots,
  expandSlots,
  formatSlots,
  keySlot,
  parseSlots,
  planRebalance,
  toRanges,
  type SlotMove,
  type SlotOwner,
  type SlotRange,
} from "./slots.js";
