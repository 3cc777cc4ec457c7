/** DescribeCacheSecurityGroups: the region's groups, `default` included, by name. */
import { cacheSecurityGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { findCacheSecurityGroup } from "../shared/lookups.js";

export const describeCacheSecurityGroups: ActionHandler<"DescribeCacheSecurityGroups"> = async (ctx, input) => {
  const page = describe("DescribeCacheSecurityGroups", input, {
    byId: { id: input.CacheSecurityGroupName, find: (name) => findCacheSecurityGroup(ctx.state, name) },
    all: () => ctx.state.cacheSecurityGroups.values(),
    keyOf: (g) => g.name,
  });
  return { Marker: page.next, CacheSecurityGroups: page.items.map((g) => cacheSecurityGroupToWire(g)) };
};
