/**
 * DescribeUpdateActions: one entry per service update and replication group or standalone
 * cluster it applies to, with every filter of the API; ShowNodeLevelUpdateStatus adds each
 * node's status (per node group for a replication group).
 */
import { commonErrors } from "../../protocol/aws-error.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { updateActionToWire } from "./service-update-rules.js";

export const describeUpdateActions: ActionHandler<"DescribeUpdateActions"> = async (ctx, input) => {
  const range = input.ServiceUpdateTimeRange;
  if (range?.StartTime && range.EndTime && range.StartTime.getTime() > range.EndTime.getTime()) {
    throw commonErrors.invalidParameterValue("ServiceUpdateTimeRange StartTime must be before EndTime.");
  }
  const groupIds = input.ReplicationGroupIds ?? [];
  const clusterIds = input.CacheClusterIds ?? [];
  const serviceStatuses = input.ServiceUpdateStatus ?? [];
  const actionStatuses = input.UpdateActionStatus ?? [];
  const named = groupIds.length > 0 || clusterIds.length > 0;
  const page = describe("DescribeUpdateActions", input, {
    all: () => ctx.services.updates.actions(ctx.state),
    where: (a) =>
      (input.ServiceUpdateName === undefined || a.update.name === input.ServiceUpdateName) &&
      (!named || (a.target.kind === "replication-group" ? groupIds.includes(a.resourceId) : clusterIds.includes(a.resourceId))) &&
      (input.Engine === undefined || a.engine === input.Engine) &&
      (!serviceStatuses.length || serviceStatuses.includes(a.updateStatus)) &&
      (!actionStatuses.length || actionStatuses.includes(a.status)) &&
      // The time range selects by the service update's release date.
      (!range?.StartTime || a.update.releaseDate.getTime() >= range.StartTime.getTime()) &&
      (!range?.EndTime || a.update.releaseDate.getTime() <= range.EndTime.getTime()),
    keyOf: (a) => `${a.update.name}|${a.target.kind}|${a.resourceId}`,
  });
  return { Marker: page.next, UpdateActions: page.items.map((a) => updateActionToWire(a, input.ShowNodeLevelUpdateStatus ?? false)) };
};
