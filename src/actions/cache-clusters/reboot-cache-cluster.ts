/** RebootCacheCluster: really restarts the named nodes (their data goes, as on AWS without persistence). */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { cacheClusterToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { findCluster, requireAvailable } from "../shared/lookups.js";

export const rebootCacheCluster: ActionHandler<"RebootCacheCluster"> = async (ctx, input) => {
  const cluster = findCluster(ctx.state, input.CacheClusterId);
  requireAvailable(cluster);
  // A member of a group under migration keeps following the source: a restarted engine would not (README: Online migration).
  const group = cluster.member && ctx.state.replicationGroups.get(cluster.member.replicationGroupId);
  if (group?.migration) {
    throw modelError("InvalidCacheClusterStateFault", `Cache cluster ${cluster.id} cannot be rebooted: its replication group ${group.id} is under migration.`);
  }
  const ids = [...new Set(input.CacheNodeIdsToReboot)];
  if (ids.length === 0) throw commonErrors.invalidParameterValue("CacheNodeIdsToReboot must name at least one cache node.");
  const unknown = ids.find((id) => !cluster.nodes.some((n) => n.id === id));
  if (unknown) throw commonErrors.invalidParameterValue(`Cache node ${unknown} not found in cache cluster ${cluster.id}.`);
  cluster.status = "rebooting cache cluster nodes";
  for (const node of cluster.nodes) if (ids.includes(node.id)) node.status = "rebooting";
  ctx.services.clusters.reboot(ctx.state, cluster, ids);
  return { CacheCluster: cacheClusterToWire(cluster, { advertisedHost: ctx.services.config.advertisedHost, showCacheNodeInfo: false }) };
};
