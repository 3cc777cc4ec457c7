/** Automatic snapshots (SnapshotRetentionLimit > 0): taken in the source's SnapshotWindow by the snapshot clock. */
import type { CacheClusterRecord, ReplicationGroupRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import type { RegionState } from "../../state/store.js";
import type { Services } from "../shared/context.js";
import { checkQuota } from "../shared/lookups.js";
import { clusterSnapshot, groupSnapshot, startClusterSnapshot, startGroupSnapshot, type SnapshotScope } from "./snapshot-rules.js";

export function takeAutomaticSnapshot(
  services: Services,
  region: RegionState,
  source: CacheClusterRecord | ReplicationGroupRecord,
  name: string,
  takenAt: number,
): void {
  const scope: SnapshotScope = { region: region.key.region, accountId: region.key.accountId, state: region, services };
  checkQuota(resources.snapshot, scope);
  if ("nodeGroups" in source) {
    const snapshot = groupSnapshot(scope, name, source, "automated");
    snapshot.takenAt = takenAt;
    startGroupSnapshot(scope, snapshot, source);
  } else {
    const snapshot = clusterSnapshot(scope, name, source, "automated");
    snapshot.takenAt = takenAt;
    startClusterSnapshot(scope, snapshot, source);
  }
}
