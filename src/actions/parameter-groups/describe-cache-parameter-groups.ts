/** DescribeCacheParameterGroups: AWS's default.* groups (one per family, and .cluster.on) and the caller's own. */
import { allParameterGroups } from "../../state/parameter-groups.js";
import { parameterGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { describedParameterGroup } from "../shared/lookups.js";

export const describeCacheParameterGroups: ActionHandler<"DescribeCacheParameterGroups"> = async (ctx, input) => {
  const page = describe("DescribeCacheParameterGroups", input, {
    byId: { id: input.CacheParameterGroupName, find: (name) => describedParameterGroup(ctx.state, name) },
    all: () => allParameterGroups(ctx.state),
    keyOf: (g) => g.name,
  });
  return { Marker: page.next, CacheParameterGroups: page.items.map(parameterGroupToWire) };
};
