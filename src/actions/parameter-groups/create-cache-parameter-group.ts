/** CreateCacheParameterGroup: a group of a family this emulator offers, starting from the family's defaults. */
import { parameterGroupFamilies } from "../../catalog/catalog.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { buildArn } from "../../state/arn.js";
import type { ParameterGroupRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { parameterGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkQuota, requireNew } from "../shared/lookups.js";
import { checkTags, storeTags } from "../shared/tags.js";
import { checkGroupName } from "./parameter-group-rules.js";

export const createCacheParameterGroup: ActionHandler<"CreateCacheParameterGroup"> = async (ctx, input) => {
  const name = checkGroupName(input.CacheParameterGroupName);
  const families = parameterGroupFamilies();
  if (!families.includes(input.CacheParameterGroupFamily)) {
    throw commonErrors.invalidParameterValue(
      `Invalid value for parameter CacheParameterGroupFamily: ${input.CacheParameterGroupFamily}. Valid values: ${families.join(", ")}.`,
    );
  }
  checkTags(input.Tags ?? []);
  requireNew(resources.parameterGroup, ctx.state, name);
  checkQuota(resources.parameterGroup, ctx);
  const group: ParameterGroupRecord = {
    name,
    family: input.CacheParameterGroupFamily,
    description: input.Description,
    arn: buildArn(ctx.region, ctx.accountId, "parametergroup", name),
    userValues: {},
  };
  // The collection keeps records; lookups see them (and AWS's default groups) as views.
  ctx.state.parameterGroups.set(name, group);
  storeTags(ctx, group.arn, input.Tags);
  return { CacheParameterGroup: parameterGroupToWire({ ...group, isDefault: false }) };
};
