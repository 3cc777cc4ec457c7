/** CreateCacheSecurityGroup: an empty group, owned by the caller's account. */
import { modelError } from "../../protocol/model-errors.js";
import { buildArn } from "../../state/arn.js";
import { cacheSecurityGroups } from "../../state/network.js";
import { cacheSecurityGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkTags } from "../tags/tag-rules.js";
import { checkCacheSecurityGroupName, MAX_CACHE_SECURITY_GROUPS } from "./security-group-rules.js";

export const createCacheSecurityGroup: ActionHandler<"CreateCacheSecurityGroup"> = async (ctx, input) => {
  const name = checkCacheSecurityGroupName(input.CacheSecurityGroupName);
  checkTags(input.Tags ?? []);
  const groups = cacheSecurityGroups(ctx.state);
  if (groups.has(name)) throw modelError("CacheSecurityGroupAlreadyExistsFault", `Cache security group ${name} already exists.`);
  if (groups.size >= MAX_CACHE_SECURITY_GROUPS) {
    throw modelError("CacheSecurityGroupQuotaExceededFault", `The quota of ${MAX_CACHE_SECURITY_GROUPS} cache security groups per region is reached.`);
  }
  const group = {
    name,
    description: input.Description,
    ownerId: ctx.accountId,
    grants: [],
    arn: buildArn(ctx.region, ctx.accountId, "securitygroup", name),
  };
  groups.set(name, group);
  if (input.Tags?.length) ctx.state.tags.set(group.arn, input.Tags.map((t) => ({ Key: t.Key!, Value: t.Value })));
  return { CacheSecurityGroup: cacheSecurityGroupToWire(group) };
};
