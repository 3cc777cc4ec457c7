/**
 * Drives cache clusters through AWS's statuses. Actions write the desired state into
 * the record (nodes to add are `creating`, nodes to remove `deleting`) and hand the
 * cluster here; this module makes the processes match (node-runner.ts) and flips the
 * statuses (resource-machine.ts) only once every node answers its probe. Work on one
 * cluster runs in order.
 */
import { rm } from "node:fs/promises";
import type { LifecycleDelays } from "../config.js";
import type { EngineNode } from "../engines/engine.js";
import type { ConfigEndpoint, NodeLauncher } from "../nodes/node-launcher.js";
import type { Logger } from "../logger.js";
import type { CacheClusterRecord, CacheNodeRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import { seedFile } from "./data-restore.js";
import type { NodeRoll, RollOutcome } from "./node-roll.js";
import { NodeRunner, transitEncryptionOf, type NodeAccess, type NodeExitHandler, type RunningNodes } from "./node-runner.js";
import { ResourceMachine, type MachineKind, type Step } from "./resource-machine.js";

export { transitEncryptionOf } from "./node-runner.js";

interface ClusterRuntime {
  nodes: RunningNodes;
  configEndpoint?: ConfigEndpoint;
}

export interface LifecycleOptions {
  /** Multiplies every node type's memory (1 = AWS's figures). */
  nodeMemoryScale: number;
  launcher: NodeLauncher;
  delays: LifecycleDelays;
  advertisedHost: string;
  /** Root for node working directories. */
  workRoot: string;
  logger: Logger;
  /** Who may connect to the nodes: every node start goes through it (users and AUTH tokens). */
  access: NodeAccess;
  /** Replication groups handle their members' failures themselves (failover.ts). */
  memberLoss: MemberLoss;
  /** Redis/Valkey nodes keep an append-only file in their work dir (set with a data dir). */
  durableNodes?: boolean;
  /** Called after each transition's work: the records may have changed. */
  onChange?: () => void;
}

/** Decides what happens when a replication group member's engine dies (failover, replacement). */
export interface MemberLoss {
  lost(region: RegionState, cluster: CacheClusterRecord): void;
}

const clusterKind: MachineKind<CacheClusterRecord, ClusterRuntime> = {
  label: "cache cluster",
  sourceType: "cache-cluster",
  sourceId: (cluster) => cluster.id,
  newRuntime: () => ({ nodes: new Map() }),
  // A node that cannot start from a snapshot's RDB (a damaged file) leaves the cluster `restore-failed`, as on AWS.
  failed: (cluster, message) => ({
    status: cluster.status === "creating" && cluster.restore ? "restore-failed" : "incompatible-network",
    event: `Failed to start cache cluster: ${message}`,
  }),
  remove: (region, cluster) => region.clusters.delete(cluster.id),
};

/** Each node added, then the cluster (AWS's order). */
function announceNodes(region: RegionState, cluster: CacheClusterRecord, machine: ResourceMachine<CacheClusterRecord, ClusterRuntime>): void {
  for (const node of cluster.nodes) machine.event(region, cluster, `Added cache node ${node.id} in availability zone ${node.availabilityZone}`);
}

export class ClusterLifecycle {
  private readonly machine: ResourceMachine<CacheClusterRecord, ClusterRuntime>;
  private readonly runner: NodeRunner;
  private readonly steps: Record<"create" | "modify" | "reboot" | "delete", Step<CacheClusterRecord>>;

  constructor(private readonly options: LifecycleOptions) {
    this.machine = new ResourceMachine(clusterKind, options);
    this.runner = new NodeRunner(options);
    this.steps = {
      create: { delay: "createMs", event: "Cache cluster created", announce: (region, cluster) => announceNodes(region, cluster, this.machine) },
      modify: { delay: "modifyMs", event: "Finished modifying cache cluster" },
      reboot: { delay: "rebootMs", event: "Cache cluster rebooted" },
      delete: { delay: "deleteMs", event: "Cache cluster deleted", ends: "removed" },
    };
  }

  /** The record is stored `creating`; start its nodes and make it `available`. */
  create(region: RegionState, cluster: CacheClusterRecord): void {
    void this.machine.transition(region, cluster, this.steps.create, async (runtime) => {
      // A new cluster never loads files an earlier one of the same name left (data dir, reset).
      await rm(this.runner.clusterDir(region, cluster), { recursive: true, force: true });
      // The Auto Discovery endpoint and the nodes start side by side.
      const configEndpoint = cluster.engine === "memcached" ? this.options.launcher.startConfigEndpoint(cluster.requestedPort, transitEncryptionOf(cluster)) : undefined;
      const nodes = this.reconcileNodes(region, cluster, runtime);
      if (configEndpoint) {
        runtime.configEndpoint = await configEndpoint.catch(async (error: unknown) => {
          await nodes.catch(() => undefined);
          throw error;
        });
        cluster.configurationEndpointPort = runtime.configEndpoint.port;
      }
      await nodes;
      // Restored once: a later restart or replacement of the node starts as AWS's would.
      cluster.restore = undefined;
      // The nodes may have answered before the endpoint listened.
      this.publishNodes(cluster, runtime);
    });
  }

  /** The record holds the new desired state and is `modifying`. */
  modify(region: RegionState, cluster: CacheClusterRecord): void {
    void this.machine.transition(region, cluster, this.steps.modify, async (runtime) => {
      await this.reconcileNodes(region, cluster, runtime);
      if (cluster.engine !== "memcached") await this.options.access.refresh(region, cluster, [...runtime.nodes.values()].map((n) => n.engine));
    });
  }

  /** Restarts the named nodes; the record is `rebooting cache cluster nodes`. */
  reboot(region: RegionState, cluster: CacheClusterRecord, nodeIds: string[]): void {
    void this.machine.transition(region, cluster, this.steps.reboot, async (runtime) => {
      await Promise.all(
        nodeIds.map(async (id) => {
          const node = cluster.nodes.find((n) => n.id === id);
          if (!node) return;
          await this.runner.stop(runtime.nodes, id);
          await this.startNode(region, cluster, runtime, node);
          node.status = "available";
          this.machine.event(region, cluster, `Cache node ${id} restarted`);
        }),
      );
    });
  }

  /**
   * Restarts one node in the cluster's order without changing the cluster's status (a service
   * update rolling through the nodes): Redis/Valkey keep their data, Memcached restarts empty.
   * Resolves once the node answers again; rejects when it does not.
   */
  async restartNode(region: RegionState, cluster: CacheClusterRecord, nodeId: string): Promise<void> {
    let failure: unknown;
    await this.machine.exclusive(cluster, async () => {
      const runtime = this.machine.runtime(cluster);
      const node = cluster.nodes.find((n) => n.id === nodeId);
      if (!runtime || !node) return void (failure = new Error(`cache node ${nodeId} of ${cluster.id} is not running`));
      node.status = "rebooting";
      try {
        await this.runner.restart(region, cluster, runtime.nodes, node, this.exitHandler(region, cluster, runtime));
        node.status = "available";
        this.publishNodes(cluster, runtime);
      } catch (error) {
        failure = error;
      }
    });
    if (failure !== undefined) throw failure;
  }

  /** A service update rolling through a standalone cluster's nodes, one at a time (each restarts: restartNode). */
  async rollNodes(region: RegionState, cluster: CacheClusterRecord, roll: NodeRoll): Promise<RollOutcome> {
    for (const node of [...cluster.nodes]) {
      if (roll.updated(cluster, node.id)) continue;
      if (!roll.proceed()) return "stopped";
      roll.started(cluster, node.id);
      await this.restartNode(region, cluster, node.id);
      roll.finished(cluster, node.id);
    }
    return "complete";
  }

  /** The record is `deleting`; stop everything, then remove it. */
  delete(region: RegionState, cluster: CacheClusterRecord): void {
    void this.machine.transition(region, cluster, this.steps.delete, async (runtime) => {
      await this.stopRuntime(runtime);
      await rm(this.runner.clusterDir(region, cluster), { recursive: true, force: true });
    });
  }

  /**
   * After an emulator restart: the recorded cluster comes back on its nodes' ports, from
   * their work dirs (Redis/Valkey reload their data; Memcached starts empty), and work cut
   * short by the restart is rolled forward: `deleting` ends deleted, `creating` and
   * `modifying` end `available` with the recorded nodes. `fresh` starts the nodes without
   * their old files (a member that never joined its group). Resolves when it is done.
   */
  restore(region: RegionState, cluster: CacheClusterRecord, opts: { fresh?: boolean } = {}): Promise<void> {
    if (cluster.status === "deleting") {
      this.delete(region, cluster);
      return this.settled(cluster);
    }
    // A cluster that failed to start has nothing to bring back; it stays as it was.
    if (cluster.status === "incompatible-network" || cluster.status === "restore-failed") return Promise.resolve();
    const wasCreating = cluster.status === "creating";
    if (cluster.status === "available") cluster.status = "rebooting cache cluster nodes";
    for (const node of cluster.nodes) if (node.status !== "creating" && node.status !== "deleting") node.status = "rebooting";
    return this.machine.run(region, cluster, async (runtime) => {
      if (opts.fresh) await rm(this.runner.clusterDir(region, cluster), { recursive: true, force: true });
      if (cluster.engine === "memcached") {
        runtime.configEndpoint = await this.options.launcher.startConfigEndpoint(cluster.configurationEndpointPort ?? cluster.requestedPort, transitEncryptionOf(cluster));
        cluster.configurationEndpointPort = runtime.configEndpoint.port;
      }
      const restarted = cluster.nodes.filter((n) => n.status === "rebooting").map((n) => n.id);
      await this.reconcileNodes(region, cluster, runtime);
      if (wasCreating) {
        cluster.restore = undefined;
        announceNodes(region, cluster, this.machine);
        this.machine.finish(region, cluster, "Cache cluster created");
      } else {
        this.machine.finish(region, cluster, restarted.length > 0 ? `Finished recovery for cache nodes ${restarted.join(", ")}` : undefined);
      }
    });
  }

  /**
   * After an emulator restart, the region's standalone clusters (recovery.ts). Members come
   * back with their group; a member whose group record is gone stands alone.
   */
  recover(region: RegionState): Array<Promise<void>> {
    const work: Array<Promise<void>> = [];
    for (const cluster of [...region.clusters.values()]) {
      if (cluster.member && region.replicationGroups.has(cluster.member.replicationGroupId)) continue;
      if (cluster.member) cluster.member = undefined;
      work.push(this.restore(region, cluster));
    }
    return work;
  }

  /** The running engine of a single-node cluster (replication group members). */
  engineNode(cluster: CacheClusterRecord): EngineNode | undefined {
    const id = cluster.nodes[0]?.id;
    return id === undefined ? undefined : this.machine.runtime(cluster)?.nodes.get(id)?.engine;
  }

  /** Whether a running node of the cluster must restart (keeping its data) to take its settings (NodeRunner.needsRestart). */
  needsRestart(region: RegionState, cluster: CacheClusterRecord): boolean {
    const nodes = this.machine.runtime(cluster)?.nodes;
    return nodes !== undefined && [...nodes.values()].some((running) => this.runner.needsRestart(region, cluster, running));
  }

  /** Every running engine of a cluster with its node id (the metrics sampler reads them). */
  runningEngines(cluster: CacheClusterRecord): Array<{ nodeId: string; engine: EngineNode }> {
    const nodes = this.machine.runtime(cluster)?.nodes;
    return nodes ? [...nodes].map(([nodeId, running]) => ({ nodeId, engine: running.engine })) : [];
  }

  /** Starts a fresh, empty engine for a node whose engine died, on the same port; resolves once it answers. */
  replaceNode(region: RegionState, cluster: CacheClusterRecord): Promise<void> {
    const node = cluster.nodes[0];
    return this.machine.run(region, cluster, async (rt) => {
      if (!node || rt.nodes.has(node.id)) return;
      // A replacement is a new node: nothing of the dead one's files (data, cluster identity) survives.
      await rm(this.runner.nodeDir(region, cluster, node), { recursive: true, force: true });
      await this.startNode(region, cluster, rt, node);
      node.status = "available";
    });
  }

  /**
   * Runs `work` in this cluster's order (after what is queued, before what comes next), e.g.
   * a snapshot before a delete. Its failure is logged only: `work` reports its own outcome.
   */
  exclusive(cluster: CacheClusterRecord, work: () => Promise<void>): Promise<void> {
    return this.machine.exclusive(cluster, work);
  }

  /** Resolves when all work queued so far on this cluster is done (tests, reset). */
  settled(cluster: CacheClusterRecord): Promise<void> {
    return this.machine.settled(cluster);
  }

  /** Cancels every pending delay and refuses new work until stopAll() ends (resource-machine.ts). */
  halt(): void {
    this.machine.halt();
  }

  /** Stops every engine and endpoint and cancels every pending delay. */
  stopAll(): Promise<void> {
    return this.machine.stopAll((runtime) => this.stopRuntime(runtime));
  }

  /** Starts nodes marked `creating`, removes those marked `deleting`, restarts those whose spec changed. */
  private async reconcileNodes(region: RegionState, cluster: CacheClusterRecord, runtime: ClusterRuntime): Promise<void> {
    const removed = cluster.nodes.filter((n) => n.status === "deleting");
    await Promise.all(removed.map((n) => this.runner.stop(runtime.nodes, n.id)));
    cluster.nodes = cluster.nodes.filter((n) => n.status !== "deleting");
    for (const node of removed) this.machine.event(region, cluster, `Removed cache node ${node.id}`);

    await Promise.all(
      cluster.nodes.map(async (node) => {
        const running = runtime.nodes.get(node.id);
        if (!running) {
          const isNew = node.status === "creating" && cluster.status !== "creating";
          await this.startNode(region, cluster, runtime, node);
          node.status = "available";
          if (isNew) this.machine.event(region, cluster, `Added cache node ${node.id} in availability zone ${node.availabilityZone}`);
          return;
        }
        await this.runner.applySpecChanges(region, cluster, runtime.nodes, node, running, this.exitHandler(region, cluster, runtime));
        node.status = "available";
      }),
    );
    this.publishNodes(cluster, runtime);
  }

  /** A node of a cluster being created may start from a snapshot's RDB (data-restore.ts). */
  private async startNode(region: RegionState, cluster: CacheClusterRecord, runtime: ClusterRuntime, node: CacheNodeRecord): Promise<void> {
    // Memcached nodes answer Auto Discovery as the configuration endpoint does, from its current answers.
    const discovery = cluster.engine === "memcached" ? () => runtime.configEndpoint?.discoveryReplies() : undefined;
    await this.runner.start(region, cluster, runtime.nodes, node, this.exitHandler(region, cluster, runtime), seedFile(region, cluster), undefined, discovery);
  }

  /** A node that exits on its own: a member's group decides (failover.ts); else it is replaced in place. */
  private exitHandler(region: RegionState, cluster: CacheClusterRecord, runtime: ClusterRuntime): NodeExitHandler {
    return (node, running, code, signal) => {
      if (!this.machine.isCurrent(cluster, runtime)) return;
      if (runtime.nodes.get(node.id) === running) runtime.nodes.delete(node.id);
      node.status = "rebooting";
      if (cluster.member) {
        this.options.logger.warn("replication group member exited", { cluster: cluster.id, code, signal });
        this.options.memberLoss.lost(region, cluster);
        return;
      }
      this.replaceExited(region, cluster, node, code, signal);
    };
  }

  /** A node died on its own: replace it on the same port, as AWS replaces a failed node. */
  private replaceExited(region: RegionState, cluster: CacheClusterRecord, node: CacheNodeRecord, code: number | null, signal: NodeJS.Signals | null): void {
    this.options.logger.warn("cache node exited; recovering", { cluster: cluster.id, node: node.id, code, signal });
    this.machine.event(region, cluster, `Recovering cache nodes ${node.id}`);
    void this.machine.run(region, cluster, async (rt) => {
      if (!cluster.nodes.includes(node) || rt.nodes.has(node.id)) return;
      await this.startNode(region, cluster, rt, node);
      node.status = "available";
      this.publishNodes(cluster, rt);
      this.machine.event(region, cluster, `Finished recovery for cache nodes ${node.id}`);
    });
  }

  private async stopRuntime(runtime: ClusterRuntime): Promise<void> {
    await this.runner.stopAll(runtime.nodes);
    await runtime.configEndpoint?.stop();
    runtime.configEndpoint = undefined;
  }

  /** Tells the Auto Discovery endpoint the current node list (its config version rises on change). */
  private publishNodes(cluster: CacheClusterRecord, runtime: ClusterRuntime): void {
    if (!runtime.configEndpoint) return;
    const host = this.options.advertisedHost;
    runtime.configEndpoint.setNodes(
      cluster.nodes
        .filter((n) => runtime.nodes.has(n.id))
        .map((n) => ({ host, ip: runtime.nodes.get(n.id)!.engine.endpoint.host, port: n.port })),
    );
  }
}
