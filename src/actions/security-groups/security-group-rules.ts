/**
 * Rules AWS applies to cache security groups (EC2-Classic's way to admit EC2 security groups
 * to cache clusters): names, quotas, grants, and who uses a group.
 */
import { commonErrors, clipValue } from "../../protocol/aws-error.js";
import { DEFAULT_GROUP } from "../../state/network.js";
import type { RegionState } from "../../state/store.js";

/** Names are stored lowercased: up to 255 letters, digits or hyphens, and not `default`. */
export function checkCacheSecurityGroupName(name: string): string {
  const lower = name.toLowerCase();
  if (!/^[a-z0-9-]{1,255}$/.test(lower)) {
    throw commonErrors.invalidParameterValue(
      `Invalid value '${clipValue(name)}' for CacheSecurityGroupName: it must contain no more than 255 alphanumeric characters or hyphens.`,
    );
  }
  if (lower === DEFAULT_GROUP) throw commonErrors.invalidParameterValue("CacheSecurityGroupName must not be \"default\".");
  return lower;
}

/** An EC2 security group is named by its name and its owner's 12-digit account id. */
export function checkGrant(name: string, ownerId: string): { name: string; ownerId: string } {
  if (name === "") throw commonErrors.invalidParameterValue("EC2SecurityGroupName must not be empty.");
  if (!/^\d{12}$/.test(ownerId)) {
    throw commonErrors.invalidParameterValue(`Invalid EC2SecurityGroupOwnerId '${clipValue(ownerId)}': an AWS account id is 12 digits.`);
  }
  return { name, ownerId };
}

/** Cache clusters and replication groups that name the group (a Modify records names as given). */
export function cacheSecurityGroupUsers(state: RegionState, name: string): string[] {
  const names = (list: string[]) => list.some((n) => n.toLowerCase() === name);
  return [
    ...[...state.clusters.values()].filter((c) => names(c.settings.cacheSecurityGroupNames)).map((c) => c.id),
    ...[...state.replicationGroups.values()].filter((g) => names(g.settings.cacheSecurityGroupNames)).map((g) => g.id),
  ];
}
