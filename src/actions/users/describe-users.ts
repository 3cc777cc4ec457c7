/** DescribeUsers: by UserId, Engine and Filters (user-id, user-name, engine, status), paged. */
import { commonErrors } from "../../protocol/aws-error.js";
import type { UserRecord } from "../../state/records.js";
import { userToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { paginate, sortByKey } from "../shared/describe.js";
import { findUser } from "./user-rules.js";

const FILTERS: Record<string, (u: UserRecord) => string> = {
  "user-id": (u) => u.id,
  userid: (u) => u.id,
  "user-name": (u) => u.name,
  username: (u) => u.name,
  engine: (u) => u.engine,
  status: (u) => u.status,
};

export const describeUsers: ActionHandler<"DescribeUsers"> = async (ctx, input) => {
  let users = input.UserId !== undefined ? [findUser(ctx.state, input.UserId)] : [...ctx.state.users.values()];
  if (input.Engine !== undefined) users = users.filter((u) => u.engine === input.Engine!.toLowerCase());
  for (const filter of input.Filters ?? []) {
    const field = FILTERS[filter.Name.toLowerCase()];
    if (!field) throw commonErrors.invalidParameterValue(`Invalid filter name: ${filter.Name}. Valid names: user-id, user-name, engine, status.`);
    users = users.filter((u) => filter.Values.includes(field(u)));
  }
  const page = paginate(sortByKey(users, (u) => u.id), (u) => u.id, input);
  return { Users: page.items.map((u) => userToWire(u, ctx.state)), Marker: page.marker };
};
