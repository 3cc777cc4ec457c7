/**
 * The Redis topology layer: real replication (cluster mode disabled), a real Redis
 * Cluster (cluster mode enabled), failover and live resharding, as pure functions over
 * engine nodes (anything with an endpoint and admin credentials). No knowledge of the
 * AWS API: the lifecycle maps ElastiCache operations onto these.
 *
 *   redis-admin.ts        admin connections (one-off and pipelined)
 *   redis-replication.ts  REPLICAOF, promotion, offsets
 *   redis-cluster.ts      cluster params, create, join, failover, remove, views
 *   redis-resharding.ts   slot migration
 *   redis-slots.ts        AWS Slots text, even splits, key slots, rebalancing plans
 */
export { AdminConnection, admin, parseInfo, type AdminTarget } from "./redis-admin.js";
export {
  FAST_SYNC_PARAMS,
  pickMostUpToDate,
  promote,
  replicaOf,
  replicationInfo,
  setReplicationAuth,
  waitReplicaSynced,
  type ReplicationInfo,
} from "./redis-replication.js";
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
} from "./redis-cluster.js";
export { applySlotMoves, migrateSlots, ownedBy, type MigrateResult, type MigrateSlotsOptions } from "./redis-resharding.js";
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
} from "./redis-slots.js";
