/**
 * ModifyCacheParameterGroup: every value is checked before any is kept; then the clusters
 * using the group take the immediate ones at once and show `pending-reboot` for the others.
 */
import { applyGroupChange } from "../../lifecycle/parameter-apply.js";
import type { ActionHandler } from "../shared/context.js";
import { changeableParameter, checkParameterList, checkValue, requireCustomGroup } from "./parameter-group-rules.js";

export const modifyCacheParameterGroup: ActionHandler<"ModifyCacheParameterGroup"> = async (ctx, input) => {
  const group = requireCustomGroup(ctx.state, input.CacheParameterGroupName, "modified");
  const entries = input.ParameterNameValues ?? [];
  checkParameterList(entries, true);
  const changes = entries.map((e) => {
    const param = changeableParameter(ctx.state, group, e.ParameterName);
    return { name: param.name, value: checkValue(param, e.ParameterValue) };
  });
  for (const { name, value } of changes) group.userValues[name] = value;
  await applyGroupChange(ctx.state, (c) => ctx.services.clusters.engineNode(c), group.name, changes.map((c) => c.name), ctx.logger);
  return { CacheParameterGroupName: group.name };
};
