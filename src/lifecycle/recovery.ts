/**
 * Brings back every resource of a restored state (data dir) after the emulator starts:
 * replication groups with their members, then standalone clusters, all side by side;
 * records without engines (users, user groups, snapshots) finish the step they were in.
 * Each resource shows a transitional status until its engines answer again, so the
 * `available` waiters tell when it is back.
 */
import { reservePorts } from "../process/ports.js";
import type { Logger } from "../logger.js";
import { allKinds, collectionOf } from "../state/resources.js";
import type { RegionState, Store } from "../state/store.js";

/** A lifecycle that brings its kind's records of a region back: one promise per resource, resolved when it is done. */
export interface Recoverable {
  recover(region: RegionState): Array<Promise<void>>;
}

export interface RecoveryDeps {
  store: Store;
  /** In the data plane's order (groups before the clusters that are their members). */
  lifecycles: readonly Recoverable[];
  logger: Logger;
}

/** Starts the recovery of everything in the store; resolves when every resource is done (back, deleted or failed). */
export function recoverResources({ store, lifecycles, logger }: RecoveryDeps): Promise<void> {
  for (const region of store.allRegions()) upgradeRecords(region);
  // A node whose port was taken meanwhile moves to a free port of the range, never to another resource's.
  const release = reservePorts(recordedPorts(store));
  const work: Array<Promise<void>> = [];
  for (const region of store.allRegions()) {
    settleRecords(region);
    for (const lifecycle of lifecycles) work.push(...lifecycle.recover(region));
  }
  if (work.length > 0) logger.info(`restoring ${work.length} resource(s) from the data dir`);
  return Promise.all(work).then(release, release);
}

/** Records written by an earlier version take today's shape, as their kind declares (state/resources.ts upgrade). */
function upgradeRecords(region: RegionState): void {
  for (const kind of allKinds) {
    if (!kind.upgrade) continue;
    for (const record of collectionOf(kind, region)?.values() ?? []) kind.upgrade(record);
  }
}

/** Ports held by every record of a kind that declares ports (state/resources.ts). */
function recordedPorts(store: Store): number[] {
  const ports: number[] = [];
  for (const region of store.allRegions()) {
    for (const kind of allKinds) {
      if (!kind.ports) continue;
      for (const record of collectionOf(kind, region)?.values() ?? []) ports.push(...kind.ports(record));
    }
  }
  return ports;
}

/**
 * Records without engines finish the step they were in, as their kind declares
 * (state/resources.ts settle); one whose kind says "remove" was being deleted and is gone,
 * with its tags.
 */
function settleRecords(region: RegionState): void {
  for (const kind of allKinds) {
    if (!kind.settle) continue;
    const records = collectionOf(kind, region);
    for (const [id, record] of records ?? []) {
      if (kind.settle(record) === "remove") {
        records!.delete(id);
        region.tags.delete(kind.arnOf!(record));
      }
    }
  }
}
