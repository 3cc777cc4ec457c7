/** DescribeSnapshots: filters, NodeSnapshots (with NodeGroupConfiguration on request), Marker paging. */
import { commonErrors } from "../../protocol/aws-error.js";
import { resources } from "../../state/resources.js";
import { snapshotToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { findSnapshot } from "../shared/lookups.js";

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
  if (input.SnapshotName !== undefined) findSnapshot(ctx.state, input.SnapshotName);
  // Snapshots outlive their source, so a source that is gone is only unknown when no snapshot names it.
  const ofCluster = (id: string) => all.some((s) => s.info.cacheClusterId === id || s.nodes.some((n) => n.cacheClusterId === id));
  if (clusterId !== undefined && !ctx.state.clusters.has(clusterId) && !ofCluster(clusterId)) {
    throw resources.cluster.notFound(input.CacheClusterId!);
  }
  const page = describe("DescribeSnapshots", input, {
    all: () => all,
    where: (s) =>
      (input.SnapshotName === undefined || s.name === input.SnapshotName) &&
      (clusterId === undefined || s.info.cacheClusterId === clusterId || s.nodes.some((n) => n.cacheClusterId === clusterId)) &&
      (groupId === undefined || s.info.replicationGroupId === groupId) &&
      (source === undefined || (source === "system") === (s.source === "automated")),
    keyOf: (s) => s.name,
    limits: LIMITS,
  });
  return { Marker: page.next, Snapshots: page.items.map((s) => snapshotToWire(s, { showNodeGroupConfig: input.ShowNodeGroupConfig ?? false })) };
};
