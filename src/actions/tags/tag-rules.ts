/** Tag limits as AWS words them, and finding the resource an ARN names. */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../protocol/model-errors.js";
import { parseArn, type ParsedArn } from "../../state/arn.js";
import { findParameterGroup } from "../../state/parameter-groups.js";
import { cacheSecurityGroups, subnetGroups } from "../../state/network.js";
import type { RegionState } from "../../state/store.js";

export const MAX_TAGS = 50;

export function checkTags(tags: Array<{ Key?: string; Value?: string }>): void {
  for (const tag of tags) {
    if (!tag.Key) throw commonErrors.invalidParameterValue("Tag keys must not be empty.");
    if (tag.Key.length > 128) throw commonErrors.invalidParameterValue(`Tag key ${tag.Key.slice(0, 20)}... is longer than 128 characters.`);
    if ((tag.Value ?? "").length > 256) throw commonErrors.invalidParameterValue(`The value of tag ${tag.Key} is longer than 256 characters.`);
    if (tag.Key.toLowerCase().startsWith("aws:")) {
      throw commonErrors.invalidParameterValue(`Tag keys must not start with "aws:" (${tag.Key}).`);
    }
  }
  if (new Set(tags.map((t) => t.Key)).size > MAX_TAGS) {
    throw modelError("TagQuotaPerResourceExceeded", `A resource can have at most ${MAX_TAGS} tags.`);
  }
}

/** Parses the ARN and checks that the resource exists in the caller's account and region. */
export function findTaggableResource(state: RegionState, resourceName: string): ParsedArn {
  const arn = parseArn(resourceName);
  if (!arn) throw modelError("InvalidARNFault", `The ARN ${resourceName} is not a valid ElastiCache ARN.`);
  const here = arn.region === state.key.region && arn.accountId === state.key.accountId;
  const name = arn.resourceName;
  switch (arn.resourceType) {
    case "cluster":
      if (!here || !state.clusters.has(name)) throw modelError("CacheClusterNotFoundFault", `CacheCluster not found: ${name}`);
      return arn;
    case "parametergroup":
      if (!here || !findParameterGroup(state, name)) {
        throw modelError("CacheParameterGroupNotFoundFault", `CacheParameterGroup ${name} not found.`);
      }
      return arn;
    case "subnetgroup":
      if (!here || !subnetGroups(state).has(name)) throw modelError("CacheSubnetGroupNotFoundFault", `Cache subnet group ${name} not found.`);
      return arn;
    case "securitygroup":
      if (!here || !cacheSecurityGroups(state).has(name)) throw modelError("CacheSecurityGroupNotFoundFault", `CacheSecurityGroup ${name} not found.`);
      return arn;
    case "replicationgroup":
      throw modelError("ReplicationGroupNotFoundFault", `ReplicationGroup not found: ${name}`);
    case "snapshot":
      if (!here || !state.snapshots.has(name)) throw modelError("SnapshotNotFoundFault", `Snapshot ${name} not found.`);
      return arn;
    case "user":
      if (!here || !state.users.has(name)) throw modelError("UserNotFoundFault", `User ${name} not found.`);
      return arn;
    case "usergroup":
      if (!here || !state.userGroups.has(name)) throw modelError("UserGroupNotFoundFault", `User group ${name} not found.`);
      return arn;
    case "serverlesscache":
      throw modelError("ServerlessCacheNotFoundFault", `Serverless cache ${name} not found.`);
    case "serverlesscachesnapshot":
      throw modelError("ServerlessCacheSnapshotNotFoundFault", `Serverless cache snapshot ${name} not found.`);
    case "reserved-instance":
      throw modelError("ReservedCacheNodeNotFoundFault", `Reserved cache node ${name} not found.`);
    case "globalreplicationgroup":
      throw modelError("GlobalReplicationGroupNotFoundFault", `Global replication group ${name} not found.`);
  }
}
