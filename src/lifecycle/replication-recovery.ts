/**
 * A replication group after an emulator restart: members come back from their work dirs,
 * the recorded primaries stay primaries (replicas resynchronise from them; a Redis Cluster
 * re-forms from its nodes.conf files), and the endpoints listen on their recorded ports.
 * Work cut short by the restart is rolled forward: `deleting` ends deleted, a group still
 * `creating` is created again from empty nodes (and its snapshot, when it restores one), a
 * member still `creating` joins as a fresh replica, a change in progress ends `available`;
 * a group under migration ends `migrating`, its primary following the source again.
 */
import { mirrorGroupSettings } from "../state/member-settings.js";
import type { ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import type { GroupEndpoints, GroupRuntime } from "./group-endpoints.js";
import type { GroupMembers } from "./group-members.js";
import type { Migration } from "./migration.js";
import type { ResourceMachine } from "./resource-machine.js";
import type { Topology } from "./topology.js";

/** The group steps a recovery rolls forward to. */
export interface GroupSteps {
  create(region: RegionState, group: ReplicationGroupRecord): void;
  delete(region: RegionState, group: ReplicationGroupRecord): void;
}

export interface RecoveryDeps {
  machine: ResourceMachine<ReplicationGroupRecord, GroupRuntime>;
  members: GroupMembers;
  endpoints: GroupEndpoints;
  topology: Topology;
  steps: GroupSteps;
  migration: Migration;
}

/** Resolves when the group is back (or deleted, or failed). */
export function recoverGroup(deps: RecoveryDeps, region: RegionState, group: ReplicationGroupRecord): Promise<void> {
  const { machine, members: m, topology, steps } = deps;
  const clusters = m.clusters;
  if (group.status === "deleting") {
    steps.delete(region, group);
    return machine.settled(group);
  }
  // Nothing runs for a failed group; its members stay records until it is deleted.
  if (group.status === "create-failed") return Promise.resolve();
  const members = m.all(region, group);
  // Records from an earlier version may lack a setting the members now carry as the group does.
  for (const member of members) mirrorGroupSettings(group, member);
  if (group.status === "creating") {
    // Nobody could use it yet: start over from empty nodes on the recorded ports.
    for (const member of members) {
      member.status = "creating";
      for (const node of member.nodes) node.status = "creating";
    }
    const wiped = members.map((member) => clusters.restore(region, member, { fresh: true }));
    void machine.run(region, group, async () => void (await Promise.all(wiped)));
    steps.create(region, group);
    return machine.settled(group);
  }
  group.status = "modifying";
  const joining = members.filter((member) => member.status === "creating");
  const staying = members.filter((member) => member.status !== "creating");
  const started = [
    ...staying.map((member) => clusters.restore(region, member)),
    ...joining.map((member) => clusters.restore(region, member, { fresh: true })),
  ];
  void machine.run(region, group, async (runtime) => {
    await Promise.all(started);
    const failed = members.find((member) => member.status !== "available");
    if (failed) throw new Error(`member ${failed.id} did not come back (${failed.status})`);
    const outside = new Set(joining);
    if (group.clusterEnabled) {
      const views = await topology.reformCluster(staying.map((member) => m.engine(member)));
      // The cluster's own view wins (a failover the records did not see yet): roles and slots.
      for (const ng of group.nodeGroups) {
        const ngMembers = ng.memberClusterIds.map((id) => region.clusters.get(id)!).filter((member) => member && !outside.has(member));
        const primary = ngMembers.find((member) => views.get(m.engine(member))?.role === "primary");
        if (!primary) continue;
        ng.primaryClusterId = primary.id;
        for (const member of ngMembers) member.member!.role = member === primary ? "primary" : "replica";
        ng.slots = views.get(m.engine(primary))!.slots;
      }
    } else {
      // Every node restarted as a primary of its own data: the replicas resynchronise from the recorded primary.
      const primaryId = group.nodeGroups[0].primaryClusterId;
      const primary = m.engine(region.clusters.get(primaryId)!);
      const replicas = staying.filter((member) => member.id !== primaryId);
      await Promise.all(replicas.map((member) => topology.replicaOf(m.engine(member), primary)));
    }
    for (const member of joining) {
      await m.attachReplica(region, group, member, outside);
      outside.delete(member);
    }
    await deps.endpoints.open(region, group, runtime);
    if (group.migration && !group.clusterEnabled) {
      // Under migration (a StartMigration or CompleteMigration cut short counts as one): the primary follows the source again.
      await deps.migration.refollow(region, group);
      for (const ng of group.nodeGroups) ng.status = "available";
      group.status = "migrating";
      machine.event(region, group, "Replication group recovered after the emulator restarted");
      return;
    }
    machine.finish(region, group, "Replication group recovered after the emulator restarted");
  });
  return machine.settled(group);
}
