/**
 * The Redis topology layer: real replication (cluster mode disabled), a real Redis
 * Cluster (cluster mode enabled), failover and live resharding, as pure functions over
 * engine nodes (anything with an endpoint and admin credentials). No knowledge of the
 * AWS API: the lifecycle maps ElastiCache operations onto these.
 *
 *   admin.ts        admin connections (one-off and pipelined)
 *   replication.ts  REPLICAOF, promotion, offsets
 *   cluster.ts      cluster params, create, join, failover, remove, views
 *   resharding.ts   slot migration
 *   slots.ts        AWS Slots text, even splits, key slots, rebalancing plans
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
export {
  addShard,
  clusterFailover,
  clusterMyId,
  clusterNodeParams,
  clusterNodes,
  clusterSlotOwners,
  clusterView,
  createCluster,
  disagreement,
  forgetDeadNode,
  joinCluster,
  layoutKey,
  layoutMismatch,
  parseClusterNodes,
  parseClusterSlots,
  prepareClusterNode,
  removeNodeFromCluster,
  removeNodesFromCluster,
  replaceReplica,
  waitClusterConsistent,
  type ClusterFailoverOptions,
  type ClusterFailoverResult,
  type ClusterNodeEntry,
  type ClusterNodeParamsOptions,
  type ClusterShardSpec,
  type ClusterView,
  type CreateClusterOptions,
  type CreatedCluster,
  type ExpectedShard,
  type JoinMember,
  type SlotNodeAddress,
  type SlotRangeView,
  type WaitOptions,
} from "./cluster.js";
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
