/** Rules AWS applies to where a cache cluster or a replication group is placed: subnet group, cache security groups. */
import { commonErrors } from "../../protocol/aws-error.js";
import type { RegionState } from "../../state/store.js";
import { findCacheSecurityGroup, findSubnetGroup } from "./lookups.js";

/** The group must exist in the caller's region; returns its stored (lowercased) name. */
export function checkSubnetGroup(state: RegionState, name: string): string {
  return findSubnetGroup(state, name).name;
}

/**
 * Cache security groups (EC2-Classic) must exist, and cannot be combined with the VPC way of
 * placing a cluster (a subnet group or VPC security group ids), as AWS answers.
 */
export function checkCacheSecurityGroups(
  state: RegionState,
  names: string[],
  vpcPlacement: { cacheSubnetGroupName?: string; securityGroupIds?: string[] } = {},
): string[] {
  const found = names.map((name) => findCacheSecurityGroup(state, name).name);
  if (found.length && (vpcPlacement.cacheSubnetGroupName !== undefined || vpcPlacement.securityGroupIds?.length)) {
    throw commonErrors.invalidParameterCombination("Use of cache security groups is not permitted along with cache subnet group and/or security group Ids.");
  }
  return found;
}
