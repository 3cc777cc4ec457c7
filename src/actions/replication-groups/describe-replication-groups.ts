/** DescribeReplicationGroups: one group by id, or a page of all of them. */
import type { ReplicationGroup } from "../../generated/elasticache.js";
import { resources } from "../../state/resources.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { findReplicationGroup } from "../shared/lookups.js";

export const describeReplicationGroups: ActionHandler<"DescribeReplicationGroups"> = async (ctx, input) => {
  const page = describe("DescribeReplicationGroups", input, {
    byId: { id: input.ReplicationGroupId, find: (id) => findReplicationGroup(ctx.state, id) },
    all: () => ctx.state.replicationGroups.values(),
    keyOf: (g) => g.id,
  });
  const wire = { state: ctx.state, advertisedHost: ctx.services.config.advertisedHost };
  return { Marker: page.next, ReplicationGroups: page.items.map((g) => resources.replicationGroup.toWire!(g, wire) as ReplicationGroup) };
};
