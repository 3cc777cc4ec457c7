/** DescribeUserGroups: one by UserGroupId, or all, paged. */
import { userGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { findUserGroup } from "../shared/lookups.js";

export const describeUserGroups: ActionHandler<"DescribeUserGroups"> = async (ctx, input) => {
  const page = describe("DescribeUserGroups", input, {
    byId: { id: input.UserGroupId, find: (id) => findUserGroup(ctx.state, id) },
    all: () => ctx.state.userGroups.values(),
    keyOf: (g) => g.id,
  });
  return { UserGroups: page.items.map((g) => userGroupToWire(g, ctx.state)), Marker: page.next };
};
