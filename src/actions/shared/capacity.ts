/**
 * Capacity limits, as AWS words them, checked in one place by every action that adds cache
 * nodes: the per-cluster node quota, the per-customer node quota of the account and region
 * (configurable, AWS's default 300), and the capacity the machine really has (free ports in
 * the node port range, the serverless warm pair's included: it yields them), which AWS
 * reports as InsufficientCacheClusterCapacity.
 */
import type { TransitEncryptionMode } from "../../engines/engine.js";
import { iamScopeOf, transitEncryptionOf } from "../../lifecycle/node-runner.js";
import { defaultPortPool } from "../../process/ports.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { CacheClusterRecord, ReplicationGroupRecord } from "../../state/records.js";
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
  /** Ports of the range each added node takes (nodePortsOf); 1 when left out. */
  portsPerNode?: number;
}

/** What decides how many ports of the range one node of a cluster takes. */
export interface NodePortShape {
  engine: string;
  transitEncryption?: TransitEncryptionMode;
  /** The node is fronted for IAM tokens (iamScopeOf): a TLS member of a group with user groups. */
  iamFront: boolean;
}

/**
 * Ports of the node range one node takes, as src/nodes/launcher.ts starts it: a Memcached node
 * with Auto Discovery its public listener and memcached's port; a Redis/Valkey node behind a
 * front of ours (TLS `preferred`, IAM users) its public port and the engine's plaintext and TLS
 * ports; any other node its engine's one port.
 */
export function nodePortsOf(memcachedNodeDiscovery: boolean, shape: NodePortShape): number {
  if (shape.engine === "memcached") return memcachedNodeDiscovery ? 2 : 1;
  return shape.transitEncryption === "preferred" || (shape.transitEncryption !== undefined && shape.iamFront) ? 3 : 1;
}

/** nodePortsOf for a node added to a replication group (its members share these settings). */
export function groupNodePorts(ctx: ActionContext, group: ReplicationGroupRecord): number {
  const member = ctx.state.clusters.get(group.nodeGroups[0]?.memberClusterIds[0] ?? "");
  return member ? clusterNodePorts(ctx, member) : 1;
}

/** nodePortsOf for a node of an existing cluster. */
export function clusterNodePorts(ctx: ActionContext, cluster: CacheClusterRecord): number {
  return nodePortsOf(ctx.services.config.memcachedNodeDiscovery, {
    engine: cluster.engine,
    transitEncryption: transitEncryptionOf(cluster),
    iamFront: iamScopeOf(ctx.state, cluster) !== undefined,
  });
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
  // The serverless warm pair's ports count as free: it gives them up when the nodes need them.
  const warm = ctx.services.serverless.warmPairPorts;
  const free = range.to - range.from + 1 - defaultPortPool.heldIn(range) - portsAboutToBeTaken(ctx) + warm;
  const needed = request.addedNodes * (request.portsPerNode ?? 1) + (request.addedEndpoints ?? 0);
  if (needed > free) {
    throw modelError(
      "InsufficientCacheClusterCapacityFault",
      `Insufficient capacity for ${request.addedNodes} more cache node(s): the node port range ${range.from}-${range.to} has ${Math.max(free, 0)} free port(s), ${needed} are needed.`,
    );
  }
  if (needed > free - warm) ctx.services.serverless.yieldWarmPair();
}

function nodesInRegion(state: RegionState): number {
  let count = 0;
  for (const cluster of state.clusters.values()) count += cluster.nodes.length;
  return count;
}

/** The ports of nodes created but not yet given a port: they are about to be taken. */
function portsAboutToBeTaken(ctx: ActionContext): number {
  let count = 0;
  for (const cluster of ctx.state.clusters.values()) {
    const starting = cluster.nodes.filter((n) => n.port === 0).length;
    if (starting > 0) count += starting * clusterNodePorts(ctx, cluster);
  }
  return count;
}
