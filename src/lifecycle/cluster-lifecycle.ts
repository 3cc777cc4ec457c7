/**
 * Drives cache clusters through AWS's statuses. Actions write the desired state into
 * the record (nodes to add are `creating`, nodes to remove `deleting`) and hand the
 * cluster here; this module makes the processes match and flips the statuses only
 * once every node answers its probe. Work on one cluster runs in order.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { LifecycleDelays } from "../config.js";
import type { ConfigEndpoint, NodeLauncher } from "../nodes/node-launcher.js";
import type { EngineNode, TransitEncryptionMode } from "../engines/engine.js";
import type { Logger } from "../logger.js";
import { nodeTypeMemoryBytes } from "../catalog/catalog.js";
import type { CacheClusterRecord, CacheNodeRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import { emitEvent } from "./events.js";
import { startupParameters } from "./parameter-apply.js";
import { SerialWork } from "./serial-work.js";

interface RunningNode {
  engine: EngineNode;
  /** What the node was started with, to tell when a change needs a restart. */
  startedWith: { engineVersion: string; memoryBytes?: number; transitEncryption?: TransitEncryptionMode };
  /** Set while we stop it on purpose, so onExit does not treat it as a failure. */
  stopping: boolean;
}

interface ClusterRuntime {
  nodes: Map<string, RunningNode>;
  configEndpoint?: ConfigEndpoint;
}

/** redis-server refuses a maxmemory much below this; memcached's minimum is 8 MB too. */
const MIN_NODE_MEMORY_BYTES = 8 * 1024 * 1024;

export interface LifecycleOptions {
  /** Multiplies every node type's memory (1 = AWS's figures). */
  nodeMemoryScale: number;
  launcher: NodeLauncher;
  delays: LifecycleDelays;
  advertisedHost: string;
  /** Root for node working directories. */
  workRoot: string;
  logger: Logger;
  /** Redis/Valkey nodes keep an append-only file in their work dir (set with a data dir). */
  durableNodes?: boolean;
  /** Called after each transition's work: the records may have changed. */
  onChange?: () => void;
}

/**
 * Who may connect to a cluster's nodes (lifecycle/access-control.ts): a node of a managed
 * cluster starts with its default user off and gets its users as soon as it answers.
 */
export interface NodeAccess {
  managed(region: RegionState, cluster: CacheClusterRecord): boolean;
  applyToNode(region: RegionState, cluster: CacheClusterRecord, engine: EngineNode): Promise<void>;
  /** The cluster was modified (e.g. its AUTH token): its running nodes get its users again. */
  refresh(region: RegionState, cluster: CacheClusterRecord, engines: EngineNode[]): Promise<void>;
}

/** With a data dir, what a Redis/Valkey node writes so its data outlives the emulator (README: Persistence). */
const DURABLE_NODE_PARAMS = { appendonly: "yes", appendfsync: "everysec" };

/** Decides what happens when a replication group member's engine dies (failover, replacement). */
export type MemberExitHandler = (region: RegionState, cluster: CacheClusterRecord) => void;

/** The TLS in transit mode a cluster's nodes run with, if any. */
export function transitEncryptionOf(cluster: CacheClusterRecord): TransitEncryptionMode | undefined {
  return cluster.settings.transitEncryptionEnabled ? (cluster.settings.transitEncryptionMode ?? "required") : undefined;
}

export class ClusterLifecycle {
  private readonly work = new SerialWork<ClusterRuntime>(
    () => ({ nodes: new Map() }),
    () => this.options.onChange?.(),
  );
  private memberExitHandler: MemberExitHandler | undefined;
  private access: NodeAccess | undefined;

  constructor(private readonly options: LifecycleOptions) {}

  /** The record is stored `creating`; start its nodes and make it `available`. */
  create(region: RegionState, cluster: CacheClusterRecord): void {
    this.enqueue(region, cluster, async (runtime) => {
      const started = Date.now();
      // A new cluster never loads files an earlier one of the same name left (data dir, reset).
      await rm(this.clusterDir(region, cluster), { recursive: true, force: true });
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
      // The nodes may have answered before the endpoint listened.
      this.publishNodes(cluster, runtime);
      await this.pause(cluster, runtime, started, this.options.delays.createMs);
      for (const node of cluster.nodes) {
        emitEvent(region, "cache-cluster", cluster.id, `Added cache node ${node.id} in availability zone ${node.availabilityZone}`, cluster.arn);
      }
      cluster.status = "available";
      emitEvent(region, "cache-cluster", cluster.id, "Cache cluster created", cluster.arn);
    });
  }

  /** The record holds the new desired state and is `modifying`. */
  modify(region: RegionState, cluster: CacheClusterRecord): void {
    this.enqueue(region, cluster, async (runtime) => {
      const started = Date.now();
      await this.reconcileNodes(region, cluster, runtime);
      if (cluster.engine !== "memcached") await this.access?.refresh(region, cluster, [...runtime.nodes.values()].map((n) => n.engine));
      await this.pause(cluster, runtime, started, this.options.delays.modifyMs);
      cluster.status = "available";
      emitEvent(region, "cache-cluster", cluster.id, "Finished modifying cache cluster", cluster.arn);
    });
  }

  /** Restarts the named nodes; the record is `rebooting cache cluster nodes`. */
  reboot(region: RegionState, cluster: CacheClusterRecord, nodeIds: string[]): void {
    this.enqueue(region, cluster, async (runtime) => {
      const started = Date.now();
      await Promise.all(
        nodeIds.map(async (id) => {
          const node = cluster.nodes.find((n) => n.id === id);
          if (!node) return;
          await this.stopNode(runtime, id);
          await this.startNode(region, cluster, runtime, node);
          node.status = "available";
          emitEvent(region, "cache-cluster", cluster.id, `Cache node ${id} restarted`, cluster.arn);
        }),
      );
      await this.pause(cluster, runtime, started, this.options.delays.rebootMs);
      cluster.status = "available";
      emitEvent(region, "cache-cluster", cluster.id, "Cache cluster rebooted", cluster.arn);
    });
  }

  /** The record is `deleting`; stop everything, then remove it. */
  delete(region: RegionState, cluster: CacheClusterRecord): void {
    this.enqueue(region, cluster, async (runtime) => {
      const started = Date.now();
      await this.stopRuntime(runtime);
      await rm(this.clusterDir(region, cluster), { recursive: true, force: true });
      await this.pause(cluster, runtime, started, this.options.delays.deleteMs);
      this.work.remove(cluster.arn);
      region.clusters.delete(cluster.id);
      emitEvent(region, "cache-cluster", cluster.id, "Cache cluster deleted", cluster.arn);
    });
  }

  /** Every node start goes through this (users and AUTH tokens). */
  setNodeAccess(access: NodeAccess): void {
    this.access = access;
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
    return this.enqueue(region, cluster, async (runtime) => {
      if (opts.fresh) await rm(this.clusterDir(region, cluster), { recursive: true, force: true });
      if (cluster.engine === "memcached") {
        runtime.configEndpoint = await this.options.launcher.startConfigEndpoint(cluster.configurationEndpointPort ?? cluster.requestedPort, transitEncryptionOf(cluster));
        cluster.configurationEndpointPort = runtime.configEndpoint.port;
      }
      const restarted = cluster.nodes.filter((n) => n.status === "rebooting").map((n) => n.id);
      await this.reconcileNodes(region, cluster, runtime);
      if (wasCreating) {
        for (const node of cluster.nodes) {
          emitEvent(region, "cache-cluster", cluster.id, `Added cache node ${node.id} in availability zone ${node.availabilityZone}`, cluster.arn);
        }
        emitEvent(region, "cache-cluster", cluster.id, "Cache cluster created", cluster.arn);
      } else if (restarted.length > 0) {
        emitEvent(region, "cache-cluster", cluster.id, `Finished recovery for cache nodes ${restarted.join(", ")}`, cluster.arn);
      }
      cluster.status = "available";
    });
  }

  /** Replication groups handle their members' failures themselves. */
  onMemberExit(handler: MemberExitHandler): void {
    this.memberExitHandler = handler;
  }

  /** The running engine of a single-node cluster (replication group members). */
  engineNode(cluster: CacheClusterRecord): EngineNode | undefined {
    const id = cluster.nodes[0]?.id;
    return id === undefined ? undefined : this.work.runtime(cluster.arn)?.nodes.get(id)?.engine;
  }

  /** Starts a fresh, empty engine for a node whose engine died, on the same port; resolves once it answers. */
  replaceNode(region: RegionState, cluster: CacheClusterRecord): Promise<void> {
    const node = cluster.nodes[0];
    return this.enqueue(region, cluster, async (rt) => {
      if (!node || rt.nodes.has(node.id)) return;
      // A replacement is a new node: nothing of the dead one's files (data, cluster identity) survives.
      await rm(join(this.clusterDir(region, cluster), node.id), { recursive: true, force: true });
      await this.startNode(region, cluster, rt, node);
      node.status = "available";
    });
  }

  /**
   * Runs `work` in this cluster's order (after what is queued, before what comes next), e.g.
   * a snapshot before a delete. Its failure is logged only: `work` reports its own outcome.
   */
  exclusive(cluster: CacheClusterRecord, work: () => Promise<void>): Promise<void> {
    return this.work.run(cluster.arn, work, (error) =>
      this.options.logger.error("cache cluster work failed", { cluster: cluster.id, error: error instanceof Error ? error.message : String(error) }),
    );
  }

  /** Resolves when all work queued so far on this cluster is done (tests, reset). */
  settled(cluster: CacheClusterRecord): Promise<void> {
    return this.work.settled(cluster.arn);
  }

  /** Stops every engine and endpoint and cancels every pending delay. */
  stopAll(): Promise<void> {
    return this.work.stopAll((runtime) => this.stopRuntime(runtime));
  }

  private pause(cluster: CacheClusterRecord, runtime: ClusterRuntime, since: number, ms: number): Promise<void> {
    return this.work.pause(cluster.arn, runtime, since, ms);
  }

  private enqueue(region: RegionState, cluster: CacheClusterRecord, work: (runtime: ClusterRuntime) => Promise<void>): Promise<void> {
    return this.work.run(cluster.arn, work, (error) => this.fail(region, cluster, error));
  }

  /** Starts nodes marked `creating`, removes those marked `deleting`, restarts those whose spec changed. */
  private async reconcileNodes(region: RegionState, cluster: CacheClusterRecord, runtime: ClusterRuntime): Promise<void> {
    const removed = cluster.nodes.filter((n) => n.status === "deleting");
    await Promise.all(removed.map((n) => this.stopNode(runtime, n.id)));
    cluster.nodes = cluster.nodes.filter((n) => n.status !== "deleting");
    for (const node of removed) {
      emitEvent(region, "cache-cluster", cluster.id, `Removed cache node ${node.id}`, cluster.arn);
    }

    await Promise.all(
      cluster.nodes.map(async (node) => {
        const running = runtime.nodes.get(node.id);
        if (!running) {
          const isNew = node.status === "creating" && cluster.status !== "creating";
          await this.startNode(region, cluster, runtime, node);
          node.status = "available";
          if (isNew) {
            emitEvent(region, "cache-cluster", cluster.id, `Added cache node ${node.id} in availability zone ${node.availabilityZone}`, cluster.arn);
          }
          return;
        }
        await this.applySpecChanges(region, cluster, runtime, node, running);
        node.status = "available";
      }),
    );
    this.publishNodes(cluster, runtime);
  }

  /**
   * A node type change on Redis/Valkey keeps the data (CONFIG SET maxmemory); any other
   * change of memory or version restarts the node, as on AWS where Memcached restarts cold.
   */
  private async applySpecChanges(
    region: RegionState,
    cluster: CacheClusterRecord,
    runtime: ClusterRuntime,
    node: CacheNodeRecord,
    running: RunningNode,
  ): Promise<void> {
    const memoryBytes = this.nodeMemory(cluster);
    const versionChanged = running.startedWith.engineVersion !== cluster.engineVersion;
    const memoryChanged = running.startedWith.memoryBytes !== memoryBytes;
    if (running.startedWith.transitEncryption !== transitEncryptionOf(cluster)) return this.restartKeepingData(region, cluster, runtime, node, running);
    if (!versionChanged && !memoryChanged) return;
    if (!versionChanged && running.engine.adminCommand && memoryBytes !== undefined) {
      await running.engine.adminCommand(["CONFIG", "SET", "maxmemory", String(memoryBytes)]);
      running.startedWith.memoryBytes = memoryBytes;
      return;
    }
    if (cluster.engine !== "memcached" && versionChanged && !memoryChanged) {
      // Same binary either way here: an engine version change keeps a Redis node's data.
      running.startedWith.engineVersion = cluster.engineVersion;
      return;
    }
    await this.stopNode(runtime, node.id);
    await this.startNode(region, cluster, runtime, node);
  }

  /**
   * A TLS in transit change restarts the engine on the same port with the new listeners;
   * a Redis/Valkey node saves its data first and loads it back at start.
   */
  private async restartKeepingData(
    region: RegionState,
    cluster: CacheClusterRecord,
    runtime: ClusterRuntime,
    node: CacheNodeRecord,
    running: RunningNode,
  ): Promise<void> {
    const dump = join(this.clusterDir(region, cluster), node.id, "dump.rdb");
    if (running.engine.adminCommand) await running.engine.adminCommand(["SAVE"]);
    await this.stopNode(runtime, node.id);
    await this.startNode(region, cluster, runtime, node);
    // Loaded: a later reboot or replacement must start empty, as on AWS.
    await rm(dump, { force: true });
  }

  private async startNode(region: RegionState, cluster: CacheClusterRecord, runtime: ClusterRuntime, node: CacheNodeRecord): Promise<void> {
    const workDir = join(this.clusterDir(region, cluster), node.id);
    await mkdir(workDir, { recursive: true });
    const memoryBytes = this.nodeMemory(cluster);
    // A node keeps its port across reboots and recoveries; the first start may ask for the cluster's Port.
    const preferredPort = node.port || (cluster.engine === "memcached" ? undefined : cluster.requestedPort);
    const closed = cluster.engine !== "memcached" && (this.access?.managed(region, cluster) ?? false);
    const engine = await this.options.launcher.startNode(
      {
        nodeName: `${cluster.id}/${node.id}`,
        engine: cluster.engine,
        engineVersion: cluster.engineVersion,
        maxMemoryBytes: memoryBytes,
        workDir,
        // The parameter group's values; the emulator's own directives (cluster mode) win.
        params: { ...(this.options.durableNodes && cluster.engine !== "memcached" ? DURABLE_NODE_PARAMS : {}), ...startupParameters(region, cluster, node), ...cluster.engineParams },
        defaultUserOff: closed || undefined,
        transitEncryption: transitEncryptionOf(cluster),
        seedRdbPath: cluster.seedRdb,
      },
      preferredPort,
    );
    // Restored once: a later restart or replacement of the node starts as AWS's would.
    cluster.seedRdb = undefined;
    node.port = engine.endpoint.port;
    const running: RunningNode = {
      engine,
      startedWith: { engineVersion: cluster.engineVersion, memoryBytes, transitEncryption: transitEncryptionOf(cluster) },
      stopping: false,
    };
    runtime.nodes.set(node.id, running);
    engine.onExit((code, signal) => {
      if (running.stopping || !this.work.isCurrent(cluster.arn, runtime)) return;
      if (cluster.member && this.memberExitHandler) {
        this.options.logger.warn("replication group member exited", { cluster: cluster.id, code, signal });
        if (runtime.nodes.get(node.id) === running) runtime.nodes.delete(node.id);
        node.status = "rebooting";
        this.memberExitHandler(region, cluster);
        return;
      }
      this.recover(region, cluster, runtime, node, running, code, signal);
    });
    if (closed) await this.access!.applyToNode(region, cluster, engine);
  }

  /** A node died on its own: replace it on the same port, as AWS replaces a failed node. */
  private recover(
    region: RegionState,
    cluster: CacheClusterRecord,
    runtime: ClusterRuntime,
    node: CacheNodeRecord,
    dead: RunningNode,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    this.options.logger.warn("cache node exited; recovering", { cluster: cluster.id, node: node.id, code, signal });
    if (runtime.nodes.get(node.id) === dead) runtime.nodes.delete(node.id);
    node.status = "rebooting";
    emitEvent(region, "cache-cluster", cluster.id, `Recovering cache nodes ${node.id}`, cluster.arn);
    this.enqueue(region, cluster, async (rt) => {
      if (!cluster.nodes.includes(node) || rt.nodes.has(node.id)) return;
      await this.startNode(region, cluster, rt, node);
      node.status = "available";
      this.publishNodes(cluster, rt);
      emitEvent(region, "cache-cluster", cluster.id, `Finished recovery for cache nodes ${node.id}`, cluster.arn);
    });
  }

  private async stopNode(runtime: ClusterRuntime, nodeId: string): Promise<void> {
    const running = runtime.nodes.get(nodeId);
    if (!running) return;
    running.stopping = true;
    runtime.nodes.delete(nodeId);
    await running.engine.stop();
  }

  private async stopRuntime(runtime: ClusterRuntime): Promise<void> {
    await Promise.all([...runtime.nodes.keys()].map((id) => this.stopNode(runtime, id)));
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

  /** The node type's memory, scaled down on small machines (config nodeMemoryScale). */
  private nodeMemory(cluster: CacheClusterRecord): number | undefined {
    const bytes = nodeTypeMemoryBytes(cluster.cacheNodeType);
    return bytes === undefined ? undefined : Math.max(MIN_NODE_MEMORY_BYTES, Math.round(bytes * this.options.nodeMemoryScale));
  }

  private fail(region: RegionState, cluster: CacheClusterRecord, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.options.logger.error("cache cluster transition failed", { cluster: cluster.id, error: message });
    cluster.status = "incompatible-network";
    emitEvent(region, "cache-cluster", cluster.id, `Failed to start cache cluster: ${message}`, cluster.arn);
  }

  private clusterDir(region: RegionState, cluster: CacheClusterRecord): string {
    return join(this.options.workRoot, region.key.accountId, region.key.region, cluster.id);
  }
}
