/**
 * Drives replication groups through AWS's statuses (resource-machine.ts): starts the member
 * clusters (through ClusterLifecycle), wires them into real replication or a real Redis
 * Cluster, and opens the group's endpoints (group-endpoints.ts). Failover and member loss
 * are failover.ts's, recovery after a restart replication-recovery.ts's, and restoring a
 * snapshot's data data-restore.ts's. Work on one group runs in order.
 */
import type { LifecycleDelays } from "../config.js";
import type { NodeLauncher } from "../nodes/node-launcher.js";
import type { Logger } from "../logger.js";
import type { CacheClusterRecord, NodeGroupRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import type { MemberLoss } from "./cluster-lifecycle.js";
import type { DataRestore } from "./data-restore.js";
import { Failover } from "./failover.js";
import type { NodeRoll, RollOutcome } from "./node-roll.js";
import { GroupEndpoints, type GroupRuntime } from "./group-endpoints.js";
import { GroupMembers, type MemberClusters } from "./group-members.js";
import { Migration } from "./migration.js";
import { recoverGroup } from "./replication-recovery.js";
import { ResourceMachine, type MachineKind, type Step } from "./resource-machine.js";
import type { Topology } from "./topology.js";

export interface ReplicationLifecycleOptions {
  clusters: MemberClusters;
  launcher: NodeLauncher;
  topology: Topology;
  /** Restores a snapshot's data into a new group (the plan on the record). */
  dataRestore: DataRestore;
  delays: LifecycleDelays;
  logger: Logger;
  /** Called after each transition's work: the records may have changed. */
  onChange?: () => void;
  /** Resolves when a lost member may be replaced (failover.ts). */
  replacementAllowed?(cluster: CacheClusterRecord): Promise<void> | undefined;
}

/** A group back to `available`: its node groups too, and no change in progress. */
function settleGroup(group: ReplicationGroupRecord): void {
  group.pending.reshardingProgress = undefined;
  for (const ng of group.nodeGroups) ng.status = "available";
}

const groupKind: MachineKind<ReplicationGroupRecord, GroupRuntime> = {
  label: "replication group",
  sourceType: "replication-group",
  sourceId: (group) => group.id,
  newRuntime: () => ({}),
  settle: settleGroup,
  failed: (group, message) => {
    // A failed change leaves the group usable as it is now, as AWS returns it to available.
    if (group.status === "modifying") settleGroup(group);
    const status = group.status === "creating" ? "create-failed" : group.status === "modifying" ? "available" : undefined;
    return { status, event: `Replication group operation failed: ${message}` };
  },
  remove: (region, group) => region.replicationGroups.delete(group.id),
};

const steps = {
  create: { delay: "createMs", event: "Replication group created" },
  delete: { ends: "removed", event: "Replication group deleted" },
  modify: { delay: "modifyMs", event: "Modified replication group" },
} satisfies Record<string, Step<ReplicationGroupRecord>>;

export class ReplicationLifecycle implements MemberLoss {
  private readonly machine: ResourceMachine<ReplicationGroupRecord, GroupRuntime>;
  private readonly members: GroupMembers;
  private readonly endpoints: GroupEndpoints;
  private readonly failover: Failover;
  /** StartMigration, TestMigration, CompleteMigration (migration.ts). */
  readonly migration: Migration;

  constructor(private readonly options: ReplicationLifecycleOptions) {
    this.machine = new ResourceMachine(groupKind, options);
    this.members = new GroupMembers(options.clusters, options.topology);
    // A member that stopped answering (failover.ts) is left out of the endpoints until it answers again.
    this.endpoints = new GroupEndpoints(options.launcher, (c) => (this.failover.answering(c) ? options.clusters.engineNode(c) : undefined));
    this.migration = new Migration({ machine: this.machine, members: this.members });
    this.failover = new Failover({ machine: this.machine, members: this.members, endpoints: this.endpoints, topology: options.topology, replacementAllowed: options.replacementAllowed, migration: this.migration });
  }

  /** The group and its members are stored `creating`: start, wire, and open the endpoints. */
  create(region: RegionState, group: ReplicationGroupRecord): void {
    void this.machine.transition(region, group, steps.create, async (runtime) => {
      const members = this.members.all(region, group);
      const { clusters } = this.options;
      // An existing cluster that becomes the primary (PrimaryClusterId) runs already: its work in flight ends first.
      for (const member of members) if (member.status === "creating") clusters.create(region, member);
      await Promise.all(members.map((m) => clusters.settled(m)));
      const failed = members.find((m) => m.status !== "available");
      if (failed) throw new Error(`member ${failed.id} did not start (${failed.status})`);
      // A running cluster that became the primary (PrimaryClusterId) may need an IAM front it did not start with.
      await this.restartMembers(region, group, runtime);
      const { dataRestore, topology } = this.options;
      await dataRestore.beforeTopology(group, this.members.shards(region, group));
      if (group.clusterEnabled) await topology.buildCluster(this.members.shards(region, group));
      else await this.members.wireReplicas(region, group.nodeGroups[0]);
      await dataRestore.afterTopology(group, this.members.shards(region, group));
      await this.endpoints.open(region, group, runtime);
    });
  }

  /** The group is `deleting`: close its endpoints, delete its members, then remove it. */
  delete(region: RegionState, group: ReplicationGroupRecord, retainPrimary = false): void {
    void this.machine.transition(region, group, steps.delete, async (runtime) => {
      await this.endpoints.close(runtime);
      const members = this.members.all(region, group);
      // DeleteReplicationGroup with RetainPrimaryCluster: the primary stays, as a standalone cluster.
      for (const member of members) if (retainPrimary && member.member?.role === "primary") member.member = undefined;
      await this.members.remove(
        region,
        members.filter((m) => m.member),
      );
    });
  }

  /** TestFailover: a planned promotion of a replica of the node group; the old primary stays as a replica. */
  testFailover(region: RegionState, group: ReplicationGroupRecord, nodeGroup: NodeGroupRecord): void {
    this.machine.event(region, group, `Test Failover API called for node group ${nodeGroup.id}`);
    void this.machine.transition(region, group, steps.modify, async (runtime) => {
      await this.failover.promote(region, group, nodeGroup, runtime, { primaryAlive: true });
      return `Finished test failover for node group ${nodeGroup.id}`;
    });
  }

  /**
   * ModifyReplicationGroup's engine-side changes: a new primary (PrimaryClusterId), and the
   * node type or engine version already written into every member record.
   */
  modify(
    region: RegionState,
    group: ReplicationGroupRecord,
    change: { newPrimary?: CacheClusterRecord; membersChanged: boolean; nodeTypeChanged?: boolean; transitEncryptionChanged?: boolean },
  ): void {
    const { clusters, topology } = this.options;
    void this.machine.transition(region, group, steps.modify, async (runtime) => {
      if (change.nodeTypeChanged && !change.transitEncryptionChanged) {
        await this.scaleMembers(region, group, runtime, change.newPrimary);
      } else if (change.membersChanged || change.transitEncryptionChanged) {
        const members = this.members.all(region, group);
        for (const member of members) clusters.modify(region, member);
        await Promise.all(members.map((m) => clusters.settled(m)));
      }
      if (change.transitEncryptionChanged) {
        // The members restarted with their data on the same ports: replication is set up
        // again (cluster mode: the nodes find each other from their nodes.conf).
        if (group.clusterEnabled) await topology.waitClusterAgrees(this.members.all(region, group).map((m) => this.members.engine(m)));
        else await this.members.wireReplicas(region, group.nodeGroups[0]);
        void this.endpoints.refresh(region, group, runtime);
        const applied = group.pending.transitEncryption;
        group.pending.transitEncryption = undefined;
        group.settings.transitEncryptionEnabled = applied?.enabled;
        group.settings.transitEncryptionMode = applied?.mode;
      }
      // A node type change may have made it the primary already (its failover goes to the member named).
      if (change.newPrimary && change.newPrimary.member?.role !== "primary") {
        const nodeGroup = group.nodeGroups.find((ng) => ng.id === change.newPrimary!.member!.nodeGroupId)!;
        await this.failover.promote(region, group, nodeGroup, runtime, { primaryAlive: true, to: change.newPrimary });
      }
    });
  }

  /**
   * A node type change, member by member as AWS scales a group: every replica first, then
   * each node group's primary. With automatic failover on, a scaled replica takes over first
   * (a planned failover, the old primary stays as a replica), so writes go on while the old
   * primary scales; without it, the primary scales in place. Each node keeps its data. A new
   * primary named in the same request (`PrimaryClusterId`) is the one that takes over.
   */
  private async scaleMembers(region: RegionState, group: ReplicationGroupRecord, runtime: GroupRuntime, newPrimary?: CacheClusterRecord): Promise<void> {
    const { clusters } = this.options;
    const scale = async (member: CacheClusterRecord) => {
      member.status = "modifying";
      clusters.modify(region, member);
      await clusters.settled(member);
      if ((member.status as string) !== "available") throw new Error(`member ${member.id} did not take its new node type (${member.status})`);
    };
    const primaries = new Set(group.nodeGroups.map((ng) => ng.primaryClusterId));
    for (const replica of this.members.all(region, group).filter((m) => !primaries.has(m.id))) await scale(replica);
    for (const nodeGroup of group.nodeGroups) {
      const primary = region.clusters.get(nodeGroup.primaryClusterId)!;
      const named = newPrimary?.member?.nodeGroupId === nodeGroup.id ? newPrimary : undefined;
      if (named || (group.automaticFailover && this.members.liveReplicas(region, nodeGroup).length > 0)) {
        await this.failover.promote(region, group, nodeGroup, runtime, { primaryAlive: true, to: named });
      }
      await scale(primary);
    }
  }

  /**
   * Who may connect changed (user groups, AUTH token): `apply` pushes it to the engines while
   * the group is `modifying`. Members that must start again to take it (the group's first
   * user group gives its TLS nodes an IAM front) restart first, keeping their data.
   */
  modifyAccess(region: RegionState, group: ReplicationGroupRecord, apply: () => Promise<void>): void {
    void this.machine.transition(region, group, steps.modify, async (runtime) => {
      await this.restartMembers(region, group, runtime);
      await apply();
    });
  }

  /**
   * Restarts, keeping their data, the members whose nodes must start again to take the
   * group's settings (ClusterLifecycle.needsRestart): replicas first, then primaries, so a
   * node group's primary is down only while it restarts itself; then replication is set up
   * again (cluster mode: the nodes find each other from their nodes.conf).
   */
  private async restartMembers(region: RegionState, group: ReplicationGroupRecord, runtime: GroupRuntime): Promise<void> {
    const { clusters, topology } = this.options;
    const due = this.members.all(region, group).filter((m) => clusters.needsRestart(region, m));
    if (!due.length) return;
    const primaries = new Set(group.nodeGroups.map((ng) => ng.primaryClusterId));
    for (const wave of [due.filter((m) => !primaries.has(m.id)), due.filter((m) => primaries.has(m.id))]) {
      for (const member of wave) {
        member.status = "modifying";
        clusters.modify(region, member);
      }
      await Promise.all(wave.map((m) => clusters.settled(m)));
      const failed = wave.find((m) => m.status !== "available");
      if (failed) throw new Error(`member ${failed.id} did not restart (${failed.status})`);
      if (wave.length && !group.clusterEnabled) await this.members.wireReplicas(region, group.nodeGroups[0]);
    }
    if (group.clusterEnabled) await topology.waitClusterAgrees(this.members.all(region, group).map((m) => this.members.engine(m)));
    void this.endpoints.refresh(region, group, runtime);
  }

  /**
   * Resharding: new node groups (members stored `creating`) start and join, slots spread
   * evenly over the node groups that stay, and removed node groups leave and are deleted.
   */
  reshard(region: RegionState, group: ReplicationGroupRecord, added: NodeGroupRecord[], removed: NodeGroupRecord[]): void {
    void this.machine.transition(region, group, steps.modify, async (runtime) => {
      const newMembers = added.flatMap((ng) => ng.memberClusterIds.map((id) => region.clusters.get(id)!));
      await this.members.start(region, newMembers);
      const current = this.members.shards(region, { ...group, nodeGroups: group.nodeGroups.filter((ng) => !added.includes(ng)) });
      const staying = group.nodeGroups.filter((ng) => !removed.includes(ng));
      const target = this.members.shards(region, { ...group, nodeGroups: staying });
      const slots = await this.options.topology.reshard(current, target, (percent) => (group.pending.reshardingProgress = percent));
      staying.forEach((ng, i) => (ng.slots = slots[i]));
      const leaving = removed.flatMap((ng) => ng.memberClusterIds.map((id) => region.clusters.get(id)!));
      group.nodeGroups = staying;
      void this.endpoints.refresh(region, group, runtime);
      await this.members.remove(region, leaving);
      return `Resharded to ${group.nodeGroups.length} node group(s)`;
    });
  }

  /** New replica members are stored `creating`: start them and attach them to their primaries. */
  addReplicas(region: RegionState, group: ReplicationGroupRecord, added: CacheClusterRecord[]): void {
    void this.machine.transition(region, group, steps.modify, async (runtime) => {
      await this.members.start(region, added);
      // One at a time: each joins a cluster of the nodes that are in it already.
      const pending = new Set(added);
      for (const member of added) {
        await this.members.attachReplica(region, group, member, pending);
        pending.delete(member);
      }
      void this.endpoints.refresh(region, group, runtime);
      return `Added ${added.length} replica(s)`;
    });
  }

  /** Detaches and deletes replica members; the endpoints stop using them first. */
  removeReplicas(region: RegionState, group: ReplicationGroupRecord, removed: CacheClusterRecord[]): void {
    for (const member of removed) {
      const ng = group.nodeGroups.find((n) => n.id === member.member!.nodeGroupId)!;
      ng.memberClusterIds = ng.memberClusterIds.filter((id) => id !== member.id);
    }
    void this.machine.transition(region, group, steps.modify, async (runtime) => {
      void this.endpoints.refresh(region, group, runtime);
      if (group.clusterEnabled) {
        const gone = removed.map((m) => this.members.engine(m));
        await this.options.topology.removeFromCluster(gone, this.members.shards(region, group));
      }
      await this.members.remove(region, removed);
      return `Removed ${removed.length} replica(s)`;
    });
  }

  /**
   * A service update rolling through the group's nodes, one at a time, the group staying
   * `available`: in each node group the replicas restart first (keeping their data, then
   * replicating again), then the primary: with automatic failover on, a planned failover to
   * an updated replica and the old primary restarts as a replica; otherwise it restarts in
   * place (its writes fail while it does).
   */
  async rollNodes(region: RegionState, group: ReplicationGroupRecord, roll: NodeRoll): Promise<RollOutcome> {
    for (const nodeGroup of group.nodeGroups) {
      const replicas = () => this.members.all(region, { ...group, nodeGroups: [nodeGroup] }).filter((m) => m.id !== nodeGroup.primaryClusterId);
      for (const replica of replicas()) {
        const nodeId = replica.nodes[0].id;
        if (roll.updated(replica, nodeId)) continue;
        if (!roll.proceed()) return "stopped";
        roll.started(replica, nodeId);
        await this.inGroupOrder(region, group, (runtime) => this.restartMember(region, group, nodeGroup, replica, runtime));
        roll.finished(replica, nodeId);
      }
      const primary = region.clusters.get(nodeGroup.primaryClusterId)!;
      const primaryNode = primary.nodes[0].id;
      if (roll.updated(primary, primaryNode)) continue;
      if (!roll.proceed()) return "stopped";
      roll.started(primary, primaryNode);
      await this.inGroupOrder(region, group, async (runtime) => {
        const target = group.automaticFailover ? replicas().find((r) => this.options.clusters.engineNode(r) !== undefined) : undefined;
        if (target) await this.failover.planned(region, group, nodeGroup, runtime, target);
        await this.restartMember(region, group, nodeGroup, primary, runtime);
      });
      roll.finished(primary, primaryNode);
    }
    return "complete";
  }

  /** Runs `work` in the group's order, keeping its status; rejects with its failure. */
  private async inGroupOrder(region: RegionState, group: ReplicationGroupRecord, work: (runtime: GroupRuntime) => Promise<void>): Promise<void> {
    let failure: unknown;
    await this.machine.exclusive(group, async () => {
      const runtime = this.machine.runtime(group);
      if (!runtime) return void (failure = new Error(`replication group ${group.id} is not running`));
      await work(runtime).catch((error: unknown) => (failure = error));
    });
    if (failure !== undefined) throw failure;
  }

  /** Restarts a member keeping its data, then wires it back: a replica follows its primary, a primary's replicas follow it. */
  private async restartMember(region: RegionState, group: ReplicationGroupRecord, nodeGroup: NodeGroupRecord, member: CacheClusterRecord, runtime: GroupRuntime): Promise<void> {
    await this.options.clusters.restartNode(region, member, member.nodes[0].id);
    if (group.clusterEnabled) await this.options.topology.waitClusterAgrees(this.members.liveEngines(this.members.all(region, group)));
    else if (member.id === nodeGroup.primaryClusterId) await this.members.wireReplicas(region, nodeGroup);
    else await this.members.attachReplica(region, group, member);
    await this.endpoints.refresh(region, group, runtime);
  }

  /** A member's engine died (ClusterLifecycle tells): failover or replacement (failover.ts). */
  lost(region: RegionState, cluster: CacheClusterRecord): void {
    this.failover.memberLost(region, cluster);
  }

  /** A member's engine runs but has stopped answering past failure detection (failover.ts): resolves true when its group failed over from it. */
  unresponsive(region: RegionState, cluster: CacheClusterRecord): Promise<boolean> {
    return this.failover.unresponsive(region, cluster);
  }

  /** An unresponsive member answers again: back in the endpoints, and a replica of the new primary if it was failed over (failover.ts). */
  resumed(region: RegionState, cluster: CacheClusterRecord, failedOver: boolean): Promise<void> {
    return this.failover.resumed(region, cluster, failedOver);
  }

  /** Runs `work` in this group's order (e.g. a snapshot before a delete); it reports its own outcome. */
  exclusive(group: ReplicationGroupRecord, work: () => Promise<void>): Promise<void> {
    return this.machine.exclusive(group, work);
  }

  /** After an emulator restart, the region's groups with their members (recovery.ts). */
  recover(region: RegionState): Array<Promise<void>> {
    return [...region.replicationGroups.values()].map((group) => this.restore(region, group));
  }

  /** After an emulator restart (replication-recovery.ts). Resolves when it is done. */
  restore(region: RegionState, group: ReplicationGroupRecord): Promise<void> {
    return recoverGroup(
      { machine: this.machine, members: this.members, endpoints: this.endpoints, topology: this.options.topology, steps: this, migration: this.migration },
      region,
      group,
    );
  }

  /** Resolves when all work queued so far on this group is done. */
  settled(group: ReplicationGroupRecord): Promise<void> {
    return this.machine.settled(group);
  }

  /** Cancels every pending delay and refuses new work until stopAll() ends (resource-machine.ts). */
  halt(): void {
    this.machine.halt();
  }

  stopAll(): Promise<void> {
    return this.machine.stopAll((runtime) => this.endpoints.close(runtime));
  }
}
