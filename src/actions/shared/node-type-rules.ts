/**
 * Node type changes: the types a cluster or replication group may move to
 * (catalog/node-type-modifications.ts, with the data its engines hold now), and refusing a
 * ModifyCacheCluster / ModifyReplicationGroup CacheNodeType outside them.
 */
import { scaledNodeMemoryBytes } from "../../catalog/catalog.js";
import { allowedNodeTypeModifications, compareVersions, type AllowedNodeTypes } from "../../catalog/node-type-modifications.js";
import { commonErrors } from "../../protocol/aws-error.js";
import type { CacheClusterRecord, ReplicationGroupRecord } from "../../state/records.js";
import type { ActionContext } from "./context.js";

export type NodeTypeTarget = { cluster: CacheClusterRecord } | { group: ReplicationGroupRecord };

/** The target's node types, engine and version, and the clusters whose engines hold its data. */
function describeTarget(ctx: ActionContext, target: NodeTypeTarget) {
  if ("cluster" in target) return { record: target.cluster, id: target.cluster.id, clusters: [target.cluster] };
  const group = target.group;
  const clusters = group.nodeGroups.flatMap((ng) => ng.memberClusterIds.map((id) => ctx.state.clusters.get(id))).filter((c): c is CacheClusterRecord => c !== undefined);
  return { record: group, id: group.id, clusters };
}

/** The most memory a node of the clusters uses (Redis/Valkey `used_memory`); undefined for Memcached or without a running node. */
async function usedMemory(ctx: ActionContext, clusters: CacheClusterRecord[]): Promise<number | undefined> {
  let most: number | undefined;
  for (const cluster of clusters) {
    if (cluster.engine === "memcached") continue;
    for (const { engine } of ctx.services.clusters.runningEngines(cluster)) {
      if (!engine.adminCommand) continue;
      const info = String(await engine.adminCommand(["INFO", "memory"]).catch(() => ""));
      const used = /^used_memory:(\d+)/m.exec(info)?.[1];
      if (used !== undefined) most = Math.max(most ?? 0, Number(used));
    }
  }
  return most;
}

/** ListAllowedNodeTypeModifications for a cluster or group; `engineVersion` when a change to it comes in the same request. */
export async function allowedNodeTypes(ctx: ActionContext, target: NodeTypeTarget, engineVersion?: string): Promise<AllowedNodeTypes> {
  const { record, clusters } = describeTarget(ctx, target);
  const version = engineVersion !== undefined && compareVersions(engineVersion, record.engineVersion) > 0 ? engineVersion : record.engineVersion;
  const scale = ctx.services.config.nodeMemoryScale;
  return allowedNodeTypeModifications({
    engine: record.engine,
    engineVersion: version,
    cacheNodeType: record.cacheNodeType,
    usedMemoryBytes: await usedMemory(ctx, clusters),
    nodeMemory: (type) => scaledNodeMemoryBytes(type, scale),
  });
}

/**
 * Refuses a node type the target may not move to (README: AWS differences, the wording is
 * the emulator's): InvalidParameterCombination, naming the lists AWS would offer.
 */
export async function checkNodeTypeChange(ctx: ActionContext, target: NodeTypeTarget, nodeType: string, engineVersion?: string): Promise<void> {
  const { record, id } = describeTarget(ctx, target);
  if (nodeType === record.cacheNodeType) return;
  const allowed = await allowedNodeTypes(ctx, target, engineVersion);
  if (allowed.scaleUp.includes(nodeType) || allowed.scaleDown.includes(nodeType)) return;
  throw commonErrors.invalidParameterCombination(
    `Cannot modify the cache node type of ${id} from ${record.cacheNodeType} to ${nodeType}: it is not among the allowed node type modifications (ListAllowedNodeTypeModifications).`,
  );
}
