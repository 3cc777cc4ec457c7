/** Rules AWS applies to RBAC users and user groups alike (ids, engines, a group's members). */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { userWording } from "../../service-errors/elasticache-wording.js";
import type { UserRecord } from "../../state/records.js";
import type { RegionState } from "../../state/store.js";
import { findUser } from "./lookups.js";

/** UserId and UserGroupId: stored lowercase; a letter, then letters, digits and single hyphens. */
export function checkAccessId(id: string, parameter: "UserId" | "UserGroupId"): string {
  const lower = id.toLowerCase();
  if (!/^[a-z][a-z0-9-]*$/.test(lower) || lower.length > 40 || lower.includes("--") || lower.endsWith("-")) {
    throw commonErrors.invalidParameterValue(
      `The parameter ${parameter} must begin with a letter, contain only ASCII letters, digits and hyphens, ` +
        `be 1 to 40 characters long, and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
  return lower;
}

export function checkAccessEngine(engine: string): "redis" | "valkey" {
  const lower = engine.toLowerCase();
  if (lower !== "redis" && lower !== "valkey") throw commonErrors.invalidParameterValue(`Invalid engine: ${engine}. The options are valkey or redis.`);
  return lower;
}

/**
 * The members of a user group, as AWS checks them: users exist, names are unique, a Redis
 * group has a user named `default`, a Valkey group only users that authenticate.
 */
export function checkGroupMembers(state: RegionState, engine: "redis" | "valkey", userIds: string[]): UserRecord[] {
  const users = [...new Set(userIds.map((id) => id.toLowerCase()))].map((id) => findUser(state, id));
  const names = new Set<string>();
  for (const user of users) {
    if (names.has(user.name)) throw modelError("DuplicateUserNameFault", `A user group cannot contain two users named ${user.name}.`);
    names.add(user.name);
    if (engine === "redis" && user.engine !== "redis") {
      throw commonErrors.invalidParameterValue(`User ${user.id} has engine ${user.engine}: a redis user group can only contain redis users.`);
    }
    if (engine === "valkey" && user.authentication.type === "no-password") {
      throw commonErrors.invalidParameterValue(`User ${user.id} requires no password: a valkey user group can only contain users that authenticate with a password or IAM.`);
    }
  }
  if (engine === "redis" && !names.has("default")) throw userWording.defaultUserRequired();
  return users;
}
