/** The user AWS seeds in every account and region, and lookups between users, groups and clusters. */
import { OPEN_ACCESS_STRING } from "../engines/acl.js";
import { buildArn } from "./arn.js";
import type { ReplicationGroupRecord, UserGroupRecord, UserRecord } from "./records.js";
import type { RegionKey, RegionState } from "./store.js";

export function seededDefaultUser(key: RegionKey): UserRecord {
  return {
    id: "default",
    name: "default",
    arn: buildArn(key.region, key.accountId, "user", "default"),
    engine: "redis",
    status: "active",
    accessString: OPEN_ACCESS_STRING,
    authentication: { type: "no-password", passwordHashes: [] },
    minimumEngineVersion: "6.0",
  };
}

/** The user groups a user belongs to. */
export function groupsOfUser(state: RegionState, userId: string): UserGroupRecord[] {
  return [...state.userGroups.values()].filter((g) => g.userIds.includes(userId));
}

/** The replication groups a user group is attached to. */
export function replicationGroupsOfUserGroup(state: RegionState, userGroupId: string): ReplicationGroupRecord[] {
  return [...state.replicationGroups.values()].filter((rg) => rg.access?.userGroupIds.includes(userGroupId));
}
