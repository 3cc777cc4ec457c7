/**
 * Drives replication groups: starts the member clusters (through ClusterLifecycle),
 * wires them into real replication or a real Redis Cluster, owns the group's endpoints
 * (forwarders), and moves the primary on TestFailover or when a primary's engine dies.
 * Work on one group runs in order.
 */
import type { Endpoint } from "../process/connect.js";
import type { EngineNode } from "../engines/engine.js";
import type { Forwarder, NodeLauncher } from "../nodes/node-launcher.js";
import type { LifecycleDelays } from "../config.js";
import type { Logger } from "../logger.js";
import type { CacheClusterRecord, NodeGroupRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import type { ClusterLifecycle } from "./cluster-lifecycle.js";
import { emitEvent } from "./events.js";
import { SerialWork } from "./serial-work.js";
import type { Topology } from "./topology.js";

interface GroupRuntime {
  primary?: Forwarder;
  reader?: Forwarder;
  configuration?: Forwarder;
}

export interface ReplicationLifecycleOptions {
  clusters: ClusterLifecycle;
  launcher: NodeLauncher;
  topology: Topology;
  delays: LifecycleDelays;
  logger: Logger;
  /** Called after each transition's work: the records may have changed. */
  onChange?: () => void;
}

/**
 * Restores data into a new group: "before" the topology is wired (nodes started from an
 * RDB), and "after" (keys spread by slot).
 */
export type RestoreHook = (
  phase: "before" | "after",
  group: ReplicationGroupRecord,
  shards: Array<{ slots: string; primary: EngineNode }>,
) => Promise<void>;

export class ReplicationLifecycle {
  private readonly work = new SerialWork<GroupRuntime>(
    () => ({}),
    () => this.options.onChange?.(),
  );
  private restoreHook: RestoreHook | undefined;

  constructor(private readonly options: ReplicationLifecycleOptions) {
    options.clusters.onMemberExit((region, cluster) => this.memberLost(region, cluster));
  }

  /** The group and its members are stored `creating`: start, wire, and open the endpoints. */
  create(region: RegionState, group: ReplicationGroupRecord): void {
    this.enqueue(region, group, async (runtime) => {
      const started = Date.now();
      const members = this.members(region, group);
      for (const member of members) if (member.status === "creating") this.options.clusters.create(region, member);
      await Promise.all(members.map((m) => this.options.clusters.settled(m)));
      const failed = members.find((m) => m.status !== "available");
      if (failed) throw new Error(`member ${failed.id} did not start (${failed.status})`);
      await this.restoreHook?.("before", group, this.shards(region, group));
      if (group.clusterEnabled) await this.options.topology.buildCluster(this.shards(region, group));
      else await this.wireReplicas(region, group, group.nodeGroups[0]);
      await this.restoreHook?.("after", group, this.shards(region, group));
      await this.openEndpoints(region, group, runtime);
      await this.pause(group, runtime, started, this.options.delays.createMs);
      for (const ng of group.nodeGroups) ng.status = "available";
      group.status = "available";
      emitEvent(region, "replication-group", group.id, "Replication group created", group.arn);
    });
  }

  /** The group is `deleting`: close its endpoints, delete its members, then remove it. */
  delete(region: RegionState, group: ReplicationGroupRecord, retainPrimary = false): void {
    this.enqueue(region, group, async (runtime) => {
      await this.closeEndpoints(runtime);
      const members = this.members(region, group);
      for (const member of members) {
        if (retainPrimary && member.member?.role === "primary") {
          member.member = undefined;
          continue;
        }
        member.status = "deleting";
        this.options.clusters.delete(region, member);
      }
      await Promise.all(members.map((m) => this.options.clusters.settled(m)));
      this.work.remove(group.arn);
      region.replicationGroups.delete(group.id);
      emitEvent(region, "replication-group", group.id, "Replication group deleted", group.arn);
    });
  }

  /** TestFailover: a planned promotion of a replica of the node group; the old primary stays as a replica. */
  testFailover(region: RegionState, group: ReplicationGroupRecord, nodeGroup: NodeGroupRecord): void {
    emitEvent(region, "replication-group", group.id, `Test Failover API called for node group ${nodeGroup.id}`, group.arn);
    this.enqueue(region, group, async (runtime) => {
      const started = Date.now();
      await this.failover(region, group, nodeGroup, runtime, { primaryAlive: true });
      await this.pause(group, runtime, started, this.options.delays.modifyMs);
      this.finishModifying(region, group, `Finished test failover for node group ${nodeGroup.id}`);
    });
  }

  /**
   * ModifyReplicationGroup's engine-side changes: a new primary (PrimaryClusterId), and the
   * node type or engine version already written into every member record.
   */
  modify(
    region: RegionState,
    group: ReplicationGroupRecord,
    change: { newPrimary?: CacheClusterRecord; membersChanged: boolean; transitEncryptionChanged?: boolean },
  ): void {
    this.enqueue(region, group, async (runtime) => {
      const started = Date.now();
      if (change.membersChanged || change.transitEncryptionChanged) {
        const members = this.members(region, group);
        for (const member of members) this.options.clusters.modify(region, member);
        await Promise.all(members.map((m) => this.options.clusters.settled(m)));
      }
      if (change.transitEncryptionChanged) {
        // The members restarted with their data on the same ports: replication is set up
        // again (cluster mode: the nodes find each other from their nodes.conf).
        if (group.clusterEnabled) await this.options.topology.waitClusterAgrees(this.members(region, group).map((m) => this.engine(m)));
        else await this.wireReplicas(region, group, group.nodeGroups[0]);
        this.refreshTargets(region, group, runtime);
        const applied = group.pending.transitEncryption;
        group.pending.transitEncryption = undefined;
        group.settings.transitEncryptionEnabled = applied?.enabled;
        group.settings.transitEncryptionMode = applied?.mode;
      }
      if (change.newPrimary) {
        const nodeGroup = group.nodeGroups.find((ng) => ng.id === change.newPrimary!.member!.nodeGroupId)!;
        await this.failover(region, group, nodeGroup, runtime, { primaryAlive: true, to: change.newPrimary });
      }
      await this.pause(group, runtime, started, this.options.delays.modifyMs);
      this.finishModifying(region, group, "Modified replication group");
    });
  }

  /** Who may connect changed (user groups, AUTH token): `apply` pushes it to the engines while the group is `modifying`. */
  modifyAccess(region: RegionState, group: ReplicationGroupRecord, apply: () => Promise<void>): void {
    this.enqueue(region, group, async (runtime) => {
      const started = Date.now();
      await apply();
      await this.pause(group, runtime, started, this.options.delays.modifyMs);
      this.finishModifying(region, group, "Modified replication group");
    });
  }

  /**
   * Resharding: new node groups (members stored `creating`) start and join, slots spread
   * evenly over the node groups that stay, and removed node groups leave and are deleted.
   */
  reshard(region: RegionState, group: ReplicationGroupRecord, added: NodeGroupRecord[], removed: NodeGroupRecord[]): void {
    this.enqueue(region, group, async (runtime) => {
      const started = Date.now();
      const newMembers = added.flatMap((ng) => ng.memberClusterIds.map((id) => region.clusters.get(id)!));
      for (const member of newMembers) this.options.clusters.create(region, member);
      await Promise.all(newMembers.map((m) => this.options.clusters.settled(m)));
      const current = this.shards(region, { ...group, nodeGroups: group.nodeGroups.filter((ng) => !added.includes(ng)) });
      const staying = group.nodeGroups.filter((ng) => !removed.includes(ng));
      const target = this.shards(region, { ...group, nodeGroups: staying });
      const slots = await this.options.topology.reshard(current, target, (percent) => (group.pending.reshardingProgress = percent));
      staying.forEach((ng, i) => (ng.slots = slots[i]));
      const leaving = removed.flatMap((ng) => ng.memberClusterIds.map((id) => region.clusters.get(id)!));
      group.nodeGroups = staying;
      this.refreshTargets(region, group, runtime);
      for (const member of leaving) {
        member.status = "deleting";
        this.options.clusters.delete(region, member);
      }
      await Promise.all(leaving.map((m) => this.options.clusters.settled(m)));
      await this.pause(group, runtime, started, this.options.delays.modifyMs);
      this.finishModifying(region, group, `Resharded to ${group.nodeGroups.length} node group(s)`);
    });
  }

  /** New replica members are stored `creating`: start them and attach them to their primaries. */
  addReplicas(region: RegionState, group: ReplicationGroupRecord, added: CacheClusterRecord[]): void {
    this.enqueue(region, group, async (runtime) => {
      const started = Date.now();
      for (const member of added) this.options.clusters.create(region, member);
      await Promise.all(added.map((m) => this.options.clusters.settled(m)));
      // One at a time: each joins a cluster of the nodes that are in it already.
      const pending = new Set(added);
      for (const member of added) {
        await this.attachReplica(region, group, member, pending);
        pending.delete(member);
      }
      this.refreshTargets(region, group, runtime);
      await this.pause(group, runtime, started, this.options.delays.modifyMs);
      this.finishModifying(region, group, `Added ${added.length} replica(s)`);
    });
  }

  /** Detaches and deletes replica members; the endpoints stop using them first. */
  removeReplicas(region: RegionState, group: ReplicationGroupRecord, removed: CacheClusterRecord[]): void {
    for (const member of removed) {
      const ng = group.nodeGroups.find((n) => n.id === member.member!.nodeGroupId)!;
      ng.memberClusterIds = ng.memberClusterIds.filter((id) => id !== member.id);
    }
    this.enqueue(region, group, async (runtime) => {
      const started = Date.now();
      this.refreshTargets(region, group, runtime);
      if (group.clusterEnabled) {
        const gone = removed.map((m) => this.engine(m));
        await this.options.topology.removeFromCluster(gone, this.shards(region, group));
      }
      for (const member of removed) {
        member.status = "deleting";
        this.options.clusters.delete(region, member);
      }
      await Promise.all(removed.map((m) => this.options.clusters.settled(m)));
      await this.pause(group, runtime, started, this.options.delays.modifyMs);
      this.finishModifying(region, group, `Removed ${removed.length} replica(s)`);
    });
  }

  /** Set by the snapshot service: restores data a new group was created from. */
  onRestore(hook: RestoreHook): void {
    this.restoreHook = hook;
  }

  /** Runs `work` in this group's order (e.g. a snapshot before a delete); it reports its own outcome. */
  exclusive(group: ReplicationGroupRecord, work: () => Promise<void>): Promise<void> {
    return this.work.run(group.arn, work, (error) =>
      this.options.logger.error("replication group work failed", { group: group.id, error: error instanceof Error ? error.message : String(error) }),
    );
  }

  /**
   * After an emulator restart: members come back from their work dirs, the recorded
   * primaries stay primaries (replicas resynchronise from them; a Redis Cluster re-forms
   * from its nodes.conf files), and the endpoints listen on their recorded ports. Work cut
   * short by the restart is rolled forward: `deleting` ends deleted, a group still
   * `creating` is created again from empty nodes, a member still `creating` joins as a
   * fresh replica, a change in progress ends `available`. Resolves when it is done.
   */
  restore(region: RegionState, group: ReplicationGroupRecord): Promise<void> {
    if (group.status === "deleting") {
      this.delete(region, group);
      return this.settled(group);
    }
    // Nothing runs for a failed group; its members stay records until it is deleted.
    if (group.status === "create-failed") return Promise.resolve();
    const members = this.members(region, group);
    if (group.status === "creating") {
      // Nobody could use it yet: start over from empty nodes on the recorded ports.
      for (const member of members) {
        member.status = "creating";
        for (const node of member.nodes) node.status = "creating";
      }
      const wiped = members.map((m) => this.options.clusters.restore(region, m, { fresh: true }));
      this.enqueue(region, group, async () => void (await Promise.all(wiped)));
      this.create(region, group);
      return this.settled(group);
    }
    group.status = "modifying";
    const joining = members.filter((m) => m.status === "creating");
    const staying = members.filter((m) => m.status !== "creating");
    const started = [
      ...staying.map((m) => this.options.clusters.restore(region, m)),
      ...joining.map((m) => this.options.clusters.restore(region, m, { fresh: true })),
    ];
    this.enqueue(region, group, async (runtime) => {
      await Promise.all(started);
      const failed = members.find((m) => m.status !== "available");
      if (failed) throw new Error(`member ${failed.id} did not come back (${failed.status})`);
      const outside = new Set(joining);
      if (group.clusterEnabled) {
        const views = await this.options.topology.reformCluster(staying.map((m) => this.engine(m)));
        // The cluster's own view wins (a failover the records did not see yet): roles and slots.
        for (const ng of group.nodeGroups) {
          const ngMembers = ng.memberClusterIds.map((id) => region.clusters.get(id)!).filter((m) => m && !outside.has(m));
          const primary = ngMembers.find((m) => views.get(this.engine(m))?.role === "primary");
          if (!primary) continue;
          ng.primaryClusterId = primary.id;
          for (const m of ngMembers) m.member!.role = m === primary ? "primary" : "replica";
          ng.slots = views.get(this.engine(primary))!.slots;
        }
      } else {
        // Every node restarted as a primary of its own data: the replicas resynchronise from the recorded primary.
        const primaryId = group.nodeGroups[0].primaryClusterId;
        const primary = this.engine(region.clusters.get(primaryId)!);
        const replicas = staying.filter((m) => m.id !== primaryId);
        await Promise.all(replicas.map((m) => this.options.topology.replicaOf(this.engine(m), primary)));
      }
      for (const member of joining) {
        await this.attachReplica(region, group, member, outside);
        outside.delete(member);
      }
      await this.openEndpoints(region, group, runtime);
      this.finishModifying(region, group, "Replication group recovered after the emulator restarted");
    });
    return this.settled(group);
  }

  /** Resolves when all work queued so far on this group is done. */
  settled(group: ReplicationGroupRecord): Promise<void> {
    return this.work.settled(group.arn);
  }

  stopAll(): Promise<void> {
    return this.work.stopAll((runtime) => this.closeEndpoints(runtime));
  }

  /**
   * A member's engine died. A primary with automatic failover on: promote the most up-to-date
   * replica at once, then replace the dead node as a replica. Otherwise AWS replaces the node
   * in place (a primary comes back empty and its replicas resynchronise from it).
   */
  private memberLost(region: RegionState, cluster: CacheClusterRecord): void {
    const group = cluster.member && region.replicationGroups.get(cluster.member.replicationGroupId);
    const runtime = group && this.work.runtime(group.arn);
    if (!group || !runtime) return void this.options.clusters.replaceNode(region, cluster);
    const nodeGroup = group.nodeGroups.find((ng) => ng.id === cluster.member!.nodeGroupId)!;
    emitEvent(region, "cache-cluster", cluster.id, `Recovering cache nodes ${cluster.nodes[0].id}`, cluster.arn);
    this.refreshTargets(region, group, runtime);
    this.enqueue(region, group, async (rt) => {
      const wasPrimary = cluster.member?.role === "primary";
      const canFail = wasPrimary && group.automaticFailover && this.liveReplicas(region, nodeGroup).length > 0;
      if (canFail) await this.failover(region, group, nodeGroup, rt, { primaryAlive: false });
      await this.options.clusters.replaceNode(region, cluster);
      if (cluster.member?.role === "replica") await this.attachReplica(region, group, cluster);
      this.refreshTargets(region, group, rt);
      emitEvent(region, "cache-cluster", cluster.id, `Finished recovery for cache nodes ${cluster.nodes[0].id}`, cluster.arn);
    });
  }

  /** Promotes the most up-to-date live replica of the node group; the others follow it. */
  private async failover(
    region: RegionState,
    group: ReplicationGroupRecord,
    nodeGroup: NodeGroupRecord,
    runtime: GroupRuntime,
    how: { primaryAlive: boolean; to?: CacheClusterRecord },
  ): Promise<void> {
    const oldPrimary = region.clusters.get(nodeGroup.primaryClusterId)!;
    const candidates = this.liveReplicas(region, nodeGroup);
    const engines = candidates.map((c) => this.engine(c));
    const best = how.to ?? candidates[engines.indexOf(await this.options.topology.mostUpToDate(engines))];
    if (group.clusterEnabled) {
      const live = this.members(region, group)
        .map((m) => this.options.clusters.engineNode(m))
        .filter((e): e is EngineNode => e !== undefined);
      await this.options.topology.clusterFailover(this.engine(best), { takeover: !how.primaryAlive, live });
    } else {
      await this.options.topology.promote(this.engine(best));
      for (const other of candidates) if (other !== best) await this.options.topology.replicaOf(this.engine(other), this.engine(best));
      if (how.primaryAlive) await this.options.topology.replicaOf(this.engine(oldPrimary), this.engine(best));
    }
    oldPrimary.member!.role = "replica";
    best.member!.role = "primary";
    nodeGroup.primaryClusterId = best.id;
    this.refreshTargets(region, group, runtime);
    emitEvent(region, "replication-group", group.id, `Failover from master node ${oldPrimary.id} to replica node ${best.id} completed`, group.arn);
  }

  /** Attaches a started member as a replica of its node group's primary; `outside` are members not in the cluster yet. */
  private async attachReplica(
    region: RegionState,
    group: ReplicationGroupRecord,
    member: CacheClusterRecord,
    outside: ReadonlySet<CacheClusterRecord> = new Set([member]),
  ): Promise<void> {
    const ng = group.nodeGroups.find((n) => n.id === member.member!.nodeGroupId)!;
    const primary = this.engine(region.clusters.get(ng.primaryClusterId)!);
    if (!group.clusterEnabled) return this.options.topology.replicaOf(this.engine(member), primary);
    const cluster = this.members(region, group)
      .filter((m) => m !== member && !outside.has(m))
      .map((m) => this.options.clusters.engineNode(m))
      .filter((e): e is EngineNode => e !== undefined);
    await this.options.topology.rejoinCluster(this.engine(member), primary, cluster);
  }

  private finishModifying(region: RegionState, group: ReplicationGroupRecord, what: string): void {
    group.pending.reshardingProgress = undefined;
    for (const ng of group.nodeGroups) ng.status = "available";
    group.status = "available";
    emitEvent(region, "replication-group", group.id, what, group.arn);
  }

  private async wireReplicas(region: RegionState, group: ReplicationGroupRecord, nodeGroup: NodeGroupRecord): Promise<void> {
    const primary = this.engine(region.clusters.get(nodeGroup.primaryClusterId)!);
    await Promise.all(
      nodeGroup.memberClusterIds
        .filter((id) => id !== nodeGroup.primaryClusterId)
        .map((id) => this.options.topology.replicaOf(this.engine(region.clusters.get(id)!), primary)),
    );
  }

  private async openEndpoints(region: RegionState, group: ReplicationGroupRecord, runtime: GroupRuntime): Promise<void> {
    const { launcher } = this.options;
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
    this.refreshTargets(region, group, runtime);
  }

  /** Points the endpoints at the live nodes: the primary, the replicas (else the primary), any node. */
  private refreshTargets(region: RegionState, group: ReplicationGroupRecord, runtime: GroupRuntime): void {
    const live = (ids: string[]) =>
      ids
        .map((id) => region.clusters.get(id))
        .map((c) => (c ? this.options.clusters.engineNode(c)?.endpoint : undefined))
        .filter((e): e is Endpoint => e !== undefined);
    if (group.clusterEnabled) {
      runtime.configuration?.setTargets(live(group.nodeGroups.flatMap((ng) => ng.memberClusterIds)));
      return;
    }
    const ng = group.nodeGroups[0];
    const primary = live([ng.primaryClusterId]);
    const replicas = live(ng.memberClusterIds.filter((id) => id !== ng.primaryClusterId));
    runtime.primary?.setTargets(primary);
    runtime.reader?.setTargets(replicas.length ? replicas : primary);
  }

  private async closeEndpoints(runtime: GroupRuntime): Promise<void> {
    await Promise.all([runtime.primary?.stop(), runtime.reader?.stop(), runtime.configuration?.stop()]);
    runtime.primary = runtime.reader = runtime.configuration = undefined;
  }

  private shards(region: RegionState, group: ReplicationGroupRecord) {
    return group.nodeGroups.map((ng) => ({
      slots: ng.slots ?? "",
      primary: this.engine(region.clusters.get(ng.primaryClusterId)!),
      replicas: ng.memberClusterIds.filter((id) => id !== ng.primaryClusterId).map((id) => this.engine(region.clusters.get(id)!)),
    }));
  }

  private liveReplicas(region: RegionState, nodeGroup: NodeGroupRecord): CacheClusterRecord[] {
    return nodeGroup.memberClusterIds
      .filter((id) => id !== nodeGroup.primaryClusterId)
      .map((id) => region.clusters.get(id)!)
      .filter((c) => c && this.options.clusters.engineNode(c) !== undefined);
  }

  private members(region: RegionState, group: ReplicationGroupRecord): CacheClusterRecord[] {
    return group.nodeGroups.flatMap((ng) => ng.memberClusterIds.map((id) => region.clusters.get(id)!)).filter(Boolean);
  }

  private engine(cluster: CacheClusterRecord): EngineNode {
    const engine = this.options.clusters.engineNode(cluster);
    if (!engine) throw new Error(`cache cluster ${cluster.id} has no running engine`);
    return engine;
  }

  private pause(group: ReplicationGroupRecord, runtime: GroupRuntime, since: number, ms: number): Promise<void> {
    return this.work.pause(group.arn, runtime, since, ms);
  }

  private enqueue(region: RegionState, group: ReplicationGroupRecord, work: (runtime: GroupRuntime) => Promise<void>): void {
    void this.work.run(group.arn, work, (error) => {
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger.error("replication group transition failed", { group: group.id, error: message });
      if (group.status === "creating") group.status = "create-failed";
      // A failed change leaves the group usable as it is now, as AWS returns it to available.
      if (group.status === "modifying") {
        group.status = "available";
        group.pending.reshardingProgress = undefined;
        for (const ng of group.nodeGroups) ng.status = "available";
      }
      emitEvent(region, "replication-group", group.id, `Replication group operation failed: ${message}`, group.arn);
    });
  }
}
