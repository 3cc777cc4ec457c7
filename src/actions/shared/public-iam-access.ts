/**
 * Serverless caches with a public endpoint (`ConnectionType` `public`) and the system-managed
 * IAM user and user group AWS provides for them.
 *
 * AWS (auth-iam): "Caches with a public endpoint require a user group where all users use IAM
 * authentication. ElastiCache provides a default user (`default.iam-user`) and user group
 * (`default.iam-user-group`) that you can use to get started." Their settings and AWS's
 * errors are not documented; the choices, in one place here (README, Serverless caches):
 * - The pair appears in a region the first time a request names either of them (a lookup by
 *   id, e.g. `UserGroupId` on CreateServerlessCache, ModifyServerlessCache or
 *   DescribeUserGroups; the model's `UserId` pattern has no dot, so no request names the user
 *   by id), and is then listed like any user and user group. `default.iam-user` is a valkey user, name equal to its id,
 *   `AuthenticationMode` `iam`, access string `on ~* +@all`; `default.iam-user-group` is a
 *   valkey user group holding only it (valkey, because a redis user group needs a user named
 *   `default`, which could not be an IAM user). Neither can be modified or deleted.
 * - `ConnectionType` `public` is for valkey caches only (AWS's announcement: Valkey
 *   serverless caches, not Redis OSS or Memcached; its Valkey 9.0 minimum is not applied,
 *   the emulator's newest major version being 8) and needs a `UserGroupId` whose users all
 *   authenticate with IAM, on create and whenever the cache's group or its users change.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { OPEN_ACCESS_STRING } from "../../engines/acl.js";
import { buildArn } from "../../state/arn.js";
import type { ServerlessCacheRecord, UserGroupRecord, UserRecord } from "../../state/records.js";
import type { RegionState } from "../../state/store.js";
import { groupsOfUser, serverlessCachesOfUserGroup } from "../../state/users.js";

export const SYSTEM_IAM_USER_ID = "default.iam-user";
export const SYSTEM_IAM_USER_GROUP_ID = "default.iam-user-group";
const SYSTEM_IDS = new Set([SYSTEM_IAM_USER_ID, SYSTEM_IAM_USER_GROUP_ID]);

/** Makes the system-managed pair exist in the region when `id` names one of them (lookups call this first). */
export function materializeSystemIamAccess(state: RegionState, id: string): void {
  if (!SYSTEM_IDS.has(id.toLowerCase())) return;
  const { region, accountId } = state.key;
  if (!state.users.has(SYSTEM_IAM_USER_ID)) {
    const user: UserRecord = {
      id: SYSTEM_IAM_USER_ID,
      name: SYSTEM_IAM_USER_ID,
      arn: buildArn(region, accountId, "user", SYSTEM_IAM_USER_ID),
      engine: "valkey",
      status: "active",
      accessString: OPEN_ACCESS_STRING,
      authentication: { type: "iam", passwordHashes: [] },
      minimumEngineVersion: "7.2",
    };
    state.users.set(user.id, user);
  }
  if (!state.userGroups.has(SYSTEM_IAM_USER_GROUP_ID)) {
    const group: UserGroupRecord = {
      id: SYSTEM_IAM_USER_GROUP_ID,
      arn: buildArn(region, accountId, "usergroup", SYSTEM_IAM_USER_GROUP_ID),
      engine: "valkey",
      status: "active",
      userIds: [SYSTEM_IAM_USER_ID],
      minimumEngineVersion: "7.2",
    };
    state.userGroups.set(group.id, group);
  }
}

/** The system-managed user and user group cannot be modified or deleted (the emulator's wording). */
export function refuseSystemManaged(id: string, what: "user" | "user group", verb: "modified" | "deleted"): void {
  if (SYSTEM_IDS.has(id)) throw commonErrors.invalidParameterValue(`The ${what} ${id} is managed by ElastiCache and cannot be ${verb}.`);
}

const notIam = (state: RegionState, userIds: string[]) => userIds.find((id) => state.users.get(id)?.authentication.type !== "iam");

function publicRefusal(cacheName: string | undefined, detail: string) {
  const which = cacheName === undefined ? "A serverless cache" : `Serverless cache ${cacheName}`;
  return commonErrors.invalidParameterCombination(
    `${which} with ConnectionType public needs a user group whose users all authenticate with IAM (such as ${SYSTEM_IAM_USER_GROUP_ID}); ${detail}.`,
  );
}

/** CreateServerlessCache / ModifyServerlessCache: the user group a public cache is to have. */
export function checkPublicCacheUserGroup(
  state: RegionState,
  cache: { name?: string; engine: string; connectionType?: string },
  userGroupId: string | undefined,
): void {
  if (cache.connectionType !== "public") return;
  if (cache.engine !== "valkey") throw commonErrors.invalidParameterCombination(`ConnectionType public is supported for the valkey engine only, not ${cache.engine}.`);
  if (userGroupId === undefined) throw publicRefusal(cache.name, "no UserGroupId was given");
  const group = state.userGroups.get(userGroupId);
  const user = group && notIam(state, group.userIds);
  if (user) throw publicRefusal(cache.name, `user ${user} of user group ${userGroupId} does not`);
}

const publicCacheOf = (state: RegionState, userGroupId: string): ServerlessCacheRecord | undefined =>
  serverlessCachesOfUserGroup(state, userGroupId).find((c) => c.connectionType === "public");

/** ModifyUserGroup: the users a group will have, where a public cache uses it. */
export function checkPublicCachesOfGroup(state: RegionState, userGroupId: string, userIdsAfter: string[]): void {
  const cache = publicCacheOf(state, userGroupId);
  const user = cache && notIam(state, userIdsAfter);
  if (user) throw publicRefusal(cache.name, `user ${user} of user group ${userGroupId} would not authenticate with IAM`);
}

/** ModifyUser making a user authenticate otherwise than with IAM: no group of it may serve a public cache. */
export function checkPublicCachesOfUser(state: RegionState, userId: string): void {
  for (const group of groupsOfUser(state, userId)) {
    const cache = publicCacheOf(state, group.id);
    if (cache) throw publicRefusal(cache.name, `user ${userId} of user group ${group.id} would not authenticate with IAM`);
  }
}
