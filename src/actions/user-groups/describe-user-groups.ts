/** DescribeUserGroups: one by UserGroupId, or all, paged. */
import { userGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { paginate, sortByKey } from "../shared/describe.js";
import { findUserGroup } from "../users/user-rules.js";

export const describeUserGroups: ActionHandler<"DescribeUserGroups"> = async (ctx, input) => {
  const groups = input.UserGroupId !== undefined ? [findUserGroup(ctx.state, input.UserGroupId)] : [...ctx.state.userGroups.values()];
  const page = paginate(sortByKey(groups, (g) => g.id), (g) => g.id, input);
  return { UserGroups: page.items.map((g) => userGroupToWire(g, ctx.state)), Marker: page.marker };
};
