/** DescribeSnapshots: filters, NodeSnapshots (with NodeGroupConfiguration on request), Marker paging. */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../protocol/model-errors.js";
import { snapshotToWire } from "../../state/snapshot-to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { paginate, sortByKey } from "../shared/describe.js";

/** DescribeSnapshots pages: default and most 50, least 20 (the model's documentation). */
const LIMITS = { min: 20, max: 50, default: 50 };

export const describeSnapshots: ActionHandler<"DescribeSnapshots"> = async (ctx, input) => {
  const source = input.SnapshotSource;
  if (source !== undefined && source !== "system" && source !== "user") {
    throw commonErrors.invalidParameterValue(`Invalid value for SnapshotSource: ${source}. Valid values: system, user.`);
  }
  const all = [...ctx.state.snapshots.values()];
  const clusterId = input.CacheClusterId?.toLowerCase();
  const groupId = input.ReplicationGroupId?.toLowerCase();
  if (input.SnapshotName !== undefined && !ctx.state.snapshots.has(input.SnapshotName)) {
    throw modelError("SnapshotNotFoundFault", `Snapshot ${input.SnapshotName} not found.`);
  }
  // Snapshots outlive their source, so a source that is gone is only unknown when no snapshot names it.
  const ofCluster = (id: string) => all.some((s) => s.info.cacheClusterId === id || s.nodes.some((n) => n.cacheClusterId === id));
  if (clusterId !== undefined && !ctx.state.clusters.has(clusterId) && !ofCluster(clusterId)) {
    throw modelError("CacheClusterNotFoundFault", `CacheCluster not found: ${input.CacheClusterId}`);
  }
  const matching = all.filter(
    (s) =>
      (input.SnapshotName === undefined || s.name === input.SnapshotName) &&
      (clusterId === undefined || s.info.cacheClusterId === clusterId || s.nodes.some((n) => n.cacheClusterId === clusterId)) &&
      (groupId === undefined || s.info.replicationGroupId === groupId) &&
      (source === undefined || (source === "system") === (s.source === "automated")),
  );
  const page = paginate(sortByKey(matching, (s) => s.name), (s) => s.name, input, LIMITS);
  return { Marker: page.marker, Snapshots: page.items.map((s) => snapshotToWire(s, { showNodeGroupConfig: input.ShowNodeGroupConfig ?? false })) };
};
