/**
 * Users and user groups on the engines: a change to users or user groups reaches every
 * running node of every replication group and serverless cache using them (node-acl.ts sets the ACLs), while
 * the users and groups show their transitional status. Changes in one region apply in
 * order, through the shared status machine (one queue per region).
 */
import type { LifecycleDelays } from "../config.js";
import type { EngineNode } from "../engines/engine.js";
import type { Logger } from "../logger.js";
import type { CacheClusterRecord, ReplicationGroupRecord, ServerlessCacheRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import { replicationGroupsOfUserGroup, serverlessCachesOfUserGroup } from "../state/users.js";
import { usersFor, type NodeAcl } from "./node-acl.js";
import { ResourceMachine, type MachineKind } from "./resource-machine.js";

export { accessOf, isManaged, usersFor } from "./node-acl.js";

export interface AccessControlOptions {
  acl: NodeAcl;
  /** The running engine of a (single-node) member cluster. */
  engineOf: (cluster: CacheClusterRecord) => EngineNode | undefined;
  delays: LifecycleDelays;
  logger: Logger;
  /** Gives a serverless cache's engines its user group's users again (serverless-lifecycle.ts). */
  serverless?: { refreshUsers(region: RegionState, cache: ServerlessCacheRecord): Promise<void> };
}

/**
 * One change of a region's users or user groups. Its key is the region's, so changes queue
 * behind each other; `done` moves the records' statuses on (they belong to the actions).
 */
interface AccessChange {
  readonly arn: string;
  status: string;
  done: () => void;
}

const accessKind: MachineKind<AccessChange, object> = {
  label: "user access change",
  newRuntime: () => ({}),
  settle: (change) => change.done(),
  // The users and groups settle anyway: what reached the engines stays, the rest comes with each node's next start.
  failed: (change) => {
    change.done();
    return {};
  },
};

export class AccessControl {
  private readonly machine: ResourceMachine<AccessChange, object>;

  constructor(private readonly options: AccessControlOptions) {
    this.machine = new ResourceMachine(accessKind, options);
  }

  /** Every running node of the replication group gets the group's users now. */
  async pushToGroup(region: RegionState, group: ReplicationGroupRecord): Promise<void> {
    const users = usersFor(region, group.access);
    const members = group.nodeGroups.flatMap((ng) => ng.memberClusterIds.map((id) => region.clusters.get(id)));
    await Promise.all(
      members.map(async (member) => {
        const engine = member && this.options.engineOf(member);
        if (engine) await this.options.acl.apply(engine, users);
      }),
    );
  }

  /**
   * Users or user groups changed: every replication group using one of these user groups
   * gets its users again, then `done` (statuses back to active) runs, no sooner than the
   * configured delay of the step (creating, modifying, deleting). Changes in one region
   * apply in order.
   */
  syncUserGroups(region: RegionState, userGroupIds: string[], step: "create" | "modify" | "delete", done: () => void): void {
    const change: AccessChange = { arn: regionKey(region), status: step, done };
    void this.machine.transition(region, change, { delay: `${step}Ms` }, async () => {
      const groups = new Set(userGroupIds.flatMap((id) => replicationGroupsOfUserGroup(region, id)));
      const caches = new Set(userGroupIds.flatMap((id) => serverlessCachesOfUserGroup(region, id)));
      await Promise.all([
        ...[...groups].map((g) => this.pushToGroup(region, g)),
        ...[...caches].map((c) => this.options.serverless?.refreshUsers(region, c)),
      ]);
    });
  }

  /** A running cluster joins a replication group with users (PrimaryClusterId): its engine gets them now. */
  adoptPrimary(region: RegionState, group: ReplicationGroupRecord): void {
    const change: AccessChange = { arn: regionKey(region), status: "modifying", done: () => undefined };
    void this.machine.exclusive(change, () => this.pushToGroup(region, group));
  }

  /** Cancels every pending delay and refuses new work until stopAll() ends (resource-machine.ts). */
  halt(): void {
    this.machine.halt();
  }

  stopAll(): Promise<void> {
    return this.machine.stopAll();
  }
}

function regionKey(region: RegionState): string {
  return `${region.key.accountId}/${region.key.region}`;
}
