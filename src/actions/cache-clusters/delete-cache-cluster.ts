/** DeleteCacheCluster: `deleting` at once, gone once its engines have stopped. */
import { modelError } from "../../protocol/model-errors.js";
import { cacheClusterToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../context.js";
import { findCluster, notSupportedYet } from "./cluster-rules.js";

const deletableStatuses = new Set(["available", "incompatible-network", "restore-failed"]);

export const deleteCacheCluster: ActionHandler<"DeleteCacheCluster"> = async (ctx, input) => {
  const cluster = findCluster(ctx.state, input.CacheClusterId);
  if (!deletableStatuses.has(cluster.status)) {
    throw modelError(
      "InvalidCacheClusterStateFault",
      `Cache cluster ${cluster.id} is not in a state that allows deletion (current status: ${cluster.status}).`,
    );
  }
  if (input.FinalSnapshotIdentifier !== undefined) {
    if (cluster.engine === "memcached") {
      throw modelError("SnapshotFeatureNotSupportedFault", "Snapshots are not supported for the memcached engine.");
    }
    throw notSupportedYet("FinalSnapshotIdentifier");
  }
  cluster.status = "deleting";
  for (const node of cluster.nodes) node.status = "deleting";
  ctx.state.tags.delete(cluster.arn);
  ctx.services.clusters.delete(ctx.state, cluster);
  return { CacheCluster: cacheClusterToWire(cluster, { advertisedHost: ctx.services.config.advertisedHost, showCacheNodeInfo: false }) };
};
