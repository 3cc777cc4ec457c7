/** DescribeCacheClusters: one cluster by id, or a page of all of them. */
import { cacheClusterToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { findCluster } from "../shared/lookups.js";

export const describeCacheClusters: ActionHandler<"DescribeCacheClusters"> = async (ctx, input) => {
  const wire = { advertisedHost: ctx.services.config.advertisedHost, showCacheNodeInfo: input.ShowCacheNodeInfo ?? false };
  const page = describe("DescribeCacheClusters", input, {
    byId: { id: input.CacheClusterId, find: (id) => findCluster(ctx.state, id) },
    all: () => ctx.state.clusters.values(),
    where: input.ShowCacheClustersNotInReplicationGroups && input.CacheClusterId === undefined ? (c) => !c.member : undefined,
    keyOf: (c) => c.id,
  });
  return { Marker: page.next, CacheClusters: page.items.map((c) => cacheClusterToWire(c, wire)) };
};
