/**
 * Global datastores on real engines. Regions are partitions of one emulator's state, so
 * every member group's engines run here side by side, and a secondary replicates from the
 * primary group for real:
 *
 * - Cluster mode disabled: the secondary group's primary node is a `REPLICAOF` of the
 *   primary group's primary node; the secondary's own replicas keep following their primary
 *   (chained replication), so the whole secondary group serves the data and refuses writes
 *   (READONLY) as replicas do.
 * - A reconciler (`reconcileMs`) keeps that link true whatever the groups' own machinery
 *   does: a failover inside either group (a replica promoted with REPLICAOF NO ONE), a node
 *   replaced empty, an emulator restart. Once the secondary group's own step is over, it reads
 *   INFO replication of the secondary's primary and points it again at the primary group's
 *   current primary when it follows anything else.
 * - Cluster mode enabled: a relay per primary shard (shard-relay.ts) replicates into the
 *   secondary cluster, whose client users lose their write commands.
 *
 * Status steps (creating, modifying, deleting) keep their minimum delays (config.delays) as
 * the replication groups' do; work on one global datastore runs in order.
 */
import type { LifecycleDelays } from "../config.js";
import type { EngineNode } from "../engines/engine.js";
import { admin, replicaOf, replicationInfo, waitReplicaSynced } from "../engines/topology/index.js";
import type { Logger } from "../logger.js";
import type { NodeLauncher } from "../nodes/node-launcher.js";
import { RESTRICTED_COMMANDS } from "../engines/restricted.js";
import { ShardRelay, type RelayShard } from "./shard-relay.js";
import type { CacheClusterRecord, GlobalMemberRecord, GlobalReplicationGroupRecord, ReplicationGroupRecord } from "../state/records.js";
import type { AccountState, RegionState, Store } from "../state/store.js";
import { emitEvent } from "./events.js";
import { CancelledError, Timers } from "./timers.js";
import type { Topology } from "./topology.js";

export interface GlobalReplicationOptions {
  store: Store;
  engineNode: (cluster: CacheClusterRecord) => EngineNode | undefined;
  /** Resolves when the group's queued work is done (ReplicationLifecycle.settled). */
  groupSettled: (group: ReplicationGroupRecord) => Promise<void>;
  topology: Topology;
  delays: LifecycleDelays;
  logger: Logger;
  onChange?: () => void;
  /** How often the replication links are checked (ms). */
  reconcileMs?: number;
  /** Cluster mode enabled secondaries: the relays' temporary engines for full syncs (shard-relay.ts). */
  launcher: NodeLauncher;
  scratchRoot: string;
  /** ElastiCache's restricted commands stay refused when a secondary takes writes again. */
  allowRestrictedCommands: boolean;
}

/** A global datastore's member group with the region state it lives in. */
export interface MemberGroup {
  member: GlobalMemberRecord;
  region: RegionState;
  group: ReplicationGroupRecord;
}

const DEFAULT_RECONCILE_MS = 200;

export class GlobalReplication {
  private readonly timers = new Timers();
  /** Work in order per global datastore, by id. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Global datastores whose engines a step is moving: the reconciler leaves them alone. */
  private readonly moving = new Set<string>();
  private loop: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private halted = false;
  /** Cluster mode enabled secondaries: one relay per primary shard, by `<global id>|<secondary id>|<primary node group>`. */
  private readonly relays = new Map<string, ShardRelay>();
  /** Secondary cluster nodes (engines) whose client users write no more. */
  private readonly writesRefused = new WeakSet<EngineNode>();

  constructor(private readonly options: GlobalReplicationOptions) {}

  /** After a start (and a restart with a data dir): steps cut short end, then links are kept. */
  start(): void {
    for (const account of this.options.store.allAccounts()) {
      for (const grg of account.globalReplicationGroups.values()) this.settleAfterRestart(account, grg);
    }
    this.schedule();
  }

  /** Member groups of a global datastore that exist, with their regions. */
  memberGroups(accountId: string, grg: GlobalReplicationGroupRecord): MemberGroup[] {
    return grg.members.flatMap((member) => {
      const region = this.options.store.region({ accountId, region: member.region });
      const group = region.replicationGroups.get(member.replicationGroupId);
      return group ? [{ member, region, group }] : [];
    });
  }

  /** CreateGlobalReplicationGroup: `creating`, then `primary-only`. */
  created(account: AccountState, grg: GlobalReplicationGroupRecord): void {
    this.run(grg, async () => {
      await this.timers.delay(this.options.delays.createMs);
      grg.status = this.restingStatus(grg);
      for (const m of this.memberGroups(account.key.accountId, grg)) {
        this.event(m, `Replication group ${m.group.id} is the primary of global datastore ${grg.id}`);
      }
    });
  }

  /** A secondary group was created into the global datastore: once it runs, it replicates from the primary. */
  associate(account: AccountState, grg: GlobalReplicationGroupRecord, member: GlobalMemberRecord): void {
    this.run(grg, async () => {
      const secondary = this.memberGroups(account.key.accountId, grg).find((m) => m.member === member);
      if (!secondary) return;
      await this.options.groupSettled(secondary.group);
      if (secondary.group.status !== "available") throw new Error(`replication group ${secondary.group.id} did not start (${secondary.group.status})`);
      if (secondary.group.clusterEnabled) {
        await this.refuseWrites(secondary);
        const relays = this.ensureRelays(account.key.accountId, grg, secondary);
        await this.untilStreaming(relays);
      } else await this.link(account.key.accountId, grg, secondary, { wait: true });
      member.status = "associated";
      grg.status = this.restingStatus(grg);
      this.event(secondary, `Replication group ${secondary.group.id} is associated with global datastore ${grg.id} as a secondary`);
    });
  }

  /** DisassociateGlobalReplicationGroup: the secondary stops replicating and takes writes, keeping its data. */
  disassociate(account: AccountState, grg: GlobalReplicationGroupRecord, member: GlobalMemberRecord): void {
    this.run(grg, async () => {
      const secondary = this.memberGroups(account.key.accountId, grg).find((m) => m.member === member);
      await this.timers.delay(this.options.delays.modifyMs);
      if (secondary?.group.clusterEnabled) {
        await this.stopRelays(`${grg.id}|${secondary.group.id}|`);
        await this.allowWrites(secondary);
      }
      if (secondary) {
        const node = secondary.group.clusterEnabled ? undefined : this.primaryNode(secondary);
        if (node) await this.options.topology.promote(node);
        secondary.group.global = undefined;
        this.event(secondary, `Replication group ${secondary.group.id} is disassociated from global datastore ${grg.id}`);
      }
      grg.members = grg.members.filter((m) => m !== member);
      grg.status = this.restingStatus(grg);
    }, { moving: true });
  }

  /** DeleteGlobalReplicationGroup: `deleting`, then gone; the primary group stays, standalone. */
  delete(account: AccountState, grg: GlobalReplicationGroupRecord): void {
    this.run(grg, async () => {
      await this.timers.delay(this.options.delays.deleteMs);
      for (const m of this.memberGroups(account.key.accountId, grg)) {
        m.group.global = undefined;
        this.event(m, `Global datastore ${grg.id} is deleted; replication group ${m.group.id} remains as a standalone group`);
      }
      await this.stopRelays(`${grg.id}|`);
      account.globalReplicationGroups.delete(grg.id);
      account.tags.delete(grg.arn);
    });
  }

  /**
   * FailoverGlobalReplicationGroup: `next` (a secondary) becomes the primary. The old primary
   * stops taking writes (CLIENT PAUSE WRITE) until the new one has every write it accepted,
   * the new one is promoted, the old primary and any other secondary replicate from it, and
   * the connections to the old primary are closed, as AWS does.
   */
  failover(account: AccountState, grg: GlobalReplicationGroupRecord, next: GlobalMemberRecord): void {
    this.run(grg, async () => {
      await this.promote(account.key.accountId, grg, next);
    }, { moving: true });
  }

  /** The promotion itself; resolves once the new primary takes writes and the others follow it. */
  private async promote(accountId: string, grg: GlobalReplicationGroupRecord, next: GlobalMemberRecord): Promise<void> {
    const members = this.memberGroups(accountId, grg);
    const oldPrimary = members.find((m) => m.member.role === "primary");
    const newPrimary = members.find((m) => m.member === next);
    if (!oldPrimary || !newPrimary || oldPrimary === newPrimary) return;
    if (newPrimary.group.clusterEnabled) return this.promoteCluster(accountId, grg, oldPrimary, newPrimary, members);
    const oldNodes = this.groupNodes(oldPrimary);
    const oldNode = this.primaryNode(oldPrimary);
    const newNode = this.primaryNode(newPrimary);
    if (!newNode) throw new Error(`replication group ${newPrimary.group.id} has no running primary`);
    let paused = false;
    try {
      if (oldNode) {
        // No write is accepted by the old primary from here on, and every accepted one reaches the new primary.
        paused = await admin(oldNode, ["CLIENT", "PAUSE", "30000", "WRITE"]).then(
          () => true,
          () => false,
        );
        await waitReplicaSynced(newNode, oldNode, 10_000, { pollMs: 2 }).catch((err) =>
          this.options.logger.warn(`global datastore ${grg.id}: ${String(err)}`),
        );
      }
      await this.options.topology.promote(newNode);
      oldPrimary.member.role = "secondary";
      oldPrimary.group.global = { globalReplicationGroupId: grg.id, role: "secondary" };
      newPrimary.member.role = "primary";
      newPrimary.group.global = { globalReplicationGroupId: grg.id, role: "primary" };
      // The new primary leads the member list, as AWS lists it.
      grg.members = [newPrimary.member, ...grg.members.filter((m) => m !== newPrimary.member)];
      this.options.onChange?.();
      if (oldNode) {
        await replicaOf(oldNode, newNode).catch((err) => this.options.logger.warn(`global datastore ${grg.id}: ${String(err)}`));
        // Clients of the demoted primary (and of its replicas) reconnect, as after AWS's promotion.
        for (const node of oldNodes) await admin(node, ["CLIENT", "KILL", "TYPE", "normal"]).catch(() => undefined);
      }
    } finally {
      if (oldNode && paused) await admin(oldNode, ["CLIENT", "UNPAUSE"]).catch(() => undefined);
    }
    for (const m of members) if (m !== newPrimary) await this.link(accountId, grg, m, { wait: false }).catch(() => undefined);
    this.event(newPrimary, `Replication group ${newPrimary.group.id} is promoted to primary of global datastore ${grg.id}`);
    this.event(oldPrimary, `Replication group ${oldPrimary.group.id} is now a secondary of global datastore ${grg.id}`);
  }

  /**
   * Cluster mode enabled: the old primary's masters stop taking writes until the relays to
   * the new primary have applied everything they accepted; the relays stop; the new primary's
   * client users write again and the old primary's lose their writes (their connections
   * close); then every secondary syncs from the new primary through new relays.
   */
  private async promoteCluster(accountId: string, grg: GlobalReplicationGroupRecord, oldPrimary: MemberGroup, newPrimary: MemberGroup, members: MemberGroup[]): Promise<void> {
    const oldMasters = this.shardsOf(oldPrimary).map((s) => s.primary);
    const incoming = [...this.relays.entries()].filter(([key]) => key.startsWith(`${grg.id}|${newPrimary.group.id}|`)).map(([, r]) => r);
    const paused: EngineNode[] = [];
    try {
      for (const master of oldMasters) if (await admin(master, ["CLIENT", "PAUSE", "30000", "WRITE"]).then(() => true, () => false)) paused.push(master);
      const targets = new Map(await Promise.all(oldMasters.map(async (m) => [m, await replicationInfo(m).then((i) => i.offset, () => 0)] as const)));
      const deadline = Date.now() + 10_000;
      // Each relay follows one old master; all of them have applied at least what their master had when writes stopped.
      while (!incoming.every((r) => r.caughtUp(targets))) {
        if (Date.now() > deadline) {
          this.options.logger.warn(`global datastore ${grg.id}: the relays did not catch up before the promotion`);
          break;
        }
        await this.timers.delay(1);
      }
      // Everything the relays sent is applied before the promoted group takes writes.
      await Promise.all(incoming.map((r) => r.drain()));
      await this.stopRelays(`${grg.id}|`);
      oldPrimary.member.role = "secondary";
      oldPrimary.group.global = { globalReplicationGroupId: grg.id, role: "secondary" };
      newPrimary.member.role = "primary";
      newPrimary.group.global = { globalReplicationGroupId: grg.id, role: "primary" };
      grg.members = [newPrimary.member, ...grg.members.filter((m) => m !== newPrimary.member)];
      this.options.onChange?.();
      await this.allowWrites(newPrimary);
      await this.refuseWrites(oldPrimary);
      for (const node of this.groupNodes(oldPrimary)) await admin(node, ["CLIENT", "KILL", "TYPE", "normal"]).catch(() => undefined);
    } finally {
      for (const master of paused) await admin(master, ["CLIENT", "UNPAUSE"]).catch(() => undefined);
    }
    this.event(newPrimary, `Replication group ${newPrimary.group.id} is promoted to primary of global datastore ${grg.id}`);
    this.event(oldPrimary, `Replication group ${oldPrimary.group.id} is now a secondary of global datastore ${grg.id}`);
    for (const m of members) if (m !== newPrimary) await this.untilStreaming(this.ensureRelays(accountId, grg, m));
  }

  /**
   * A change every member group is making through its own lifecycle (queued by the action):
   * the global datastore is `modifying` until all are done, then the secondaries follow the
   * primary again (the relays, stopped meanwhile, sync in full).
   */
  membersChanging(account: AccountState, grg: GlobalReplicationGroupRecord): void {
    const members = this.memberGroups(account.key.accountId, grg);
    this.run(grg, async () => {
      // Slots move: the relays stop, and sync in full again once every member is done.
      await this.stopRelays(`${grg.id}|`);
      await this.timers.delay(this.options.delays.modifyMs);
      await Promise.all(members.map((m) => this.options.groupSettled(m.group)));
      // Members that restarted come back as primaries of their own: they follow the primary again.
      for (const m of members) {
        if (m.member.role !== "secondary") continue;
        if (m.group.clusterEnabled) {
          await this.refuseWrites(m);
          await this.untilStreaming(this.ensureRelays(account.key.accountId, grg, m));
        } else await this.link(account.key.accountId, grg, m, { wait: false }).catch(() => undefined);
      }
    }, { moving: true });
  }

  /** Resolves when the work queued so far on the global datastore is done. */
  settled(grg: GlobalReplicationGroupRecord): Promise<void> {
    return this.queues.get(grg.id) ?? Promise.resolve();
  }

  /** Stops the reconciler and cancels pending delays. */
  halt(): void {
    this.halted = true;
    if (this.loop) clearTimeout(this.loop);
    this.loop = undefined;
    this.timers.cancelAll();
  }

  async stopAll(): Promise<void> {
    this.halt();
    await this.reconciling;
    await this.stopRelays("");
    await Promise.allSettled([...this.queues.values()]);
  }

  /** After a reset: forget the queues; the reconciler runs again. */
  async reset(): Promise<void> {
    await this.stopAll();
    this.queues.clear();
    this.moving.clear();
    this.halted = false;
    this.schedule();
  }

  /** `primary-only` without secondaries, `available` with. */
  private restingStatus(grg: GlobalReplicationGroupRecord): GlobalReplicationGroupRecord["status"] {
    return grg.members.some((m) => m.role === "secondary") ? "available" : "primary-only";
  }

  private settleAfterRestart(account: AccountState, grg: GlobalReplicationGroupRecord): void {
    if (grg.status === "deleting") {
      account.globalReplicationGroups.delete(grg.id);
      for (const m of this.memberGroups(account.key.accountId, grg)) m.group.global = undefined;
      return;
    }
    // A disassociation cut short: the secondary's engines come back as primaries of their own, with their data.
    for (const m of this.memberGroups(account.key.accountId, grg)) if (m.member.status === "disassociating") m.group.global = undefined;
    grg.members = grg.members.filter((m) => m.status !== "disassociating");
    // Secondaries link again through the reconciler once their engines are back.
    for (const m of grg.members) m.status = "associated";
    grg.status = this.restingStatus(grg);
  }

  private run(grg: GlobalReplicationGroupRecord, work: () => Promise<void>, opts: { moving?: boolean } = {}): void {
    const before = this.queues.get(grg.id) ?? Promise.resolve();
    const done = before
      .then(async () => {
        if (opts.moving) this.moving.add(grg.id);
        try {
          await work();
          if (grg.status !== "deleting") grg.status = this.restingStatus(grg);
        } finally {
          this.moving.delete(grg.id);
        }
      })
      .catch((err: unknown) => {
        if (err instanceof CancelledError) return;
        this.options.logger.error(`global datastore ${grg.id}: ${err instanceof Error ? err.message : String(err)}`);
        // A failed step leaves the global datastore usable as it is.
        for (const m of grg.members) if (m.status === "associating" || m.status === "disassociating") m.status = "associated";
        if (grg.status !== "deleting") grg.status = this.restingStatus(grg);
      })
      .finally(() => {
        if (this.queues.get(grg.id) === done) this.queues.delete(grg.id);
        this.options.onChange?.();
      });
    this.queues.set(grg.id, done);
  }

  private primaryNode(m: MemberGroup): EngineNode | undefined {
    const ng = m.group.nodeGroups[0];
    const cluster = ng && m.region.clusters.get(ng.primaryClusterId);
    return cluster && this.options.engineNode(cluster);
  }

  private groupNodes(m: MemberGroup): EngineNode[] {
    return m.group.nodeGroups
      .flatMap((ng) => ng.memberClusterIds.map((id) => m.region.clusters.get(id)))
      .map((c) => c && this.options.engineNode(c))
      .filter((e): e is EngineNode => e !== undefined);
  }

  /**
   * Makes the secondary's primary node replicate from the global primary's primary node,
   * unless it does already; `wait`: until it has caught up.
   */
  private async link(accountId: string, grg: GlobalReplicationGroupRecord, secondary: MemberGroup, opts: { wait: boolean }): Promise<boolean> {
    const primary = this.memberGroups(accountId, grg).find((m) => m.member.role === "primary");
    if (!primary) return false;
    const from = this.primaryNode(primary);
    const to = this.primaryNode(secondary);
    if (!from || !to) return false;
    const info = await replicationInfo(to);
    const follows = info.role === "slave" && info.masterPort === from.endpoint.port && info.masterHost === from.endpoint.host;
    if (follows) {
      if (opts.wait) await waitReplicaSynced(to, from);
      return false;
    }
    if (opts.wait) await this.options.topology.replicaOf(to, from);
    else await replicaOf(to, from);
    this.options.logger.info(`global datastore ${grg.id}: ${secondary.group.id} (${secondary.member.region}) replicates from ${primary.group.id} (${primary.member.region})`);
    return true;
  }

  /** The relays of a cluster mode enabled secondary, one per primary shard, started if missing (and stale ones stopped). */
  private ensureRelays(accountId: string, grg: GlobalReplicationGroupRecord, secondary: MemberGroup): ShardRelay[] {
    const primary = this.memberGroups(accountId, grg).find((m) => m.member.role === "primary");
    if (!primary) return [];
    const prefix = `${grg.id}|${secondary.group.id}|`;
    const wanted = new Set(primary.group.nodeGroups.map((ng) => `${prefix}${primary.group.id}/${ng.id}`));
    for (const [key, relay] of this.relays) {
      if (key.startsWith(prefix) && !wanted.has(key)) {
        this.relays.delete(key);
        void relay.stop();
      }
    }
    return primary.group.nodeGroups.map((ng) => {
      const key = `${prefix}${primary.group.id}/${ng.id}`;
      let relay = this.relays.get(key);
      if (!relay) {
        relay = new ShardRelay({
          name: `${grg.id}/${primary.group.id}-${ng.id}->${secondary.group.id}`,
          source: () => {
            const node = primary.region.clusters.get(ng.primaryClusterId);
            const engine = node && this.options.engineNode(node);
            return engine && ng.slots ? { slots: ng.slots, primary: engine } : undefined;
          },
          targets: () => this.shardsOf(secondary),
          launcher: this.options.launcher,
          scratchRoot: this.options.scratchRoot,
          engine: primary.group.engine,
          engineVersion: primary.group.engineVersion,
          logger: this.options.logger,
        });
        this.relays.set(key, relay);
        relay.start();
      }
      return relay;
    });
  }

  /** The relays' figures: per relay, whether it streams and its applied offset. */
  relayStates(): Array<{ name: string; streaming: boolean; offset: number }> {
    return [...this.relays.entries()].map(([name, r]) => ({ name, streaming: r.streaming, offset: r.offset }));
  }

  private shardsOf(m: MemberGroup): RelayShard[] {
    return m.group.nodeGroups.flatMap((ng) => {
      const node = m.region.clusters.get(ng.primaryClusterId);
      const engine = node && this.options.engineNode(node);
      return engine && ng.slots ? [{ slots: ng.slots, primary: engine }] : [];
    });
  }

  private async untilStreaming(relays: ShardRelay[], timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!relays.every((r) => r.streaming)) {
      if (Date.now() > deadline) throw new Error("the cross-region relays did not finish their full sync");
      await this.timers.delay(10);
    }
  }

  private async stopRelays(prefix: string): Promise<void> {
    const stopping: Array<Promise<void>> = [];
    for (const [key, relay] of this.relays) {
      if (!key.startsWith(prefix)) continue;
      this.relays.delete(key);
      stopping.push(relay.stop());
    }
    await Promise.all(stopping);
  }

  /** A cluster mode enabled secondary's client users lose their write commands (the relay writes as the admin user). */
  private async refuseWrites(m: MemberGroup): Promise<void> {
    for (const node of this.groupNodes(m)) {
      if (this.writesRefused.has(node)) continue;
      for (const user of await this.clientUsers(node)) await admin(node, ["ACL", "SETUSER", user, "-@write"]);
      this.writesRefused.add(node);
    }
  }

  /** A secondary that leaves: its client users write again (ElastiCache's restricted commands stay refused). */
  private async allowWrites(m: MemberGroup): Promise<void> {
    const restricted = this.options.allowRestrictedCommands ? [] : RESTRICTED_COMMANDS.map((c) => `-${c}`);
    for (const node of this.groupNodes(m)) {
      for (const user of await this.clientUsers(node)) await admin(node, ["ACL", "SETUSER", user, "+@write", ...restricted]);
      this.writesRefused.delete(node);
    }
  }

  private async clientUsers(node: EngineNode): Promise<string[]> {
    const users = (await admin(node, ["ACL", "USERS"])) as string[];
    return users.filter((u) => u !== node.adminAuth?.user);
  }

  private schedule(): void {
    if (this.halted) return;
    this.loop = setTimeout(() => {
      this.reconciling = this.reconcile().finally(() => {
        this.reconciling = undefined;
        this.schedule();
      });
    }, this.options.reconcileMs ?? DEFAULT_RECONCILE_MS);
    this.loop.unref?.();
  }

  /** One pass: every associated secondary of every global datastore follows its primary. */
  private async reconcile(): Promise<void> {
    for (const account of this.options.store.allAccounts()) {
      for (const grg of account.globalReplicationGroups.values()) {
        if (this.moving.has(grg.id) || grg.status === "deleting") continue;
        for (const m of this.memberGroups(account.key.accountId, grg)) {
          if (m.member.role !== "secondary" || m.member.status !== "associated") continue;
          // A group's own step (a failover, a restart of its members) rewires its nodes: the link is checked once it ends.
          if (m.group.status !== "available") continue;
          if (this.halted) return;
          if (m.group.clusterEnabled) {
            await this.refuseWrites(m).catch(() => undefined);
            this.ensureRelays(account.key.accountId, grg, m);
            continue;
          }
          await this.link(account.key.accountId, grg, m, { wait: false }).catch((err: unknown) =>
            this.options.logger.debug(`global datastore ${grg.id}: link check of ${m.group.id}: ${String(err)}`),
          );
        }
      }
    }
  }

  private event(m: MemberGroup, message: string): void {
    emitEvent(m.region, "replication-group", m.group.id, message, m.group.arn);
  }
}
