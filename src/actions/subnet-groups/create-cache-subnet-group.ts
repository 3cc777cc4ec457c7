/** CreateCacheSubnetGroup: a named set of subnets (in a VPC derived from them) that clusters are placed in. */
import { modelError } from "../../protocol/model-errors.js";
import { buildArn } from "../../state/arn.js";
import { subnetGroups, vpcIdFor } from "../../state/network.js";
import { subnetGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkTags } from "../tags/tag-rules.js";
import { checkSubnetGroupName, checkSubnetIds, MAX_SUBNET_GROUPS } from "./subnet-group-rules.js";

export const createCacheSubnetGroup: ActionHandler<"CreateCacheSubnetGroup"> = async (ctx, input) => {
  const name = checkSubnetGroupName(input.CacheSubnetGroupName);
  const subnetIds = checkSubnetIds(input.SubnetIds);
  checkTags(input.Tags ?? []);
  const groups = subnetGroups(ctx.state);
  if (groups.has(name)) throw modelError("CacheSubnetGroupAlreadyExistsFault", `Cache subnet group ${name} already exists.`);
  if (groups.size >= MAX_SUBNET_GROUPS) {
    throw modelError("CacheSubnetGroupQuotaExceededFault", `The quota of ${MAX_SUBNET_GROUPS} cache subnet groups per region is reached.`);
  }
  const group = {
    name,
    description: input.CacheSubnetGroupDescription,
    vpcId: vpcIdFor(subnetIds),
    subnetIds,
    arn: buildArn(ctx.region, ctx.accountId, "subnetgroup", name),
  };
  groups.set(name, group);
  if (input.Tags?.length) ctx.state.tags.set(group.arn, input.Tags.map((t) => ({ Key: t.Key!, Value: t.Value })));
  return { CacheSubnetGroup: subnetGroupToWire(group, ctx.region) };
};
