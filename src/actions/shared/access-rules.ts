/**
 * Who may connect, as requested on create and modify: AuthToken with its update strategies,
 * and user groups, with the rules AWS applies (both need in-transit encryption, whose own
 * rules are in transit-encryption-rules.ts).
 */
import { passwordHash } from "../../engines/acl.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { AccessSettings, UserGroupRecord } from "../../state/records.js";
import type { RegionState } from "../../state/store.js";
import { replicationGroupsOfUserGroup } from "../../state/users.js";
import { findUserGroup } from "./lookups.js";

interface CreateAccessInput {
  AuthToken?: string;
  UserGroupIds?: string[];
}

interface ModifyAccessInput {
  AuthToken?: string;
  AuthTokenUpdateStrategy?: string;
  UserGroupIdsToAdd?: string[];
  UserGroupIdsToRemove?: string[];
  RemoveUserGroups?: boolean;
}

/** The access settings of a new cluster or replication group. */
export function accessAtCreate(
  state: RegionState,
  input: CreateAccessInput,
  target: { engine: string; engineVersion: string },
  tls: boolean,
): AccessSettings {
  const userGroupIds = [...new Set((input.UserGroupIds ?? []).map((id) => id.toLowerCase()))];
  if (input.AuthToken !== undefined && userGroupIds.length) {
    throw commonErrors.invalidParameterCombination("AuthToken and UserGroupIds cannot be specified together.");
  }
  if (input.AuthToken !== undefined) {
    if (target.engine === "memcached") throw commonErrors.invalidParameterCombination("AuthToken is not supported for the memcached engine.");
    if (!tls) throw commonErrors.invalidParameterValue("The AUTH token is only supported when encryption-in-transit is enabled");
    checkAuthToken(input.AuthToken);
  }
  if (userGroupIds.length) {
    if (!tls) throw commonErrors.invalidParameterCombination("UserGroupIds can be specified only when TransitEncryptionEnabled is true.");
    checkUserGroupsFit(state, userGroupIds, target);
  }
  const now = new Date();
  return {
    userGroupIds,
    authTokenHashes: input.AuthToken !== undefined ? [passwordHash(input.AuthToken)] : [],
    authTokenOpenToo: false,
    authTokenLastModified: input.AuthToken !== undefined ? now : undefined,
  };
}

/** What access changes apply to: a replication group, or a standalone cache cluster (AUTH tokens only). */
interface AccessTarget {
  id: string;
  engine: string;
  engineVersion: string;
  access?: AccessSettings;
}

/**
 * Applies ModifyReplicationGroup's (or ModifyCacheCluster's) AuthToken / user group inputs
 * to the record, with PendingModifiedValues to show while the engines get them. Returns
 * whether anything changed; nothing changes when the request is refused.
 *   ROTATE: the new token is accepted alongside the current one (or alongside no AUTH at all);
 *   SET: only the new token; DELETE: no token, only when moving to user groups in the same call.
 */
export function modifyAccess(
  state: RegionState,
  group: AccessTarget,
  input: ModifyAccessInput,
  tls: boolean,
  kind: "replication group" | "cache cluster" = "replication group",
): boolean {
  const access: AccessSettings = group.access ?? { userGroupIds: [], authTokenHashes: [], authTokenOpenToo: false };
  const strategy = input.AuthTokenUpdateStrategy ?? (input.AuthToken !== undefined ? "ROTATE" : undefined);
  const toAdd = [...new Set((input.UserGroupIdsToAdd ?? []).map((id) => id.toLowerCase()))];
  const toRemove = [...new Set((input.UserGroupIdsToRemove ?? []).map((id) => id.toLowerCase()))];
  const removeAll = input.RemoveUserGroups ?? false;
  if (strategy === undefined && !toAdd.length && !toRemove.length && !removeAll) return false;

  if (strategy !== undefined && strategy !== "ROTATE" && strategy !== "SET" && strategy !== "DELETE") {
    throw commonErrors.invalidParameterValue(`Invalid AuthTokenUpdateStrategy: ${strategy}. Valid values: SET, ROTATE, DELETE.`);
  }
  if (strategy === "DELETE" && input.AuthToken !== undefined) {
    throw commonErrors.invalidParameterCombination("AuthToken cannot be specified with AuthTokenUpdateStrategy DELETE.");
  }
  if ((strategy === "ROTATE" || strategy === "SET") && input.AuthToken === undefined) {
    throw commonErrors.invalidParameterCombination(`AuthToken must be specified with AuthTokenUpdateStrategy ${strategy}.`);
  }
  if (input.AuthToken !== undefined) checkAuthToken(input.AuthToken);
  if (strategy !== undefined && group.engine === "memcached") {
    throw commonErrors.invalidParameterCombination("AuthToken is not supported for the memcached engine.");
  }
  if ((strategy !== undefined || toAdd.length) && !tls) {
    throw commonErrors.invalidParameterCombination(
      `${strategy !== undefined ? "AuthToken" : "UserGroupIdsToAdd"} can be specified only on a ${kind} with TransitEncryptionEnabled.`,
    );
  }
  if (removeAll && (toAdd.length || toRemove.length)) {
    throw commonErrors.invalidParameterCombination("RemoveUserGroups cannot be combined with UserGroupIdsToAdd or UserGroupIdsToRemove.");
  }
  const stranger = toRemove.find((id) => !access.userGroupIds.includes(id));
  if (stranger) throw commonErrors.invalidParameterValue(`User group ${stranger} is not associated with replication group ${group.id}.`);
  const attached = toAdd.find((id) => access.userGroupIds.includes(id));
  if (attached) throw commonErrors.invalidParameterValue(`User group ${attached} is already associated with replication group ${group.id}.`);
  if (toAdd.length) checkUserGroupsFit(state, toAdd, group);
  const groupsAfter = removeAll ? [] : [...access.userGroupIds.filter((id) => !toRemove.includes(id)), ...toAdd];

  const hasToken = access.authTokenHashes.length > 0;
  if (strategy === "DELETE") {
    if (!hasToken) throw commonErrors.invalidParameterValue(`The ${kind} ${group.id} has no AUTH token to delete.`);
    if (!toAdd.length) {
      throw commonErrors.invalidParameterCombination("AuthTokenUpdateStrategy DELETE is allowed only when moving to user groups (UserGroupIdsToAdd).");
    }
  } else if (toAdd.length && hasToken) {
    throw commonErrors.invalidParameterCombination(
      "A replication group with an AUTH token moves to user groups with AuthTokenUpdateStrategy DELETE and UserGroupIdsToAdd.",
    );
  }
  if ((strategy === "ROTATE" || strategy === "SET") && groupsAfter.length) {
    throw commonErrors.invalidParameterCombination("AuthToken cannot be used on a replication group with user groups; remove them (RemoveUserGroups) first.");
  }

  const now = new Date();
  const pending: NonNullable<AccessSettings["pending"]> = {};
  if (strategy === "ROTATE") {
    access.authTokenOpenToo = !hasToken || access.authTokenOpenToo;
    access.authTokenHashes = [...access.authTokenHashes.slice(-1), passwordHash(input.AuthToken!)];
    access.authTokenLastModified = now;
    pending.authTokenStatus = "ROTATING";
  } else if (strategy === "SET") {
    access.authTokenOpenToo = false;
    access.authTokenHashes = [passwordHash(input.AuthToken!)];
    access.authTokenLastModified = now;
    pending.authTokenStatus = "SETTING";
  } else if (strategy === "DELETE") {
    access.authTokenOpenToo = false;
    access.authTokenHashes = [];
    access.authTokenLastModified = now;
  }
  const removed = access.userGroupIds.filter((id) => !groupsAfter.includes(id));
  if (toAdd.length || removed.length) {
    pending.userGroupIdsToAdd = toAdd;
    pending.userGroupIdsToRemove = removed;
  }
  access.userGroupIds = groupsAfter;
  access.pending = pending;
  group.access = access;
  return true;
}

/** User groups a cluster may use: they exist, are active, and suit its engine and version. */
function checkUserGroupsFit(state: RegionState, ids: string[], target: { engine: string; engineVersion: string }): UserGroupRecord[] {
  if (target.engine === "memcached") throw commonErrors.invalidParameterCombination("User groups are not supported for the memcached engine.");
  if (target.engine === "redis" && Number.parseFloat(target.engineVersion) < 6) {
    throw commonErrors.invalidParameterCombination(`User groups require Redis OSS 6.0 or later; the engine version is ${target.engineVersion}.`);
  }
  return ids.map((id) => {
    const userGroup = findUserGroup(state, id);
    if (userGroup.status !== "active") {
      throw modelError("InvalidUserGroupStateFault", `User group ${userGroup.id} is not in the active state (current status: ${userGroup.status}).`);
    }
    if (target.engine === "redis" && userGroup.engine !== "redis") {
      throw commonErrors.invalidParameterValue(`User group ${userGroup.id} has engine ${userGroup.engine}: a redis replication group can only use redis user groups.`);
    }
    const iamUser = userGroup.userIds.find((userId) => state.users.get(userId)?.authentication.type === "iam");
    if (iamUser) checkIamSupported(userGroup.id, iamUser, target);
    return userGroup;
  });
}

/**
 * AWS: IAM authentication needs Redis OSS 7.0 or later (Valkey starts at 7.2). The one rule
 * for a user group with an IAM user and the groups it is attached to, whichever side changes:
 * the user group is attached (create, modify), or an IAM user joins an attached user group
 * (ModifyUserGroup), or a user of one becomes an IAM user (ModifyUser).
 */
function checkIamSupported(userGroupId: string, iamUserId: string, target: { id?: string; engine: string; engineVersion: string }): void {
  if (target.engine !== "redis" || Number.parseFloat(target.engineVersion) >= 7) return;
  const of = target.id !== undefined ? ` of replication group ${target.id}` : "";
  throw commonErrors.invalidParameterCombination(
    `User group ${userGroupId} has an IAM user (${iamUserId}): IAM authentication requires Redis OSS 7.0 or later; the engine version${of} is ${target.engineVersion}.`,
  );
}

/** IAM users about to be in a user group (joining it, or becoming IAM users): every replication group it is attached to must take them. */
export function checkIamUsersWhereAttached(state: RegionState, userGroupId: string, iamUserIds: string[]): void {
  if (!iamUserIds.length) return;
  for (const group of replicationGroupsOfUserGroup(state, userGroupId)) checkIamSupported(userGroupId, iamUserIds[0], group);
}

/**
 * AWS's AUTH token: 16-128 characters, letters, digits and only the specials ! & # $ ^ < > -.
 */
export function checkAuthToken(token: string): void {
  if (token.length < 16 || token.length > 128) {
    throw commonErrors.invalidParameterValue("Invalid AuthToken provided. It must be between 16 and 128 characters long.");
  }
  if (!/^[A-Za-z0-9!&#$^<>-]+$/.test(token)) {
    throw commonErrors.invalidParameterValue(
      "Invalid AuthToken provided. The only permitted printable special characters are !, &, #, $, ^, <, >, and -.",
    );
  }
}
