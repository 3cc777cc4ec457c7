/** CreateUser: an RBAC user; it reaches the engines through the user groups it joins. */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../protocol/model-errors.js";
import { buildArn } from "../../state/arn.js";
import type { UserRecord } from "../../state/records.js";
import { userToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkTags } from "../tags/tag-rules.js";
import { checkAccessEngine, checkAccessId, checkAccessString, requestedAuthentication } from "./user-rules.js";

/** AWS's quota of users per account and region. */
export const MAX_USERS = 1000;

export const createUser: ActionHandler<"CreateUser"> = async (ctx, input) => {
  const id = checkAccessId(input.UserId, "UserId");
  const engine = checkAccessEngine(input.Engine);
  const accessString = checkAccessString(input.AccessString);
  const authentication = requestedAuthentication(input, { id, name: input.UserName });
  if (!authentication) {
    throw commonErrors.invalidParameterCombination("Passwords, NoPasswordRequired or AuthenticationMode must be specified.");
  }
  checkTags(input.Tags ?? []);
  if (ctx.state.users.has(id)) throw modelError("UserAlreadyExistsFault", `User ${id} already exists.`);
  if (ctx.state.users.size >= MAX_USERS) throw modelError("UserQuotaExceededFault", `The quota of ${MAX_USERS} users has been reached.`);

  const user: UserRecord = {
    id,
    name: input.UserName,
    arn: buildArn(ctx.region, ctx.accountId, "user", id),
    engine,
    status: "active",
    accessString,
    authentication,
    minimumEngineVersion: engine === "valkey" ? "7.2" : "6.0",
  };
  ctx.state.users.set(id, user);
  if (input.Tags?.length) ctx.state.tags.set(user.arn, input.Tags.map((t) => ({ Key: t.Key!, Value: t.Value })));
  return userToWire(user, ctx.state);
};
