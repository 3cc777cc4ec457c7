/** DescribeCacheParameterGroups: AWS's default.* groups (one per family, and .cluster.on) and the caller's own. */
import { allParameterGroups, requireParameterGroup } from "../../state/parameter-groups.js";
import type { ActionHandler } from "../shared/context.js";
import { paginate, sortByKey } from "../shared/describe.js";
import { groupToWire } from "./parameter-group-rules.js";

export const describeCacheParameterGroups: ActionHandler<"DescribeCacheParameterGroups"> = async (ctx, input) => {
  const groups =
    input.CacheParameterGroupName !== undefined
      ? [requireParameterGroup(ctx.state, input.CacheParameterGroupName)]
      : sortByKey(allParameterGroups(ctx.state), (g) => g.name);
  const page = paginate(groups, (g) => g.name, input);
  return { Marker: page.marker, CacheParameterGroups: page.items.map(groupToWire) };
};
