/** DescribeGlobalReplicationGroups: one global datastore by id, or a page of the account's; members with ShowMemberInfo. */
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { findGlobal, wire } from "./global-rules.js";

export const describeGlobalReplicationGroups: ActionHandler<"DescribeGlobalReplicationGroups"> = async (ctx, input) => {
  const page = describe("DescribeGlobalReplicationGroups", input, {
    byId: { id: input.GlobalReplicationGroupId, find: (id) => findGlobal(ctx, id) },
    all: () => ctx.account.globalReplicationGroups.values(),
    keyOf: (g) => g.id,
  });
  return { Marker: page.next, GlobalReplicationGroups: page.items.map((g) => wire(ctx, g, input.ShowMemberInfo === true)) };
};
