/**
 * Moving a node group's primary: TestFailover and PrimaryClusterId (planned, the old primary
 * stays as a replica), and the loss of a member's engine (AutomaticFailover: the most
 * up-to-date replica takes over at once, then the dead node comes back as a replica).
 */
import { emitEvent } from "./events.js";
import type { CacheClusterRecord, NodeGroupRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import type { GroupEndpoints, GroupRuntime } from "./group-endpoints.js";
import type { GroupMembers } from "./group-members.js";
import type { Migration } from "./migration.js";
import type { ResourceMachine } from "./resource-machine.js";
import type { Topology } from "./topology.js";

export interface FailoverDeps {
  machine: ResourceMachine<ReplicationGroupRecord, GroupRuntime>;
  members: GroupMembers;
  endpoints: GroupEndpoints;
  topology: Topology;
  migration: Migration;
}

export class Failover {
  constructor(private readonly deps: FailoverDeps) {}

  /** Promotes the most up-to-date live replica of the node group (or `to`); the others follow it. */
  async promote(
    region: RegionState,
    group: ReplicationGroupRecord,
    nodeGroup: NodeGroupRecord,
    runtime: GroupRuntime,
    how: { primaryAlive: boolean; to?: CacheClusterRecord },
  ): Promise<void> {
    const { members, topology } = this.deps;
    const oldPrimary = region.clusters.get(nodeGroup.primaryClusterId)!;
    const candidates = members.liveReplicas(region, nodeGroup);
    const engines = candidates.map((c) => members.engine(c));
    const best = how.to ?? candidates[engines.indexOf(await topology.mostUpToDate(engines))];
    if (group.clusterEnabled) {
      const live = members.liveEngines(members.all(region, group));
      await topology.clusterFailover(members.engine(best), { takeover: !how.primaryAlive, live });
    } else {
      await topology.promote(members.engine(best));
      for (const other of candidates) if (other !== best) await topology.replicaOf(members.engine(other), members.engine(best));
      if (how.primaryAlive) await topology.replicaOf(members.engine(oldPrimary), members.engine(best));
    }
    oldPrimary.member!.role = "replica";
    best.member!.role = "primary";
    nodeGroup.primaryClusterId = best.id;
    void this.deps.endpoints.refresh(region, group, runtime);
    this.deps.machine.event(region, group, `Failover from master node ${oldPrimary.id} to replica node ${best.id} completed`);
  }

  /**
   * A member's engine died. A primary with automatic failover on: promote the most up-to-date
   * replica at once, then replace the dead node as a replica. Otherwise AWS replaces the node
   * in place (a primary comes back empty and its replicas resynchronise from it).
   */
  memberLost(region: RegionState, cluster: CacheClusterRecord): void {
    const { machine, members, endpoints } = this.deps;
    const group = cluster.member && region.replicationGroups.get(cluster.member.replicationGroupId);
    const runtime = group && machine.runtime(group);
    if (!group || !runtime) return void members.clusters.replaceNode(region, cluster);
    const nodeGroup = group.nodeGroups.find((ng) => ng.id === cluster.member!.nodeGroupId)!;
    emitEvent(region, "cache-cluster", cluster.id, `Recovering cache nodes ${cluster.nodes[0].id}`, cluster.arn);
    void endpoints.refresh(region, group, runtime);
    void machine.run(region, group, async (rt) => {
      const wasPrimary = cluster.member?.role === "primary";
      // While migrating, the primary stays the replica of the user's source: no failover; its
      // replacement follows the source again and its replicas reconnect to it on its port.
      const migrating = group.migration !== undefined;
      const canFail = wasPrimary && !migrating && group.automaticFailover && members.liveReplicas(region, nodeGroup).length > 0;
      if (canFail) await this.promote(region, group, nodeGroup, rt, { primaryAlive: false });
      await members.clusters.replaceNode(region, cluster);
      if (wasPrimary && migrating) await this.deps.migration.refollow(region, group);
      if (cluster.member?.role === "replica") await members.attachReplica(region, group, cluster);
      void endpoints.refresh(region, group, rt);
      emitEvent(region, "cache-cluster", cluster.id, `Finished recovery for cache nodes ${cluster.nodes[0].id}`, cluster.arn);
    });
  }
}
