/** CreateCacheSecurityGroup: an empty group, owned by the caller's account. */
import { buildArn } from "../../state/arn.js";
import type { CacheSecurityGroupRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { cacheSecurityGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkQuota, insertResource, requireNew } from "../shared/lookups.js";
import { checkTags } from "../shared/tags.js";
import { checkCacheSecurityGroupName } from "./security-group-rules.js";

export const createCacheSecurityGroup: ActionHandler<"CreateCacheSecurityGroup"> = async (ctx, input) => {
  const name = checkCacheSecurityGroupName(input.CacheSecurityGroupName);
  checkTags(input.Tags ?? []);
  requireNew(resources.securityGroup, ctx.state, name);
  checkQuota(resources.securityGroup, ctx);
  const group: CacheSecurityGroupRecord = {
    name,
    description: input.Description,
    ownerId: ctx.accountId,
    grants: [],
    arn: buildArn(ctx.region, ctx.accountId, "securitygroup", name),
  };
  insertResource(resources.securityGroup, ctx, group, input.Tags);
  return { CacheSecurityGroup: cacheSecurityGroupToWire(group) };
};
