/** CreateUser: an RBAC user; it reaches the engines through the user groups it joins. */
import { buildArn } from "../../state/arn.js";
import type { UserRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { userToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { checkQuota, insertResource, requireNew } from "../shared/lookups.js";
import { checkAccessEngine, checkAccessId } from "../shared/rbac-rules.js";
import { checkTags } from "../shared/tags.js";
import { checkAccessString, requestedAuthentication } from "./user-rules.js";

export const createUser: ActionHandler<"CreateUser"> = async (ctx, input) => {
  const id = checkAccessId(input.UserId, "UserId");
  const engine = checkAccessEngine(input.Engine);
  const accessString = checkAccessString(input.AccessString);
  const authentication = requestedAuthentication(input, { id: input.UserId, name: input.UserName });
  checkTags(input.Tags ?? []);
  requireNew(resources.user, ctx.state, id);
  checkQuota(resources.user, ctx);

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
  insertResource(resources.user, ctx, user, input.Tags);
  return userToWire(user, ctx.state);
};
