/**
 * Faults on the engine processes themselves: every process the emulator runs is listed
 * (`GET /_emulator/nodes`), and one node, or every node of a cache, can be
 *  - killed (SIGKILL: the emulator then does what AWS does when a node fails: automatic
 *    failover of a primary, replacement of the node),
 *  - paused for a while (SIGSTOP, then SIGCONT: a replication group's primary that does not
 *    answer for longer than failure detection is failed over, and rejoins as a replica when
 *    it answers again),
 *  - restarted (SIGTERM: the process ends cleanly and is started again as after a failure),
 *  - disconnected (every client connection dropped: CLIENT KILL for Redis/Valkey, the kernel's
 *    socket destroy, `ss -K`, for Memcached, which has no command for it).
 * Each is an active fault (`node-N`) while it lasts: a kill or restart until the node answers
 * again, a pause until it resumes.
 */
import { execFile } from "node:child_process";
import type { EngineNode } from "../engines/engine.js";
import type { Logger } from "../logger.js";
import type { Services } from "../actions/shared/context.js";
import type { CacheClusterRecord, CacheNodeRecord, ServerlessCacheRecord } from "../state/records.js";
import type { RegionState, Store } from "../state/store.js";
import type { ActiveFault, FaultSource } from "./fault-registry.js";

export const NODE_FAULT_KINDS = ["kill", "pause", "restart", "disconnect"] as const;
export type NodeFaultKind = (typeof NODE_FAULT_KINDS)[number];

/**
 * How long a replication group's primary may not answer before the emulator fails over from
 * it (AWS does not document its detection time; Redis Cluster's node timeout here is the same).
 */
export const FAILURE_DETECTION_MS = 2000;

/** The longest pause (one hour): a longer one is refused as a bad body. */
export const MAX_PAUSE_MS = 3_600_000;

/** How often a killed or restarted node is checked for being back. */
const BACK_POLL_MS = 100;

/** One engine process: a cache cluster's node, or a serverless cache's primary or replica. */
export type NodeRef =
  | { kind: "cluster"; region: RegionState; cluster: CacheClusterRecord; node: CacheNodeRecord }
  | { kind: "serverless"; region: RegionState; cache: ServerlessCacheRecord; role: "primary" | "replica" };

/** A node as `GET /_emulator/nodes` lists it. */
export interface NodeListing {
  accountId: string;
  region: string;
  cacheClusterId: string;
  cacheNodeId: string;
  replicationGroupId?: string;
  serverlessCacheName?: string;
  engine: string;
  role?: string;
  availabilityZone?: string;
  port?: number;
  pid?: number;
  status: string;
}

/** The lifecycles that run the engines (and fail a group over from an unresponsive primary). */
export type NodeFaultServices = Pick<Services, "clusters" | "replication" | "serverless">;

export interface NodeFaultDeps {
  store: Store;
  services: NodeFaultServices;
  logger: Logger;
}

interface NodeFault extends ActiveFault {
  /** Ends it early (pause: resumes now) and forgets it. */
  end(): Promise<void>;
  engine: EngineNode;
}

/** A refusal: the status and what is wrong (JSON `{error}`). */
export class FaultRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class NodeFaults implements FaultSource {
  private readonly active = new Map<string, NodeFault>();
  private next = 1;

  constructor(private readonly deps: NodeFaultDeps) {}

  /** Every engine process, cache clusters first (in each region), then serverless caches. */
  nodes(): NodeListing[] {
    const out: NodeListing[] = [];
    for (const region of this.deps.store.allRegions()) for (const ref of allNodes(region)) out.push(this.describe(ref));
    return out;
  }

  /** A node by the ids the routes take: a cache cluster's node, else a serverless cache's `primary` / `replica`. */
  find(clusterId: string, cacheNodeId: string): NodeRef | undefined {
    const cacheClusterId = clusterId.toLowerCase();
    for (const region of this.deps.store.allRegions()) {
      const cluster = region.clusters.get(cacheClusterId);
      const node = cluster?.nodes.find((n) => n.id === cacheNodeId);
      if (cluster && node) return { kind: "cluster", region, cluster, node };
    }
    for (const region of this.deps.store.allRegions()) {
      const cache = region.serverlessCaches.get(cacheClusterId);
      if (cache && (cacheNodeId === "primary" || cacheNodeId === "replica") && this.serverlessRoles(cache).includes(cacheNodeId)) {
        return { kind: "serverless", region, cache, role: cacheNodeId };
      }
    }
    return undefined;
  }

  /** Every node of a cache: a replication group, a cache cluster or a serverless cache, by its id. */
  findCache(cacheId: string): NodeRef[] | undefined {
    const id = cacheId.toLowerCase();
    for (const region of this.deps.store.allRegions()) {
      const group = region.replicationGroups.get(id);
      if (group) {
        const members = group.nodeGroups.flatMap((ng) => ng.memberClusterIds).map((m) => region.clusters.get(m)).filter((c): c is CacheClusterRecord => c !== undefined);
        return members.flatMap((cluster) => cluster.nodes.map((node): NodeRef => ({ kind: "cluster", region, cluster, node })));
      }
    }
    for (const region of this.deps.store.allRegions()) {
      const cluster = region.clusters.get(id);
      if (cluster) return cluster.nodes.map((node): NodeRef => ({ kind: "cluster", region, cluster, node }));
    }
    for (const region of this.deps.store.allRegions()) {
      const cache = region.serverlessCaches.get(id);
      if (cache) return this.serverlessRoles(cache).map((role): NodeRef => ({ kind: "serverless", region, cache, role }));
    }
    return undefined;
  }

  /** What is wrong with injecting `fault` into this node now, if anything (409). */
  refusal(ref: NodeRef, fault: NodeFaultKind): string | undefined {
    const engine = this.engineOf(ref);
    const name = nodeName(ref);
    if (!engine) return `${name} is not running (${this.status(ref)})`;
    if (engine.pid === undefined && fault !== "disconnect") return `${name} runs in the embedded engine (no process of its own): only disconnect applies`;
    if (this.pauseOf(engine)) return `${name} is paused (fault ${this.pauseOf(engine)!.id}): clear that fault first`;
    return undefined;
  }

  /** Injects one fault into each node (checked with refusal() first); resolves with the faults as listed. */
  async inject(refs: NodeRef[], fault: NodeFaultKind, durationMs?: number): Promise<ActiveFault[]> {
    const out: ActiveFault[] = [];
    for (const ref of refs) {
      const engine = this.engineOf(ref)!;
      switch (fault) {
        case "kill":
        case "restart":
          out.push(this.signal(ref, engine, fault));
          break;
        case "pause":
          out.push(this.pause(ref, engine, durationMs!));
          break;
        case "disconnect":
          out.push(await this.disconnect(ref, engine));
          break;
      }
    }
    return out;
  }

  list(): ActiveFault[] {
    return [...this.active.values()].map(({ end: _end, engine: _engine, ...fault }) => fault);
  }

  async clear(id: string): Promise<boolean> {
    const fault = this.active.get(id);
    if (!fault) return false;
    await fault.end();
    return true;
  }

  async clearAll(): Promise<void> {
    await Promise.all([...this.active.values()].map((f) => f.end()));
  }

  /** kill (SIGKILL) and restart (SIGTERM): active until the node answers again (or is gone). */
  private signal(ref: NodeRef, engine: EngineNode, kind: "kill" | "restart"): ActiveFault {
    const signal = kind === "kill" ? "SIGKILL" : "SIGTERM";
    let timer: NodeJS.Timeout | undefined;
    const fault = this.add(ref, engine, kind, { pid: engine.pid, signal }, async () => {
      clearInterval(timer);
      this.active.delete(fault.id);
    });
    process.kill(engine.pid!, signal);
    this.deps.logger.info("node fault injected", { fault: fault.id, kind, node: nodeName(ref), pid: engine.pid });
    timer = setInterval(() => {
      const now = this.engineOf(ref);
      if (!this.exists(ref) || (now !== undefined && now !== engine)) void fault.end();
    }, BACK_POLL_MS);
    timer.unref();
    return this.view(fault);
  }

  /**
   * SIGSTOP now, SIGCONT after durationMs (or when cleared). A replication group's primary
   * paused longer than failure detection is failed over meanwhile and, once it answers
   * again, follows the new primary as a replica.
   */
  private pause(ref: NodeRef, engine: EngineNode, durationMs: number): ActiveFault {
    const { replication } = this.deps.services;
    let failover: Promise<boolean> | undefined;
    let detect: NodeJS.Timeout | undefined;
    let resume: NodeJS.Timeout | undefined;
    let ended = false;
    const fault = this.add(ref, engine, "pause", { pid: engine.pid, durationMs }, async () => {
      if (ended) return;
      ended = true;
      clearTimeout(detect);
      clearTimeout(resume);
      this.active.delete(fault.id);
      try {
        process.kill(engine.pid!, "SIGCONT");
      } catch {
        // The process is gone (its cache was deleted meanwhile): nothing to resume.
      }
      this.deps.logger.info("node fault ended: resumed", { fault: fault.id, node: nodeName(ref) });
      if (ref.kind === "cluster" && failover) {
        const failedOver = await failover.catch(() => false);
        await replication.resumed(ref.region, ref.cluster, failedOver).catch((error: unknown) => this.deps.logger.warn("a resumed node did not rejoin its group", { node: nodeName(ref), error: String(error) }));
      }
    });
    fault.endsAt = new Date(Date.now() + durationMs).toISOString();
    process.kill(engine.pid!, "SIGSTOP");
    this.deps.logger.info("node fault injected", { fault: fault.id, kind: "pause", node: nodeName(ref), pid: engine.pid, durationMs });
    // A group member still paused at failure detection leaves the endpoints (and a primary is failed over).
    if (ref.kind === "cluster" && ref.cluster.member && durationMs > FAILURE_DETECTION_MS) {
      detect = setTimeout(() => {
        failover = replication.unresponsive(ref.region, ref.cluster);
        void failover.then((done) => {
          if (!ended) fault.details = { ...fault.details, unresponsive: true, ...(done ? { failedOver: true } : {}) };
        });
      }, FAILURE_DETECTION_MS);
      detect.unref();
    }
    resume = setTimeout(() => void fault.end(), durationMs);
    resume.unref();
    return this.view(fault);
  }

  /** Drops every client connection of the node now; listed while it runs. */
  private async disconnect(ref: NodeRef, engine: EngineNode): Promise<ActiveFault> {
    const fault = this.add(ref, engine, "disconnect", {}, async () => void this.active.delete(fault.id));
    try {
      const closed = engine.adminCommand ? await closeRedisClients(engine) : await destroySockets(engine.endpoint.port);
      fault.details = { connectionsClosed: closed };
      this.deps.logger.info("node fault injected", { fault: fault.id, kind: "disconnect", node: nodeName(ref), closed });
      return this.view(fault);
    } finally {
      await fault.end();
    }
  }

  private add(ref: NodeRef, engine: EngineNode, kind: NodeFaultKind, details: Record<string, unknown>, end: () => Promise<void>): NodeFault {
    const fault: NodeFault = { id: `node-${this.next++}`, kind, target: targetOf(ref), startedAt: new Date().toISOString(), details, end, engine };
    this.active.set(fault.id, fault);
    return fault;
  }

  private view(fault: NodeFault): ActiveFault {
    const { end: _end, engine: _engine, ...rest } = fault;
    return { ...rest };
  }

  private pauseOf(engine: EngineNode): NodeFault | undefined {
    return [...this.active.values()].find((f) => f.kind === "pause" && f.engine === engine);
  }

  engineOf(ref: NodeRef): EngineNode | undefined {
    if (ref.kind === "cluster") return this.deps.services.clusters.runningEngines(ref.cluster).find((e) => e.nodeId === ref.node.id)?.engine;
    return this.deps.services.serverless.enginesByRole(ref.cache).find((e) => e.role === ref.role)?.engine;
  }

  private exists(ref: NodeRef): boolean {
    if (ref.kind === "cluster") return ref.region.clusters.get(ref.cluster.id) === ref.cluster && ref.cluster.nodes.includes(ref.node);
    return ref.region.serverlessCaches.get(ref.cache.name) === ref.cache;
  }

  private status(ref: NodeRef): string {
    const engine = this.engineOf(ref);
    if (engine && this.pauseOf(engine)) return "paused";
    if (ref.kind === "cluster") return ref.node.status;
    return engine ? "available" : "rebooting";
  }

  private serverlessRoles(cache: ServerlessCacheRecord): Array<"primary" | "replica"> {
    return cache.engine === "memcached" ? ["primary"] : ["primary", "replica"];
  }

  private describe(ref: NodeRef): NodeListing {
    const engine = this.engineOf(ref);
    const { accountId, region } = ref.region.key;
    if (ref.kind === "cluster") {
      const { cluster, node } = ref;
      return {
        accountId,
        region,
        cacheClusterId: cluster.id,
        cacheNodeId: node.id,
        replicationGroupId: cluster.member?.replicationGroupId,
        engine: cluster.engine,
        role: cluster.member?.role ?? (cluster.engine === "memcached" ? undefined : "primary"),
        availabilityZone: node.availabilityZone,
        port: node.port || undefined,
        pid: engine?.pid,
        status: this.status(ref),
      };
    }
    return {
      accountId,
      region,
      cacheClusterId: ref.cache.name,
      cacheNodeId: ref.role,
      serverlessCacheName: ref.cache.name,
      engine: ref.cache.engine,
      role: ref.role,
      port: engine?.endpoint.port,
      pid: engine?.pid,
      status: this.status(ref),
    };
  }
}

function allNodes(region: RegionState): NodeRef[] {
  const refs: NodeRef[] = [];
  for (const cluster of region.clusters.values()) for (const node of cluster.nodes) refs.push({ kind: "cluster", region, cluster, node });
  for (const cache of region.serverlessCaches.values()) {
    for (const role of cache.engine === "memcached" ? (["primary"] as const) : (["primary", "replica"] as const)) refs.push({ kind: "serverless", region, cache, role });
  }
  return refs;
}

function targetOf(ref: NodeRef): Record<string, unknown> {
  const { accountId, region } = ref.region.key;
  if (ref.kind === "cluster") {
    return { accountId, region, cacheClusterId: ref.cluster.id, cacheNodeId: ref.node.id, ...(ref.cluster.member ? { replicationGroupId: ref.cluster.member.replicationGroupId } : {}) };
  }
  return { accountId, region, cacheClusterId: ref.cache.name, cacheNodeId: ref.role, serverlessCacheName: ref.cache.name };
}

function nodeName(ref: NodeRef): string {
  return ref.kind === "cluster" ? `node ${ref.node.id} of cache cluster ${ref.cluster.id}` : `the ${ref.role} of serverless cache ${ref.cache.name}`;
}

/** Redis/Valkey: every normal and Pub/Sub client (replication links and the emulator's own call stay). */
async function closeRedisClients(engine: EngineNode): Promise<number> {
  let closed = 0;
  for (const type of ["normal", "pubsub"]) closed += Number(await engine.adminCommand!(["CLIENT", "KILL", "TYPE", type])) || 0;
  return closed;
}

/**
 * Memcached has no command that closes connections: the kernel destroys the node's
 * established sockets (`ss -K`, iproute2 with CONFIG_INET_DIAG_DESTROY, as root or with
 * CAP_NET_ADMIN); each client sees its connection reset. Resolves with how many it closed;
 * a FaultRefusal (501) when it cannot run or the kernel refused (nothing was closed then).
 */
async function destroySockets(port: number): Promise<number> {
  const filter = ["-t", "-n", "-H", "state", "established", "(", "sport", "=", `:${port}`, ")"];
  const open = (await ss(filter)).length;
  const destroyed = (await ss(["-K", ...filter])).length;
  if (open > 0 && destroyed === 0 && (await ss(filter)).length > 0) {
    throw new FaultRefusal(501, "disconnect on Memcached needs socket destroy (ss -K): run the emulator as root or with CAP_NET_ADMIN");
  }
  return destroyed;
}

/** The socket lines `ss` prints. */
function ss(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile("ss", args, (error, stdout) => {
      if (error) return reject(new FaultRefusal(501, `disconnect on Memcached needs the ss command (iproute2) with socket destroy, as root or with CAP_NET_ADMIN: ${error.message}`));
      resolve(stdout.split("\n").filter((line) => line.trim() !== ""));
    });
  });
}
