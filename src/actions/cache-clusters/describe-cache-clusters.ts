/** DescribeCacheClusters: one cluster by id, or a page of all of them. */
import { cacheClusterToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { paginate, sortByKey } from "../shared/describe.js";
import { findCluster } from "./cluster-rules.js";

export const describeCacheClusters: ActionHandler<"DescribeCacheClusters"> = async (ctx, input) => {
  const wire = { advertisedHost: ctx.services.config.advertisedHost, showCacheNodeInfo: input.ShowCacheNodeInfo ?? false };
  if (input.CacheClusterId !== undefined) {
    const cluster = findCluster(ctx.state, input.CacheClusterId);
    return { CacheClusters: [cacheClusterToWire(cluster, wire)] };
  }
  let clusters = sortByKey(ctx.state.clusters.values(), (c) => c.id);
  if (input.ShowCacheClustersNotInReplicationGroups) clusters = clusters.filter((c) => !c.member);
  const page = paginate(clusters, (c) => c.id, input);
  return { Marker: page.marker, CacheClusters: page.items.map((c) => cacheClusterToWire(c, wire)) };
};
