/**
 * A roll through a resource's nodes, one at a time (a service update): the caller decides
 * whether to go on before each node (BatchStopUpdateAction stops between nodes) and hears
 * when each starts and ends. The order is the lifecycle's: replicas first, then each
 * shard's primary by a planned failover where automatic failover is on.
 */
import type { CacheClusterRecord } from "../state/records.js";

export interface NodeRoll {
  /** Before each node: false ends the roll there. */
  proceed(): boolean;
  /** Whether this node was updated already (a roll resumed after a stop). */
  updated(cluster: CacheClusterRecord, nodeId: string): boolean;
  started(cluster: CacheClusterRecord, nodeId: string): void;
  finished(cluster: CacheClusterRecord, nodeId: string): void;
}

/** How a roll ended: every node done, or stopped between two nodes. */
export type RollOutcome = "complete" | "stopped";
