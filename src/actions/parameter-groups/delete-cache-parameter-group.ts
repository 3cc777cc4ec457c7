/** DeleteCacheParameterGroup: only the caller's own groups, and only while no cluster uses them. */
import { modelError } from "../../service-errors/elasticache.js";
import { groupInUse } from "../../state/parameter-groups.js";
import type { ActionHandler } from "../shared/context.js";
import { requireCustomGroup } from "./parameter-group-rules.js";

export const deleteCacheParameterGroup: ActionHandler<"DeleteCacheParameterGroup"> = async (ctx, input) => {
  const group = requireCustomGroup(ctx.state, input.CacheParameterGroupName, "deleted");
  if (groupInUse(ctx.state, group.name)) {
    throw modelError("InvalidCacheParameterGroupStateFault", `Parameter group ${group.name} is in use by one or more cache clusters.`);
  }
  ctx.state.parameterGroups.delete(group.name);
  ctx.state.tags.delete(group.arn);
};
