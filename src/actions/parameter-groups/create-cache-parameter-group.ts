/** CreateCacheParameterGroup: a group of a family this emulator offers, starting from the family's defaults. */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../protocol/model-errors.js";
import { buildArn } from "../../state/arn.js";
import { parameterGroupFamilies } from "../../catalog/catalog.js";
import { findParameterGroup, MAX_PARAMETER_GROUPS } from "../../state/parameter-groups.js";
import type { ParameterGroupRecord } from "../../state/records.js";
import type { ActionHandler } from "../shared/context.js";
import { checkTags } from "../tags/tag-rules.js";
import { checkGroupName, groupToWire } from "./parameter-group-rules.js";

export const createCacheParameterGroup: ActionHandler<"CreateCacheParameterGroup"> = async (ctx, input) => {
  const name = checkGroupName(input.CacheParameterGroupName);
  const families = parameterGroupFamilies();
  if (!families.includes(input.CacheParameterGroupFamily)) {
    throw commonErrors.invalidParameterValue(
      `Invalid value for parameter CacheParameterGroupFamily: ${input.CacheParameterGroupFamily}. Valid values: ${families.join(", ")}.`,
    );
  }
  checkTags(input.Tags ?? []);
  if (findParameterGroup(ctx.state, name)) {
    throw modelError("CacheParameterGroupAlreadyExistsFault", `Parameter group ${name} already exists.`);
  }
  if (ctx.state.parameterGroups.size >= MAX_PARAMETER_GROUPS) {
    throw modelError("CacheParameterGroupQuotaExceededFault", `You have reached the quota of ${MAX_PARAMETER_GROUPS} cache parameter groups.`);
  }
  const group: ParameterGroupRecord = {
    name,
    family: input.CacheParameterGroupFamily,
    description: input.Description,
    arn: buildArn(ctx.region, ctx.accountId, "parametergroup", name),
    userValues: {},
  };
  ctx.state.parameterGroups.set(name, group);
  if (input.Tags?.length) ctx.state.tags.set(group.arn, input.Tags.map((t) => ({ Key: t.Key!, Value: t.Value })));
  return { CacheParameterGroup: groupToWire({ ...group, isDefault: false }) };
};
