/**
 * Brings back every resource of a restored state (data dir) after the emulator starts:
 * replication groups with their members, then standalone clusters, all side by side;
 * records without engines (users, user groups, snapshots) finish the step they were in.
 * Each resource shows a transitional status until its engines answer again, so the
 * `available` waiters tell when it is back.
 */
import { reservePorts } from "../process/ports.js";
import type { Logger } from "../logger.js";
import type { RegionState, Store } from "../state/store.js";
import type { ClusterLifecycle } from "./cluster-lifecycle.js";
import type { ReplicationLifecycle } from "./replication-lifecycle.js";

export interface RecoveryDeps {
  store: Store;
  clusters: ClusterLifecycle;
  replication: ReplicationLifecycle;
  logger: Logger;
}

/** Starts the recovery of everything in the store; resolves when every resource is done (back, deleted or failed). */
export function recoverResources({ store, clusters, replication, logger }: RecoveryDeps): Promise<void> {
  // A node whose port was taken meanwhile moves to a free port of the range, never to another resource's.
  const release = reservePorts(recordedPorts(store));
  const work: Array<Promise<void>> = [];
  for (const region of store.allRegions()) {
    settleRecords(region);
    for (const group of [...region.replicationGroups.values()]) work.push(replication.restore(region, group));
    for (const cluster of [...region.clusters.values()]) {
      // Members come back with their group; a member whose group record is gone stands alone.
      if (cluster.member && region.replicationGroups.has(cluster.member.replicationGroupId)) continue;
      if (cluster.member) cluster.member = undefined;
      work.push(clusters.restore(region, cluster));
    }
  }
  if (work.length > 0) logger.info(`restoring ${work.length} resource(s) from the data dir`);
  return Promise.all(work).then(release, release);
}

function recordedPorts(store: Store): number[] {
  const ports: number[] = [];
  for (const region of store.allRegions()) {
    for (const cluster of region.clusters.values()) {
      for (const node of cluster.nodes) if (node.port) ports.push(node.port);
      if (cluster.configurationEndpointPort) ports.push(cluster.configurationEndpointPort);
    }
    for (const group of region.replicationGroups.values()) {
      for (const port of Object.values(group.endpoints)) if (port) ports.push(port);
    }
  }
  return ports;
}

/**
 * Users and user groups reach the engines again as their nodes start, so a change in
 * progress is done; a deletion in progress ends deleted. A snapshot being taken was cut
 * short (`failed`, as AWS reports one); copies and restores it served are over; one being
 * deleted ends deleted (a file left behind stays in the snapshot store, unused).
 */
function settleRecords(region: RegionState): void {
  for (const [id, user] of region.users) {
    if (user.status === "deleting") {
      region.users.delete(id);
      region.tags.delete(user.arn);
    } else user.status = "active";
  }
  for (const [id, group] of region.userGroups) {
    if (group.status === "deleting") {
      region.userGroups.delete(id);
      region.tags.delete(group.arn);
    } else {
      group.status = "active";
      group.pending = undefined;
    }
  }
  for (const [name, snapshot] of region.snapshots) {
    if (snapshot.status === "deleting") {
      region.snapshots.delete(name);
      region.tags.delete(snapshot.arn);
    } else if (snapshot.status === "creating") snapshot.status = "failed";
    else if (snapshot.status === "copying" || snapshot.status === "restoring") snapshot.status = "available";
  }
}
