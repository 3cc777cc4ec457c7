/** Lookups between users, user groups and replication groups (the `default` user is seeded by state/defaults.ts). */
import type { ReplicationGroupRecord, ServerlessCacheRecord, UserGroupRecord } from "./records.js";
import type { RegionState } from "./store.js";

/** The user groups a user belongs to. */
export function groupsOfUser(state: RegionState, userId: string): UserGroupRecord[] {
  return [...state.userGroups.values()].filter((g) => g.userIds.includes(userId));
}

/** The replication groups a user group is attached to. */
export function replicationGroupsOfUserGroup(state: RegionState, userGroupId: string): ReplicationGroupRecord[] {
  return [...state.replicationGroups.values()].filter((rg) => rg.access?.userGroupIds.includes(userGroupId));
}

/** The serverless caches a user group is attached to. */
export function serverlessCachesOfUserGroup(state: RegionState, userGroupId: string): ServerlessCacheRecord[] {
  return [...state.serverlessCaches.values()].filter((c) => c.userGroupId === userGroupId);
}
