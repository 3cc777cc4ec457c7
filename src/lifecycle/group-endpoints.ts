/**
 * A replication group's endpoints: emulator-owned forwarders (haproxy or the Node forwarder)
 * that follow the live nodes. Cluster mode disabled: a primary endpoint on the current
 * primary and a reader endpoint over the replicas (else the primary); cluster mode: a
 * configuration endpoint over every node. Opened once the topology is wired, refreshed after
 * each failover or membership change, closed at delete and stop. A serverless cache's
 * endpoint is the same job over other targets.
 */
import type { EngineNode } from "../engines/engine.js";
import type { Forwarder, NodeLauncher } from "../nodes/node-launcher.js";
import type { Endpoint } from "../process/connect.js";
import type { CacheClusterRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";

/** The forwarders a group holds while it runs. */
export interface GroupRuntime {
  primary?: Forwarder;
  reader?: Forwarder;
  configuration?: Forwarder;
}

export class GroupEndpoints {
  constructor(
    private readonly launcher: NodeLauncher,
    private readonly engineOf: (cluster: CacheClusterRecord) => EngineNode | undefined,
  ) {}

  async open(region: RegionState, group: ReplicationGroupRecord, runtime: GroupRuntime): Promise<void> {
    const { launcher } = this;
    if (group.clusterEnabled) {
      // The recorded ports first: after a restart the endpoints users saved keep working.
      runtime.configuration = await launcher.startForwarder(`${group.id} configuration`, group.endpoints.configuration ?? group.requestedPort);
      group.endpoints.configuration = runtime.configuration.port;
    } else {
      runtime.primary = await launcher.startForwarder(`${group.id} primary`, group.endpoints.primary ?? group.requestedPort);
      runtime.reader = await launcher.startForwarder(`${group.id} reader`, group.endpoints.reader);
      group.endpoints.primary = runtime.primary.port;
      group.endpoints.reader = runtime.reader.port;
    }
    // The group turns `available` only once its endpoints forward: haproxy gets its first
    // targets through its runtime API, and a client connecting before they land is closed.
    await this.refresh(region, group, runtime);
  }

  /**
   * Points the endpoints at the live nodes: the primary, the replicas (else the primary), any
   * node. Resolves once every forwarder applied the set; later callers need not wait (a
   * failover's new set is on its way, and connections to a target that left are closed).
   */
  refresh(region: RegionState, group: ReplicationGroupRecord, runtime: GroupRuntime): Promise<void> {
    const live = (ids: string[]) =>
      ids
        .map((id) => region.clusters.get(id))
        .map((c) => (c ? this.engineOf(c)?.endpoint : undefined))
        .filter((e): e is Endpoint => e !== undefined);
    if (group.clusterEnabled) {
      return settle([runtime.configuration?.setTargets(live(group.nodeGroups.flatMap((ng) => ng.memberClusterIds)))]);
    }
    const ng = group.nodeGroups[0];
    const primary = live([ng.primaryClusterId]);
    const replicas = live(ng.memberClusterIds.filter((id) => id !== ng.primaryClusterId));
    return settle([runtime.primary?.setTargets(primary), runtime.reader?.setTargets(replicas.length ? replicas : primary)]);
  }

  async close(runtime: GroupRuntime): Promise<void> {
    await Promise.all([runtime.primary?.stop(), runtime.reader?.stop(), runtime.configuration?.stop()]);
    runtime.primary = runtime.reader = runtime.configuration = undefined;
  }
}

/** Waits for the forwarders' target sets to be applied; a failure is the forwarder's to report (it restarts haproxy). */
async function settle(applied: Array<void | Promise<void> | undefined>): Promise<void> {
  await Promise.allSettled(applied);
}
