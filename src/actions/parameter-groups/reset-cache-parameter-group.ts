/** ResetCacheParameterGroup: all parameters, or the named ones, back to the family's defaults. */
import { applyGroupChange } from "../../lifecycle/parameter-apply.js";
import { commonErrors } from "../../protocol/aws-error.js";
import type { ActionHandler } from "../shared/context.js";
import { changeableParameter, checkParameterList, requireCustomGroup } from "./parameter-group-rules.js";

export const resetCacheParameterGroup: ActionHandler<"ResetCacheParameterGroup"> = async (ctx, input) => {
  const group = requireCustomGroup(ctx.state, input.CacheParameterGroupName, "reset");
  const entries = input.ParameterNameValues ?? [];
  if (input.ResetAllParameters && entries.length) {
    throw commonErrors.invalidParameterCombination("ResetAllParameters and ParameterNameValues cannot be given together.");
  }
  if (!input.ResetAllParameters && entries.length === 0) {
    throw commonErrors.invalidParameterValue("Either ResetAllParameters must be true or ParameterNameValues must name the parameters to reset.");
  }
  checkParameterList(entries, false);
  const names = input.ResetAllParameters
    ? Object.keys(group.userValues)
    : entries.map((e) => changeableParameter(ctx.state, group, e.ParameterName).name);
  if (input.ResetAllParameters) {
    // Conditionally modifiable values cannot go back while clusters use the group either.
    for (const name of names) changeableParameter(ctx.state, group, name);
  }
  for (const name of names) delete group.userValues[name];
  await applyGroupChange(ctx.state, (c) => ctx.services.clusters.engineNode(c), group.name, names, ctx.logger);
  return { CacheParameterGroupName: group.name };
};
