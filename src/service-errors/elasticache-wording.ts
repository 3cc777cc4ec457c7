/**
 * ElastiCache's error messages as AWS words them, in one place: the templates the handlers
 * throw (users and user groups), and the input validator's wording with AWS's own phrasing
 * where AWS answers a model violation in words of its own (an unknown authentication type).
 * Each template quotes a real AWS answer; the source is named beside it.
 */
import { commonErrors, type AwsError } from "../protocol/aws-error.js";
import { queryWording, type ViolationWording } from "../protocol/validator.js";
import { modelError } from "./elasticache.js";

/** The authentication types CreateUser / ModifyUser accept (the model's InputAuthenticationType), in AWS's order. */
export const INPUT_AUTHENTICATION_TYPES = ["password", "no-password-required", "iam"] as const;

export const userWording = {
  /**
   * No authentication at all (`null`), or a type AWS does not know. Real answer to a CreateUser
   * without passwords or mode (crossplane-contrib/provider-upjet-aws#151): "Input Authentication
   * type: null is not in the allowed list: [password,no-password-required,iam]".
   */
  authenticationTypeNotAllowed: (type: string | null): AwsError =>
    commonErrors.invalidParameterValue(
      `Input Authentication type: ${type ?? "null"} is not in the allowed list: [${INPUT_AUTHENTICATION_TYPES.join(",")}]`,
    ),
  /** terraform-aws-modules/terraform-aws-elasticache#65 (real CreateUser answer). */
  iamIdAndNameDiffer: (): AwsError =>
    commonErrors.invalidParameterCombination("User Id and User name must be same for authentication type: iam"),
  /** hashicorp/terraform-provider-aws#24273 (real CreateUser answer). */
  passwordLength: (): AwsError => commonErrors.invalidParameterValue("Passwords length must be between 16-128 characters."),
  /** hashicorp/terraform-provider-aws#25593 and #34784 (real CreateUserGroup answers). */
  defaultUserRequired: (): AwsError => modelError("DefaultUserRequired", "User group needs to contain a user with the user name default."),
} as const;

type Path = Parameters<ViolationWording["invalid"]>[0];

/** The authentication type of CreateUser / ModifyUser: `AuthenticationMode.Type`. */
function isAuthenticationType(path: Path): boolean {
  const [mode, type] = path;
  return path.length === 2 && "member" in mode! && mode.member === "AuthenticationMode" && "member" in type! && type.member === "Type";
}

/**
 * ElastiCache's wording of model violations: the query wording, except an authentication type
 * outside the model's enum, which AWS answers with the same template as a missing one.
 */
export const elasticacheWording: ViolationWording = {
  missing: (path) => queryWording.missing(path),
  invalid(path, value, violation) {
    if (violation.kind === "enum" && isAuthenticationType(path)) return userWording.authenticationTypeNotAllowed(String(value));
    return queryWording.invalid(path, value, violation);
  },
};
