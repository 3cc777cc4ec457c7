/** DescribeCacheSubnetGroups: the region's groups, `default` included, by name. */
import { subnetGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { findSubnetGroup } from "../shared/lookups.js";

export const describeCacheSubnetGroups: ActionHandler<"DescribeCacheSubnetGroups"> = async (ctx, input) => {
  const page = describe("DescribeCacheSubnetGroups", input, {
    byId: { id: input.CacheSubnetGroupName, find: (name) => findSubnetGroup(ctx.state, name) },
    all: () => ctx.state.subnetGroups.values(),
    keyOf: (g) => g.name,
  });
  return { Marker: page.next, CacheSubnetGroups: page.items.map((g) => subnetGroupToWire(g, ctx.region)) };
};
