/** CreateCacheSubnetGroup: a named set of subnets (in a VPC derived from them) that clusters are placed in. */
import { buildArn } from "../../state/arn.js";
import { vpcIdFor } from "../../state/network.js";
import type { SubnetGroupRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { subnetGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkQuota, insertResource, requireNew } from "../shared/lookups.js";
import { checkTags } from "../shared/tags.js";
import { checkSubnetGroupName, checkSubnetIds } from "./subnet-group-rules.js";

export const createCacheSubnetGroup: ActionHandler<"CreateCacheSubnetGroup"> = async (ctx, input) => {
  const name = checkSubnetGroupName(input.CacheSubnetGroupName);
  const subnetIds = checkSubnetIds(input.SubnetIds);
  checkTags(input.Tags ?? []);
  requireNew(resources.subnetGroup, ctx.state, name);
  checkQuota(resources.subnetGroup, ctx);
  const group: SubnetGroupRecord = {
    name,
    description: input.CacheSubnetGroupDescription,
    vpcId: vpcIdFor(subnetIds),
    subnetIds,
    arn: buildArn(ctx.region, ctx.accountId, "subnetgroup", name),
  };
  insertResource(resources.subnetGroup, ctx, group, input.Tags);
  return { CacheSubnetGroup: subnetGroupToWire(group, ctx.region) };
};
