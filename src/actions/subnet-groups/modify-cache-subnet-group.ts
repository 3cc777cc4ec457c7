/** ModifyCacheSubnetGroup: a new description or a new set of subnets (the VPC stays). */
import { subnetGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { findSubnetGroup } from "../shared/lookups.js";
import { checkSubnetIds, checkSubnetsRemovable } from "./subnet-group-rules.js";

export const modifyCacheSubnetGroup: ActionHandler<"ModifyCacheSubnetGroup"> = async (ctx, input) => {
  const group = findSubnetGroup(ctx.state, input.CacheSubnetGroupName);
  const subnetIds = input.SubnetIds === undefined ? undefined : checkSubnetIds(input.SubnetIds);
  if (subnetIds) checkSubnetsRemovable(ctx.state, group, subnetIds);
  if (input.CacheSubnetGroupDescription !== undefined) group.description = input.CacheSubnetGroupDescription;
  if (subnetIds) group.subnetIds = subnetIds;
  return { CacheSubnetGroup: subnetGroupToWire(group, ctx.region) };
};
