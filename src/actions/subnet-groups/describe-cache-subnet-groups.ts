/** DescribeCacheSubnetGroups: the region's groups, `default` included, by name. */
import { subnetGroups } from "../../state/network.js";
import { subnetGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { paginate, sortByKey } from "../shared/describe.js";
import { findSubnetGroup } from "./subnet-group-rules.js";

export const describeCacheSubnetGroups: ActionHandler<"DescribeCacheSubnetGroups"> = async (ctx, input) => {
  const all =
    input.CacheSubnetGroupName !== undefined
      ? [findSubnetGroup(ctx.state, input.CacheSubnetGroupName)]
      : sortByKey(subnetGroups(ctx.state).values(), (g) => g.name);
  const page = paginate(all, (g) => g.name, input);
  return { Marker: page.marker, CacheSubnetGroups: page.items.map((g) => subnetGroupToWire(g, ctx.region)) };
};
