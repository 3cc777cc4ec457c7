/** DescribeUsers: by UserId, Engine and Filters (user-id, user-name, engine, status), paged. */
import type { UserRecord } from "../../state/records.js";
import { userToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { findUser } from "../shared/lookups.js";

const FILTERS: Record<string, (u: UserRecord) => string> = {
  "user-id": (u) => u.id,
  userid: (u) => u.id,
  "user-name": (u) => u.name,
  username: (u) => u.name,
  engine: (u) => u.engine,
  status: (u) => u.status,
};

export const describeUsers: ActionHandler<"DescribeUsers"> = async (ctx, input) => {
  const engine = input.Engine?.toLowerCase();
  const page = describe("DescribeUsers", input, {
    byId: { id: input.UserId, find: (id) => findUser(ctx.state, id) },
    all: () => ctx.state.users.values(),
    where: engine === undefined ? undefined : (u) => u.engine === engine,
    filters: { given: input.Filters, fields: FILTERS, valid: "user-id, user-name, engine, status" },
    keyOf: (u) => u.id,
  });
  return { Users: page.items.map((u) => userToWire(u, ctx.state)), Marker: page.next };
};
