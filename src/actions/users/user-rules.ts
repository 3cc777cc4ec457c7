/** Rules AWS applies to users and user groups, as checks that throw AWS's errors. */
import { accessStringError, passwordHash } from "../../engines/acl.js";
import type { AuthenticationMode } from "../../generated/elasticache.js";
import { commonErrors } from "../../protocol/aws-error.js";
import type { UserRecord } from "../../state/records.js";

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

