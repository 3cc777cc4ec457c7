/**
 * A cache node with its spec: what a node of a cluster starts with (memory from its node
 * type, durable files with a data dir, its parameter group, the emulator's own Redis Cluster
 * directives, TLS, who may connect, an RDB to restore), starting and stopping it, and
 * applying a changed spec to a running node (in place when the engine can, else by a
 * restart). The status machine around it is cluster-lifecycle.ts's.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { memcachedSettings, redisDirectives } from "../engines/engine-parameters.js";
import type { EngineNode, TransitEncryptionMode } from "../engines/engine.js";
import type { DiscoveryReplies, IamCacheScope, NodeLauncher } from "../nodes/node-launcher.js";
import { clusterNodeParams } from "../engines/topology/index.js";
import { scaledNodeMemoryBytes } from "../catalog/catalog.js";
import { familyLineage, familyParameters } from "../catalog/parameter-catalog.js";
import { effectiveValues, findParameterGroup, type ParameterGroupView } from "../state/parameter-groups.js";
import type { CacheClusterRecord, CacheNodeRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import { pauseAndSave, type PausedForRestart } from "./save-before-restart.js";

export interface RunningNode {
  engine: EngineNode;
  /** What the node was started with, to tell when a change needs a restart. */
  startedWith: { engineVersion: string; memoryBytes?: number; transitEncryption?: TransitEncryptionMode; iamFront: boolean };
  /** Set while we stop it on purpose, so onExit does not treat it as a failure. */
  stopping: boolean;
  /** A Memcached node's Auto Discovery answers: a restart of the node answers them again. */
  discovery?: DiscoveryReplies;
}

/** A cluster's running nodes, by node id. */
export type RunningNodes = Map<string, RunningNode>;

/** Called when a node's engine exits without being stopped. */
export type NodeExitHandler = (node: CacheNodeRecord, running: RunningNode, code: number | null, signal: NodeJS.Signals | null) => void;

/**
 * Who may connect to a cluster's nodes (lifecycle/node-acl.ts): a node of a managed cluster
 * starts with its default user off and gets its users as soon as it answers.
 */
export interface NodeAccess {
  managed(region: RegionState, cluster: CacheClusterRecord): boolean;
  applyToNode(region: RegionState, cluster: CacheClusterRecord, engine: EngineNode): Promise<void>;
  /** The cluster was modified (e.g. its AUTH token): its running nodes get its users again. */
  refresh(region: RegionState, cluster: CacheClusterRecord, engines: EngineNode[]): Promise<void>;
}

export interface NodeRunnerOptions {
  launcher: NodeLauncher;
  access: NodeAccess;
  /** Multiplies every node type's memory (1 = AWS's figures). */
  nodeMemoryScale: number;
  /** The host clients use: cluster mode nodes announce it. */
  advertisedHost: string;
  /** Root for node working directories. */
  workRoot: string;
  /** Redis/Valkey nodes keep an append-only file in their work dir (set with a data dir). */
  durableNodes?: boolean;
}

/** With a data dir, what a Redis/Valkey node writes so its data outlives the emulator (README: Persistence). */
const DURABLE_NODE_PARAMS = { appendonly: "yes", appendfsync: "everysec" };

/** Redis Cluster's own failure detection; failover itself is the emulator's (see clusterNodeParams). */
const CLUSTER_NODE_TIMEOUT_MS = 2000;

/** The requires-reboot values each node was started with, to tell when a restart is pending. */
const startedWithValues = new WeakMap<CacheNodeRecord, Map<string, string | undefined>>();

/** The TLS in transit mode a cluster's nodes run with, if any. */
export function transitEncryptionOf(cluster: CacheClusterRecord): TransitEncryptionMode | undefined {
  return cluster.settings.transitEncryptionEnabled ? (cluster.settings.transitEncryptionMode ?? "required") : undefined;
}

/**
 * The cache whose IAM tokens a node checks, when its users may be IAM users: a Redis/Valkey
 * member of a replication group with TLS in transit and user groups (AWS allows IAM users
 * only there). Its tokens name the replication group, in the group's region. Decided at each
 * start; a running node without the front that now needs one restarts keeping its data
 * (NodeRunner.needsRestart), e.g. when its group takes its first user group.
 */
export function iamScopeOf(region: RegionState, cluster: CacheClusterRecord): IamCacheScope | undefined {
  if (cluster.engine === "memcached" || !transitEncryptionOf(cluster) || !cluster.member) return undefined;
  const group = region.replicationGroups.get(cluster.member.replicationGroupId);
  if (!group?.access?.userGroupIds.length) return undefined;
  return { cacheName: group.id, region: region.key.region };
}

/**
 * The engine parameters a node starts with: every value of its group that reaches the
 * engine (Redis-like: the family defaults too, so `maxmemory-policy` is AWS's volatile-lru;
 * Memcached: the values set in the group, on top of memcached's own defaults).
 */
export function startupParameters(region: RegionState, cluster: CacheClusterRecord, node: CacheNodeRecord): Record<string, string> {
  const group = findParameterGroup(region, cluster.settings.cacheParameterGroupName);
  if (!group) return {};
  startedWithValues.set(node, staticValues(group));
  node.parameterGroupStatus = "in-sync";
  if (familyLineage(group.family) === "memcached") return memcachedSettings(new Map(Object.entries(group.userValues)));
  const all = effectiveValues(group);
  const values = new Map<string, string>();
  for (const param of familyParameters(group.family)) {
    const value = all.get(param.name);
    if ((param.modifiable || param.conditionallyModifiable) && value !== undefined && value !== "") values.set(param.name, value);
  }
  return Object.fromEntries(redisDirectives(values, all));
}

/** The group's requires-reboot values (a node runs with them until its next restart). */
export function staticValues(group: ParameterGroupView): Map<string, string | undefined> {
  const all = effectiveValues(group);
  return new Map(
    familyParameters(group.family)
      .filter((p) => p.changeType === "requires-reboot")
      .map((p) => [p.name, all.get(p.name)]),
  );
}

/** The requires-reboot values the node started with; undefined before its first start. */
export function startedWith(node: CacheNodeRecord): ReadonlyMap<string, string | undefined> | undefined {
  return startedWithValues.get(node);
}

/**
 * The emulator's own directives for a member of a cluster mode group. It announces the
 * advertised host, so that MOVED/ASK and CLUSTER SLOTS point where clients reach it; it
 * listens on the port it announces, so no announce-port. Computed at each start, so a
 * changed advertised host reaches restored groups too.
 */
export function clusterModeDirectives(region: RegionState, cluster: CacheClusterRecord, advertisedHost: string): Record<string, string> {
  const group = cluster.member && region.replicationGroups.get(cluster.member.replicationGroupId);
  if (!group?.clusterEnabled) return {};
  const { "cluster-announce-port": _port, ...params } = clusterNodeParams({ announceHost: advertisedHost, port: 0, nodeTimeoutMs: CLUSTER_NODE_TIMEOUT_MS });
  return params;
}

/** A member of a cluster mode group: its roles come from its own nodes.conf, not from `replicaof`. */
function clusterModeEnabled(region: RegionState, cluster: CacheClusterRecord): boolean {
  const group = cluster.member && region.replicationGroups.get(cluster.member.replicationGroupId);
  return group?.clusterEnabled === true;
}

export class NodeRunner {
  constructor(private readonly options: NodeRunnerOptions) {}

  /** Starts the node (on its recorded port when it has one) and records it in `nodes`; resolves once it answers. */
  async start(
    region: RegionState,
    cluster: CacheClusterRecord,
    nodes: RunningNodes,
    node: CacheNodeRecord,
    onExit: NodeExitHandler,
    seedRdbPath?: string,
    /** A replica restarting with its data starts as a replica of the same primary (never a writable primary meanwhile). */
    replicaOf?: string,
    /** A Memcached cluster's Auto Discovery answers, which its nodes answer too. */
    discovery?: DiscoveryReplies,
  ): Promise<RunningNode> {
    const workDir = join(this.clusterDir(region, cluster), node.id);
    await mkdir(workDir, { recursive: true });
    const memoryBytes = this.nodeMemory(cluster);
    // A node keeps its port across reboots and recoveries; the first start may ask for the cluster's Port.
    const preferredPort = node.port || (cluster.engine === "memcached" ? undefined : cluster.requestedPort);
    const closed = cluster.engine !== "memcached" && this.options.access.managed(region, cluster);
    const iam = iamScopeOf(region, cluster);
    const engine = await this.options.launcher.startNode(
      {
        nodeName: `${cluster.id}/${node.id}`,
        engine: cluster.engine,
        engineVersion: cluster.engineVersion,
        maxMemoryBytes: memoryBytes,
        workDir,
        // The parameter group's values; the emulator's own directives (cluster mode) win.
        params: {
          ...(this.options.durableNodes && cluster.engine !== "memcached" ? DURABLE_NODE_PARAMS : {}),
          ...startupParameters(region, cluster, node),
          ...clusterModeDirectives(region, cluster, this.options.advertisedHost),
          ...(replicaOf !== undefined && !clusterModeEnabled(region, cluster) ? { replicaof: replicaOf } : {}),
        },
        defaultUserOff: closed || undefined,
        transitEncryption: transitEncryptionOf(cluster),
        seedRdbPath,
        iam,
        discovery,
      },
      preferredPort,
    );
    node.port = engine.endpoint.port;
    const running: RunningNode = {
      engine,
      startedWith: { engineVersion: cluster.engineVersion, memoryBytes, transitEncryption: transitEncryptionOf(cluster), iamFront: iam !== undefined },
      stopping: false,
      discovery,
    };
    nodes.set(node.id, running);
    engine.onExit((code, signal) => {
      if (!running.stopping) onExit(node, running, code, signal);
    });
    if (closed) await this.options.access.applyToNode(region, cluster, engine);
    return running;
  }

  async stop(nodes: RunningNodes, nodeId: string): Promise<void> {
    const running = nodes.get(nodeId);
    if (!running) return;
    running.stopping = true;
    nodes.delete(nodeId);
    await running.engine.stop();
  }

  async stopAll(nodes: RunningNodes): Promise<void> {
    await Promise.all([...nodes.keys()].map((id) => this.stop(nodes, id)));
  }

  /**
   * A node type change on Redis/Valkey keeps the data (CONFIG SET maxmemory); any other
   * change of memory or version restarts the node, as on AWS where Memcached restarts cold.
   */
  async applySpecChanges(
    region: RegionState,
    cluster: CacheClusterRecord,
    nodes: RunningNodes,
    node: CacheNodeRecord,
    running: RunningNode,
    onExit: NodeExitHandler,
  ): Promise<void> {
    const memoryBytes = this.nodeMemory(cluster);
    const versionChanged = running.startedWith.engineVersion !== cluster.engineVersion;
    const memoryChanged = running.startedWith.memoryBytes !== memoryBytes;
    if (this.needsRestart(region, cluster, running)) return this.restartKeepingData(region, cluster, nodes, node, running, onExit);
    if (!versionChanged && !memoryChanged) return;
    const memoryInPlace = memoryChanged && running.engine.adminCommand !== undefined && memoryBytes !== undefined;
    if (cluster.engine !== "memcached" && (!memoryChanged || memoryInPlace)) {
      // A Redis/Valkey node keeps its data through a node type change (maxmemory is set live) and an
      // engine version change (the same binary either way here), also both in one request.
      if (memoryChanged) {
        await running.engine.adminCommand!(["CONFIG", "SET", "maxmemory", String(memoryBytes)]);
        running.startedWith.memoryBytes = memoryBytes;
      }
      running.startedWith.engineVersion = cluster.engineVersion;
      return;
    }
    await this.stop(nodes, node.id);
    await this.start(region, cluster, nodes, node, onExit, undefined, undefined, running.discovery);
  }

  /**
   * Whether a running node must start again, keeping its data, to take the cluster's
   * settings: its TLS in transit listeners changed, or it now needs an IAM front it did not
   * start with (its group took its first user group). A front no longer needed stays: without
   * IAM users it routes like the engine's own listeners.
   */
  needsRestart(region: RegionState, cluster: CacheClusterRecord, running: RunningNode): boolean {
    if (running.startedWith.transitEncryption !== transitEncryptionOf(cluster)) return true;
    return !running.startedWith.iamFront && iamScopeOf(region, cluster) !== undefined;
  }

  /**
   * Restarts a running node on its port, as a service update does: a Redis/Valkey node keeps
   * its data and cluster identity (restartKeepingData); a Memcached node comes back empty.
   */
  async restart(region: RegionState, cluster: CacheClusterRecord, nodes: RunningNodes, node: CacheNodeRecord, onExit: NodeExitHandler): Promise<void> {
    const running = nodes.get(node.id);
    if (running && cluster.engine !== "memcached") return this.restartKeepingData(region, cluster, nodes, node, running, onExit);
    await this.stop(nodes, node.id);
    await this.start(region, cluster, nodes, node, onExit, undefined, undefined, running?.discovery);
  }

  /** A node's working directory: its data, its cluster identity (nodes.conf). */
  nodeDir(region: RegionState, cluster: CacheClusterRecord, node: CacheNodeRecord): string {
    return join(this.clusterDir(region, cluster), node.id);
  }

  clusterDir(region: RegionState, cluster: CacheClusterRecord): string {
    return join(this.options.workRoot, region.key.accountId, region.key.region, cluster.id);
  }

  /**
   * A TLS in transit change or a new IAM front restarts the engine on the same port with the
   * new listeners; a Redis/Valkey node saves its data first and loads it back at start.
   */
  private async restartKeepingData(
    region: RegionState,
    cluster: CacheClusterRecord,
    nodes: RunningNodes,
    node: CacheNodeRecord,
    running: RunningNode,
    onExit: NodeExitHandler,
  ): Promise<void> {
    const dump = join(this.nodeDir(region, cluster, node), "dump.rdb");
    const paused: PausedForRestart | undefined = running.engine.adminCommand ? await pauseAndSave(running.engine.adminCommand.bind(running.engine)) : undefined;
    let stopped = false;
    try {
      await this.stop(nodes, node.id);
      stopped = true;
    } finally {
      // An engine left running keeps serving: its writes resume.
      if (!stopped) await paused?.resume();
    }
    // A replica loads its data as a replica (writes answer READONLY) until its group wires it again.
    await this.start(region, cluster, nodes, node, onExit, undefined, paused?.replicaOf, running.discovery);
    // Loaded: a later reboot or replacement must start empty, as on AWS.
    await rm(dump, { force: true });
  }

  /** The node type's memory, scaled down on small machines (config nodeMemoryScale). */
  private nodeMemory(cluster: CacheClusterRecord): number | undefined {
    return scaledNodeMemoryBytes(cluster.cacheNodeType, this.options.nodeMemoryScale);
  }
}
