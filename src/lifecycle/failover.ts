/**
 * Moving a node group's primary: TestFailover and PrimaryClusterId (planned, the old primary
 * stays as a replica), and the loss of a member's engine (AutomaticFailover: the most
 * up-to-date replica takes over at once, then the dead node comes back as a replica).
 */
import { admin, replicaOf as startReplicaOf, waitReplicaSynced } from "../engines/topology/index.js";
import { emitEvent } from "./events.js";
import type { CacheClusterRecord, NodeGroupRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import type { GroupEndpoints, GroupRuntime } from "./group-endpoints.js";
import type { GroupMembers } from "./group-members.js";
import type { Migration } from "./migration.js";
import type { ResourceMachine } from "./resource-machine.js";
import type { Topology } from "./topology.js";

/** Longer than a replica takes to catch up: the pause ends when the failover does. */
const PLANNED_PAUSE_MS = 30_000;

export interface FailoverDeps {
  machine: ResourceMachine<ReplicationGroupRecord, GroupRuntime>;
  members: GroupMembers;
  endpoints: GroupEndpoints;
  topology: Topology;
  /** While a lost member may not be replaced (a zone without power blocks replacements until it ends): resolves when it may. */
  replacementAllowed?(cluster: CacheClusterRecord): Promise<void> | undefined;
  migration: Migration;
}

export class Failover {
  /** Members (by ARN) whose engine runs but stopped answering (paused) past failure detection. */
  private readonly unanswering = new Set<string>();

  constructor(private readonly deps: FailoverDeps) {}

  /** Whether a member's engine answers as far as failure detection knows (the endpoints leave out one that does not). */
  answering(member: CacheClusterRecord): boolean {
    return !this.unanswering.has(member.arn);
  }

  /** Promotes the most up-to-date live replica of the node group (or `to`); the others follow it. */
  async promote(
    region: RegionState,
    group: ReplicationGroupRecord,
    nodeGroup: NodeGroupRecord,
    runtime: GroupRuntime,
    how: { primaryAlive: boolean; to?: CacheClusterRecord; unresponsive?: CacheClusterRecord },
  ): Promise<void> {
    const { members, topology } = this.deps;
    const oldPrimary = region.clusters.get(nodeGroup.primaryClusterId)!;
    const down = (m: CacheClusterRecord) => m === how.unresponsive || this.heldDown(m);
    const candidates = this.candidates(region, nodeGroup);
    const engines = candidates.map((c) => members.engine(c));
    const best = how.to ?? candidates[engines.indexOf(await topology.mostUpToDate(engines))];
    if (group.clusterEnabled) {
      const live = members.liveEngines(members.all(region, group).filter((m) => !down(m)));
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

  /** Members held down (a zone without power: their engines' exits may not have been seen yet), or not answering. */
  private heldDown(member: CacheClusterRecord): boolean {
    return this.deps.replacementAllowed?.(member) !== undefined || !this.answering(member);
  }

  /** The replicas of the node group that may take over: running, and not held down. */
  private candidates(region: RegionState, nodeGroup: NodeGroupRecord): CacheClusterRecord[] {
    return this.deps.members.liveReplicas(region, nodeGroup).filter((m) => !this.heldDown(m));
  }

  /**
   * A planned move of the node group's primary to the live replica `to`, losing no write the
   * old primary acknowledged: cluster mode by a coordinated CLUSTER FAILOVER; otherwise the
   * old primary's writes are paused, `to` catches up and is promoted, and the old primary
   * becomes its replica before the pause ends (the writes held by the pause then get READONLY,
   * and clients retry on the new primary).
   */
  async planned(region: RegionState, group: ReplicationGroupRecord, nodeGroup: NodeGroupRecord, runtime: GroupRuntime, to: CacheClusterRecord): Promise<void> {
    if (group.clusterEnabled) return this.promote(region, group, nodeGroup, runtime, { primaryAlive: true, to });
    const { members, topology } = this.deps;
    const oldPrimary = region.clusters.get(nodeGroup.primaryClusterId)!;
    const from = members.engine(oldPrimary);
    const target = members.engine(to);
    await admin(from, ["CLIENT", "PAUSE", String(PLANNED_PAUSE_MS), "WRITE"]);
    try {
      await waitReplicaSynced(target, from);
      await topology.promote(target);
      for (const other of members.liveReplicas(region, nodeGroup)) if (other !== to) await startReplicaOf(members.engine(other), target);
      await startReplicaOf(from, target);
    } finally {
      await admin(from, ["CLIENT", "UNPAUSE"]).catch(() => undefined);
    }
    oldPrimary.member!.role = "replica";
    to.member!.role = "primary";
    nodeGroup.primaryClusterId = to.id;
    await this.deps.endpoints.refresh(region, group, runtime);
    await waitReplicaSynced(from, target);
    this.deps.machine.event(region, group, `Failover from master node ${oldPrimary.id} to replica node ${to.id} completed`);
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
    const migrating = group.migration !== undefined;
    let wasPrimary = false;
    void machine.run(region, group, async (rt) => {
      wasPrimary = cluster.member?.role === "primary";
      // While migrating, the primary stays the replica of the user's source: no failover; its
      // replacement follows the source again and its replicas reconnect to it on its port.
      const canFail = wasPrimary && !migrating && group.automaticFailover && this.candidates(region, nodeGroup).length > 0;
      if (canFail) await this.promote(region, group, nodeGroup, rt, { primaryAlive: false });
    });
    // The replacement waits, outside the group's order, while replacements are blocked (the
    // failover above and other members' failovers go on meanwhile).
    const allowed = this.deps.replacementAllowed?.(cluster);
    const replace = () =>
      machine.run(region, group, async (rt) => {
        await members.clusters.replaceNode(region, cluster);
        if (wasPrimary && migrating && group.migration !== undefined) await this.deps.migration.refollow(region, group);
        if (cluster.member?.role === "replica") await members.attachReplica(region, group, cluster);
        void endpoints.refresh(region, group, rt);
        emitEvent(region, "cache-cluster", cluster.id, `Finished recovery for cache nodes ${cluster.nodes[0].id}`, cluster.arn);
      });
    if (allowed) void allowed.then(replace);
    else void replace();
  }

  /**
   * A member whose engine runs but has not answered for longer than failure detection (a
   * paused process): the endpoints leave it out and it is no failover candidate; a primary,
   * with automatic failover and a live replica, is replaced by the most up-to-date replica and
   * counted as a replica from then on. Resolves true when it failed over.
   */
  async unresponsive(region: RegionState, cluster: CacheClusterRecord): Promise<boolean> {
    const { machine, endpoints } = this.deps;
    const group = cluster.member && region.replicationGroups.get(cluster.member.replicationGroupId);
    const runtime = group && machine.runtime(group);
    if (!group || !runtime) return false;
    this.unanswering.add(cluster.arn);
    await endpoints.refresh(region, group, runtime);
    const nodeGroup = group.nodeGroups.find((ng) => ng.id === cluster.member!.nodeGroupId)!;
    let failed = false;
    await machine.run(region, group, async (rt) => {
      if (!this.unanswering.has(cluster.arn)) return;
      if (cluster.member?.role !== "primary" || !group.automaticFailover || this.candidates(region, nodeGroup).length === 0) return;
      emitEvent(region, "cache-cluster", cluster.id, `Recovering cache nodes ${cluster.nodes[0].id}`, cluster.arn);
      await this.promote(region, group, nodeGroup, rt, { primaryAlive: false, unresponsive: cluster });
      failed = true;
    });
    return failed;
  }

  /**
   * An unresponsive member answers again: the endpoints take it back; one that was failed
   * over follows its node group's primary as a replica (cluster mode: Redis Cluster turns an
   * old primary that comes back into a replica of the new one by itself; this waits for the
   * cluster to agree).
   */
  resumed(region: RegionState, cluster: CacheClusterRecord, failedOver: boolean): Promise<void> {
    const { machine, members, endpoints, topology } = this.deps;
    const group = cluster.member && region.replicationGroups.get(cluster.member.replicationGroupId);
    if (!this.unanswering.delete(cluster.arn) || !group || !machine.runtime(group)) return Promise.resolve();
    return machine.run(region, group, async (rt) => {
      if (failedOver && cluster.member?.role === "replica" && members.clusters.engineNode(cluster)) {
        if (group.clusterEnabled) await topology.waitClusterAgrees(members.liveEngines(members.all(region, group)));
        else await members.attachReplica(region, group, cluster);
        emitEvent(region, "cache-cluster", cluster.id, `Finished recovery for cache nodes ${cluster.nodes[0].id}`, cluster.arn);
      }
      void endpoints.refresh(region, group, rt);
    });
  }
}
