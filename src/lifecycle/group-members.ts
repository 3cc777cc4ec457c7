/**
 * A replication group's member clusters as engines: looking them up, the shards the
 * topology algorithms take, and wiring a member into replication or into the cluster.
 */
import type { EngineNode } from "../engines/engine.js";
import type { CacheClusterRecord, NodeGroupRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import type { ClusterLifecycle } from "./cluster-lifecycle.js";
import type { Topology } from "./topology.js";

/** What a replication group asks of its members' lifecycle. */
export type MemberClusters = Pick<ClusterLifecycle, "create" | "modify" | "delete" | "restore" | "settled" | "engineNode" | "replaceNode" | "needsRestart" | "restartNode">;

export class GroupMembers {
  constructor(
    readonly clusters: MemberClusters,
    private readonly topology: Topology,
  ) {}

  all(region: RegionState, group: ReplicationGroupRecord): CacheClusterRecord[] {
    return group.nodeGroups.flatMap((ng) => ng.memberClusterIds.map((id) => region.clusters.get(id)!)).filter(Boolean);
  }

  engine(cluster: CacheClusterRecord): EngineNode {
    const engine = this.clusters.engineNode(cluster);
    if (!engine) throw new Error(`cache cluster ${cluster.id} has no running engine`);
    return engine;
  }

  /** The running engines of the members, skipping those without one. */
  liveEngines(members: CacheClusterRecord[]): EngineNode[] {
    return members.map((m) => this.clusters.engineNode(m)).filter((e): e is EngineNode => e !== undefined);
  }

  shards(region: RegionState, group: ReplicationGroupRecord) {
    return group.nodeGroups.map((ng) => ({
      slots: ng.slots ?? "",
      primary: this.engine(region.clusters.get(ng.primaryClusterId)!),
      replicas: ng.memberClusterIds.filter((id) => id !== ng.primaryClusterId).map((id) => this.engine(region.clusters.get(id)!)),
    }));
  }

  liveReplicas(region: RegionState, nodeGroup: NodeGroupRecord): CacheClusterRecord[] {
    return nodeGroup.memberClusterIds
      .filter((id) => id !== nodeGroup.primaryClusterId)
      .map((id) => region.clusters.get(id)!)
      .filter((c) => c && this.clusters.engineNode(c) !== undefined);
  }

  /** Starts members stored `creating` and resolves once every one is done (available or failed). */
  async start(region: RegionState, members: CacheClusterRecord[]): Promise<void> {
    for (const member of members) this.clusters.create(region, member);
    await Promise.all(members.map((m) => this.clusters.settled(m)));
  }

  /** Deletes members and resolves once they are gone. */
  async remove(region: RegionState, members: CacheClusterRecord[]): Promise<void> {
    for (const member of members) {
      member.status = "deleting";
      this.clusters.delete(region, member);
    }
    await Promise.all(members.map((m) => this.clusters.settled(m)));
  }

  /** Attaches a started member as a replica of its node group's primary; `outside` are members not in the cluster yet. */
  async attachReplica(
    region: RegionState,
    group: ReplicationGroupRecord,
    member: CacheClusterRecord,
    outside: ReadonlySet<CacheClusterRecord> = new Set([member]),
  ): Promise<void> {
    const ng = group.nodeGroups.find((n) => n.id === member.member!.nodeGroupId)!;
    const primary = this.engine(region.clusters.get(ng.primaryClusterId)!);
    if (!group.clusterEnabled) return this.topology.replicaOf(this.engine(member), primary);
    const cluster = this.liveEngines(this.all(region, group).filter((m) => m !== member && !outside.has(m)));
    await this.topology.rejoinCluster(this.engine(member), primary, cluster);
  }

  /** Cluster mode disabled: every replica of the node group follows its primary. */
  async wireReplicas(region: RegionState, nodeGroup: NodeGroupRecord): Promise<void> {
    const primary = this.engine(region.clusters.get(nodeGroup.primaryClusterId)!);
    await Promise.all(
      nodeGroup.memberClusterIds
        .filter((id) => id !== nodeGroup.primaryClusterId)
        .map((id) => this.topology.replicaOf(this.engine(region.clusters.get(id)!), primary)),
    );
  }
}
