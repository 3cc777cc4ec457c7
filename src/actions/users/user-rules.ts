/** Rules AWS applies to users and user groups, as checks that throw AWS's errors. */
import { accessStringError, passwordHash } from "../../engines/acl.js";
import type { AuthenticationMode } from "../../generated/api.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../protocol/model-errors.js";
import type { UserGroupRecord, UserRecord } from "../../state/records.js";
import type { RegionState } from "../../state/store.js";

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

export function checkAccessString(accessString: string): string {
  const error = accessStringError(accessString);
  if (error) throw commonErrors.invalidParameterValue(error);
  return accessString.trim().split(/\s+/).join(" ");
}

/** User passwords and AUTH tokens: 16-128 printable ASCII characters. */
export function checkPassword(password: string, what = "Passwords"): void {
  if (password.length < 16 || password.length > 128) {
    throw commonErrors.invalidParameterValue(`${what} must be between 16 and 128 characters long.`);
  }
  if (!/^[\x21-\x7e]+$/.test(password)) throw commonErrors.invalidParameterValue(`${what} must contain only printable ASCII characters.`);
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

/**
 * The authentication a CreateUser / ModifyUser asks for, from Passwords, NoPasswordRequired
 * or AuthenticationMode (not mixed); undefined when the request changes nothing of it.
 */
export function requestedAuthentication(
  input: { Passwords?: string[]; NoPasswordRequired?: boolean; AuthenticationMode?: AuthenticationMode },
  user: { id: string; name: string },
): UserRecord["authentication"] | undefined {
  const { Passwords: passwords, NoPasswordRequired: noPassword, AuthenticationMode: mode } = input;
  if (mode && (passwords !== undefined || noPassword !== undefined)) {
    throw commonErrors.invalidParameterCombination("AuthenticationMode cannot be combined with Passwords or NoPasswordRequired.");
  }
  if (mode) {
    switch (mode.Type) {
      case "password":
        if (!mode.Passwords?.length) throw commonErrors.invalidParameterCombination("A password is required for AuthenticationMode type password.");
        return { type: "password", passwordHashes: hashPasswords(mode.Passwords) };
      case "no-password-required":
      case "iam":
        if (mode.Passwords?.length) throw commonErrors.invalidParameterCombination(`Passwords cannot be given for AuthenticationMode type ${mode.Type}.`);
        if (mode.Type === "iam" && user.id !== user.name) {
          throw commonErrors.invalidParameterValue("UserName and UserId must be the same for a user with IAM authentication.");
        }
        return { type: mode.Type === "iam" ? "iam" : "no-password", passwordHashes: [] };
      default:
        throw commonErrors.invalidParameterValue(`Invalid AuthenticationMode type: ${String(mode.Type)}.`);
    }
  }
  if (noPassword && passwords?.length) throw commonErrors.invalidParameterCombination("Passwords cannot be given when NoPasswordRequired is true.");
  if (noPassword) return { type: "no-password", passwordHashes: [] };
  if (passwords?.length) return { type: "password", passwordHashes: hashPasswords(passwords) };
  if (noPassword === false && !passwords?.length) {
    throw commonErrors.invalidParameterCombination("A password is required when NoPasswordRequired is false.");
  }
  return undefined;
}

function hashPasswords(passwords: string[]): string[] {
  if (passwords.length > 2) throw commonErrors.invalidParameterValue("A user can have at most two passwords.");
  for (const p of passwords) checkPassword(p);
  return passwords.map(passwordHash);
}

export function findUser(state: RegionState, id: string): UserRecord {
  const user = state.users.get(id.toLowerCase());
  if (!user) throw modelError("UserNotFoundFault", `User ${id} not found.`);
  return user;
}

export function findUserGroup(state: RegionState, id: string): UserGroupRecord {
  const group = state.userGroups.get(id.toLowerCase());
  if (!group) throw modelError("UserGroupNotFoundFault", `User group ${id} not found.`);
  return group;
}

export function requireUserActive(user: UserRecord): void {
  if (user.status !== "active") throw modelError("InvalidUserStateFault", `User ${user.id} is not in the active state (current status: ${user.status}).`);
}

export function requireUserGroupActive(group: UserGroupRecord): void {
  if (group.status !== "active") {
    throw modelError("InvalidUserGroupStateFault", `User group ${group.id} is not in the active state (current status: ${group.status}).`);
  }
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
  if (engine === "redis" && !names.has("default")) throw modelError("DefaultUserRequired", "A user group must contain a user named default.");
  return users;
}
