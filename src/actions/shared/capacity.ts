/**
 * Capacity limits, as AWS words them, checked in one place by every action that adds cache
 * nodes: the per-cluster node quota, the per-customer node quota of the account and region
 * (configurable, AWS's default 300), and the capacity the machine really has (free ports in
 * the node port range), which AWS reports as InsufficientCacheClusterCapacity.
 */
import { defaultPortPool } from "../../process/ports.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { RegionState } from "../../state/store.js";
import type { ActionContext } from "./context.js";

/** Nodes per cluster as AWS documents them. */
export const NODES_PER_MEMCACHED_CLUSTER = 40;
export const NODES_PER_CLUSTER_MODE_GROUP = 90;

export interface NodeRequest {
  /** Cache nodes the request adds. */
  addedNodes: number;
  /** Emulator-owned listeners it adds too (configuration, primary and reader endpoints). */
  addedEndpoints?: number;
  /** The cluster or replication group that grows, its node count afterwards and its limit. */
  cluster?: { id: string; nodesAfter: number; limit: number };
}

export function checkNodeCapacity(ctx: ActionContext, request: NodeRequest): void {
  const { cluster } = request;
  if (cluster && cluster.nodesAfter > cluster.limit) {
    throw modelError(
      "NodeQuotaForClusterExceededFault",
      `The request would give ${cluster.id} ${cluster.nodesAfter} cache nodes; the limit is ${cluster.limit} nodes per cluster.`,
    );
  }
  if (request.addedNodes <= 0) return;
  const limit = ctx.services.config.maxNodes;
  const inRegion = nodesInRegion(ctx.state);
  if (inRegion + request.addedNodes > limit) {
    throw modelError(
      "NodeQuotaForCustomerExceededFault",
      `The request would bring the cache nodes of this account in ${ctx.region} to ${inRegion + request.addedNodes}; the limit is ${limit} nodes per customer.`,
    );
  }
  const range = ctx.services.config.nodePorts;
  const free = range.to - range.from + 1 - defaultPortPool.heldIn(range) - nodesStarting(ctx.state);
  const needed = request.addedNodes + (request.addedEndpoints ?? 0);
  if (needed > free) {
    throw modelError(
      "InsufficientCacheClusterCapacityFault",
      `Insufficient capacity for ${request.addedNodes} more cache node(s): the node port range ${range.from}-${range.to} has ${Math.max(free, 0)} free port(s), ${needed} are needed.`,
    );
  }
}

function nodesInRegion(state: RegionState): number {
  let count = 0;
  for (const cluster of state.clusters.values()) count += cluster.nodes.length;
  return count;
}

/** Nodes created but not yet given a port: their ports are about to be taken. */
function nodesStarting(state: RegionState): number {
  let count = 0;
  for (const cluster of state.clusters.values()) count += cluster.nodes.filter((n) => n.port === 0).length;
  return count;
}
