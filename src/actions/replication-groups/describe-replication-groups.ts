/** DescribeReplicationGroups: one group by id, or a page of all of them. */
import { replicationGroupToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { paginate, sortByKey } from "../shared/describe.js";
import { findReplicationGroup } from "./replication-group-rules.js";

export const describeReplicationGroups: ActionHandler<"DescribeReplicationGroups"> = async (ctx, input) => {
  const wire = (group: Parameters<typeof replicationGroupToWire>[0]) =>
    replicationGroupToWire(group, (id) => ctx.state.clusters.get(id), ctx.services.config.advertisedHost);
  if (input.ReplicationGroupId !== undefined) {
    return { ReplicationGroups: [wire(findReplicationGroup(ctx.state, input.ReplicationGroupId))] };
  }
  const page = paginate(sortByKey(ctx.state.replicationGroups.values(), (g) => g.id), (g) => g.id, input);
  return { Marker: page.marker, ReplicationGroups: page.items.map(wire) };
};
