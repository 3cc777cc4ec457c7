/** Rules AWS applies to users and user groups, as checks that throw AWS's errors. */
import { accessStringError, passwordHash } from "../../engines/acl.js";
import type { AuthenticationMode } from "../../generated/elasticache.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { userWording } from "../../service-errors/elasticache-wording.js";
import type { UserRecord } from "../../state/records.js";

export function checkAccessString(accessString: string): string {
  const error = accessStringError(accessString);
  if (error) throw commonErrors.invalidParameterValue(error);
  return accessString.trim().split(/\s+/).join(" ");
}

/** User passwords: 16-128 printable ASCII characters. */
export function checkPassword(password: string): void {
  if (password.length < 16 || password.length > 128) throw userWording.passwordLength();
  if (!/^[\x21-\x7e]+$/.test(password)) throw commonErrors.invalidParameterValue("Passwords must contain only printable ASCII characters.");
}

/**
 * An IAM user's id and name must be the same (AWS docs, "Authenticating with IAM": "the
 * username and user id properties must be identical"). Ids are kept lowercase, so the two are
 * compared without regard to case: `MyUser`/`MyUser` is one identity, `app`/`app-user` is not.
 */
function sameIamIdentity(id: string, name: string): boolean {
  return id.toLowerCase() === name.toLowerCase();
}

type AuthenticationInput = { Passwords?: string[]; NoPasswordRequired?: boolean; AuthenticationMode?: AuthenticationMode };

/**
 * The authentication a CreateUser / ModifyUser asks for, from Passwords, NoPasswordRequired
 * and AuthenticationMode. `NoPasswordRequired=false` asks for nothing by itself (the Terraform
 * provider sends it with every CreateUser), so it goes with any AuthenticationMode, as on AWS;
 * `NoPasswordRequired=true` only with no-password-required. For CreateUser (no `current`), asking
 * for nothing is AWS's "Input Authentication type: null ..."; for ModifyUser it changes nothing
 * (undefined), unless it asks a no-password user for a password it does not give.
 */
export function requestedAuthentication(input: AuthenticationInput, user: { id: string; name: string }): UserRecord["authentication"];
export function requestedAuthentication(
  input: AuthenticationInput,
  user: { id: string; name: string },
  current: UserRecord["authentication"],
): UserRecord["authentication"] | undefined;
export function requestedAuthentication(
  input: AuthenticationInput,
  user: { id: string; name: string },
  current?: UserRecord["authentication"],
): UserRecord["authentication"] | undefined {
  const { NoPasswordRequired: noPassword, AuthenticationMode: mode } = input;
  const passwords = input.Passwords?.length ? input.Passwords : undefined;
  if (mode) {
    if (mode.Type === undefined) throw userWording.authenticationTypeNotAllowed(null);
    if (passwords) throw commonErrors.invalidParameterCombination("Passwords cannot be specified together with AuthenticationMode.");
    if (noPassword === true && mode.Type !== "no-password-required") {
      throw commonErrors.invalidParameterCombination(`NoPasswordRequired cannot be true for AuthenticationMode type ${mode.Type}.`);
    }
    switch (mode.Type) {
      case "password":
        if (!mode.Passwords?.length) throw commonErrors.invalidParameterCombination("A password is required for AuthenticationMode type password.");
        return { type: "password", passwordHashes: hashPasswords(mode.Passwords) };
      case "no-password-required":
      case "iam":
        if (mode.Passwords?.length) throw commonErrors.invalidParameterCombination(`Passwords cannot be given for AuthenticationMode type ${mode.Type}.`);
        if (mode.Type === "iam" && !sameIamIdentity(user.id, user.name)) throw userWording.iamIdAndNameDiffer();
        return { type: mode.Type === "iam" ? "iam" : "no-password", passwordHashes: [] };
      default:
        throw userWording.authenticationTypeNotAllowed(String(mode.Type));
    }
  }
  if (noPassword === true && passwords) throw commonErrors.invalidParameterCombination("Passwords cannot be given when NoPasswordRequired is true.");
  if (noPassword === true) return { type: "no-password", passwordHashes: [] };
  if (passwords) return { type: "password", passwordHashes: hashPasswords(passwords) };
  if (current === undefined || (noPassword === false && current.type === "no-password")) throw userWording.authenticationTypeNotAllowed(null);
  return undefined;
}

function hashPasswords(passwords: string[]): string[] {
  if (passwords.length > 2) throw commonErrors.invalidParameterValue("A user can have at most two passwords.");
  for (const p of passwords) checkPassword(p);
  return passwords.map(passwordHash);
}

