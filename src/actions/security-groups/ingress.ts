/**
 * AuthorizeCacheSecurityGroupIngress / RevokeCacheSecurityGroupIngress: admit or remove an EC2
 * security group. A grant is `authorized` at once; a revoke answers it as `revoking` and it is
 * gone from the next Describe.
 */
import { clipValue } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { cacheSecurityGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { findCacheSecurityGroup } from "../shared/lookups.js";
import { checkGrant } from "./security-group-rules.js";

export const authorizeCacheSecurityGroupIngress: ActionHandler<"AuthorizeCacheSecurityGroupIngress"> = async (ctx, input) => {
  const group = findCacheSecurityGroup(ctx.state, input.CacheSecurityGroupName);
  const grant = checkGrant(input.EC2SecurityGroupName, input.EC2SecurityGroupOwnerId);
  if (group.grants.some((g) => g.name === grant.name && g.ownerId === grant.ownerId)) {
    throw modelError(
      "AuthorizationAlreadyExistsFault",
      `EC2 security group ${clipValue(grant.name)} owned by ${grant.ownerId} is already authorized for cache security group ${group.name}.`,
    );
  }
  group.grants.push(grant);
  return { CacheSecurityGroup: cacheSecurityGroupToWire(group) };
};

export const revokeCacheSecurityGroupIngress: ActionHandler<"RevokeCacheSecurityGroupIngress"> = async (ctx, input) => {
  const group = findCacheSecurityGroup(ctx.state, input.CacheSecurityGroupName);
  const index = group.grants.findIndex((g) => g.name === input.EC2SecurityGroupName && g.ownerId === input.EC2SecurityGroupOwnerId);
  if (index < 0) {
    throw modelError(
      "AuthorizationNotFoundFault",
      `EC2 security group ${clipValue(input.EC2SecurityGroupName)} owned by ${clipValue(input.EC2SecurityGroupOwnerId)} is not authorized for cache security group ${group.name}.`,
    );
  }
  const [revoked] = group.grants.splice(index, 1);
  return { CacheSecurityGroup: cacheSecurityGroupToWire(group, revoked) };
};
