/** DescribeCacheSecurityGroups: the region's groups, `default` included, by name. */
import { cacheSecurityGroups } from "../../state/network.js";
import { cacheSecurityGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { paginate, sortByKey } from "../shared/describe.js";
import { findCacheSecurityGroup } from "./security-group-rules.js";

export const describeCacheSecurityGroups: ActionHandler<"DescribeCacheSecurityGroups"> = async (ctx, input) => {
  const all =
    input.CacheSecurityGroupName !== undefined
      ? [findCacheSecurityGroup(ctx.state, input.CacheSecurityGroupName)]
      : sortByKey(cacheSecurityGroups(ctx.state).values(), (g) => g.name);
  const page = paginate(all, (g) => g.name, input);
  return { Marker: page.marker, CacheSecurityGroups: page.items.map((g) => cacheSecurityGroupToWire(g)) };
};
