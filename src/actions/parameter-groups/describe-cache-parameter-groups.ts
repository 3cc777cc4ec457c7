/** DescribeCacheParameterGroups: AWS's default.* groups, one per family (and .cluster.on). */
import { modelError } from "../../protocol/model-errors.js";
import { buildArn } from "../../state/arn.js";
import { defaultParameterGroups } from "../../state/catalog.js";
import type { ActionHandler } from "../context.js";
import { paginate, sortByKey } from "../pagination.js";

export const describeCacheParameterGroups: ActionHandler<"DescribeCacheParameterGroups"> = async (ctx, input) => {
  let groups = sortByKey(defaultParameterGroups(), (g) => g.name);
  if (input.CacheParameterGroupName !== undefined) {
    groups = groups.filter((g) => g.name === input.CacheParameterGroupName);
    if (groups.length === 0) {
      throw modelError("CacheParameterGroupNotFoundFault", `CacheParameterGroup ${input.CacheParameterGroupName} not found.`);
    }
  }
  const page = paginate(groups, (g) => g.name, input);
  return {
    Marker: page.marker,
    CacheParameterGroups: page.items.map((g) => ({
      CacheParameterGroupName: g.name,
      CacheParameterGroupFamily: g.family,
      Description: `Default parameter group for ${g.family}`,
      IsGlobal: false,
      ARN: buildArn(ctx.region, ctx.accountId, "parametergroup", g.name),
    })),
  };
};
