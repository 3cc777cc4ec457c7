/**
 * Drives serverless caches through AWS's statuses (`creating` -> `available`, `modifying`,
 * `deleting` -> gone) on real engines, always over TLS:
 *
 * - Valkey/Redis: a one-shard Redis Cluster of two redis-server processes. The primary
 *   listens on the Endpoint's port and holds slots 0-16383; its replica listens on the next
 *   port, the ReaderEndpoint (AWS's 6379 and 6380 on one address). CLUSTER SLOTS / SHARDS /
 *   NODES therefore show one shard whose primary is the Endpoint and whose replica is the
 *   reader; `READONLY` there serves reads, writes answer MOVED to the Endpoint. Both keep an
 *   append-only file, so an engine that dies comes back with its data.
 * - Memcached: one memcached process with TLS, behind the Endpoint: an emulator-owned TLS
 *   listener that refuses the commands AWS does not support on serverless and passes the
 *   rest on (endpoints/memcached-config-endpoint.ts, without Auto Discovery).
 *
 * Who may connect is the engines' ACL: the default user (or the user group's users), minus
 * what ElastiCache restricts and what serverless caches refuse (engines/restricted.ts).
 * Each Valkey/Redis port is the engine's own TLS listener while the cache has neither an
 * ECPUPerSecond limit nor an IAM user; when it has one, an IAM front (endpoints/iam-front.ts)
 * takes both ports live (nodes/on-demand-front-node.ts): an IAM user of the group gets in with
 * a token for the cache's name and `ResourceType=ServerlessCache`, and every command passes
 * the ECPU gate. It leaves again when neither is left.
 * DataStorage.Maximum is the engines' maxmemory with AWS's volatile-lru eviction (Memcached:
 * its memory limit, `cache_memlimit`), changed live by ModifyServerlessCache.
 */
import { mkdir, rename, rm } from "node:fs/promises";
import net from "node:net";
import { dirname, join } from "node:path";
import type { LifecycleDelays } from "../config.js";
import { EcpuThrottle } from "../endpoints/ecpu-throttle.js";
import { tokenDefaultUser, type AclUser } from "../engines/acl.js";
import type { EngineKind, EngineNode } from "../engines/engine.js";
import { restoreMemcached } from "../engines/memcached-dump.js";
import { memcachedRequest } from "../engines/probes.js";
import { serverlessCommandNames, serverlessDenials, serverlessMemcachedRefusal } from "../engines/restricted.js";
import { clusterNodeParams } from "../engines/topology/index.js";
import { SERVERLESS_RESOURCE_TYPE } from "../iam-token.js";
import type { Logger } from "../logger.js";
import type { ConfigEndpoint, IamCacheScope, NodeLauncher } from "../nodes/node-launcher.js";
import { allocatePort, defaultPortPool, PortInUseError, releasePort, type PortRange } from "../process/ports.js";
import type { ServerlessCacheRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import { usersFor } from "./node-acl.js";
import { redistribute } from "./redistribute.js";
import { ResourceMachine, type MachineKind, type Step } from "./resource-machine.js";
import type { ShardSeed, Topology } from "./topology.js";
import { WarmPool } from "./warm-pool.js";

/** What the lifecycle needs of the ACL keeper (lifecycle/node-acl.ts). */
export interface ServerlessAcl {
  apply(engine: EngineNode, users: AclUser[], denials?: readonly string[]): Promise<void>;
}

export interface ServerlessLifecycleOptions {
  launcher: NodeLauncher;
  /** The node port range: a Valkey/Redis cache takes two consecutive ports of it. */
  nodePorts: PortRange;
  topology: Topology;
  acl: ServerlessAcl;
  delays: LifecycleDelays;
  advertisedHost: string;
  /** Root for node working directories. */
  workRoot: string;
  /** Scratch space for the temporary engines of a restore (SnapshotArnsToRestore). */
  scratchRoot: string;
  /** The warm pair's working directories, on the filesystem of `workRoot` (adoption renames them there). */
  warmRoot: string;
  /** Multiplies DataStorage limits (as --node-memory-scale does node types' memory). */
  memoryScale: number;
  /** --allow-restricted-commands: serverless refusals are lifted too. */
  allowRestrictedCommands: boolean;
  /**
   * --serverless-warm-pair: after a Valkey/Redis serverless cache is created, a formed engine
   * pair of the same engine version waits for the next create, which adopts it (README:
   * Serverless caches). Default off here; the emulator's configuration turns it on.
   */
  warmPair?: boolean;
  logger: Logger;
  onChange?: () => void;
}

interface ServerlessRuntime {
  primary?: EngineNode;
  replica?: EngineNode;
  /** Memcached: the Endpoint, an emulator-owned TLS listener in front of the engine that refuses what AWS refuses. */
  endpoint?: ConfigEndpoint;
  /** The ACL rules of the serverless refusals this engine knows (computed once). */
  denials?: string[];
  /** ECPUPerSecond.Maximum, shared by the Endpoint and the ReaderEndpoint (endpoints/ecpu-throttle.ts). */
  throttle: EcpuThrottle;
}

type Role = "primary" | "replica";

/** Where a pair of engines lives and what it is: a cache's, or a warm pair waiting for one. */
interface EngineHome {
  /** In the engines' node names: `serverless/<label>/<role>`. */
  label: string;
  dir: string;
  engine: EngineKind;
  engineVersion: string;
  /** The cache IAM tokens must name; a warm pair's is filled in when a cache adopts it (read at each check). */
  iam: IamCacheScope;
  maxMemoryBytes?: number;
  /** Called with each engine as it starts (a cache restarts an engine that dies; a warm pair is ended). */
  watch(role: Role, engine: EngineNode): void;
}

/** Which warm pair a cache can adopt: its engines must run the same engine and version. */
interface WarmKey {
  engine: EngineKind;
  engineVersion: string;
}

/** A formed Valkey/Redis pair no cache has yet: closed to clients (default user off), no data limit. */
interface WarmPair {
  key: WarmKey;
  dir: string;
  scope: IamCacheScope;
  runtime: ServerlessRuntime;
  adopted: boolean;
}

const BYTES_PER_GB = 1024 * 1024 * 1024;

/** Redis Cluster's own failure detection; the emulator restarts a dead engine itself. */
const CLUSTER_NODE_TIMEOUT_MS = 2000;

/** A Memcached serverless cache without a DataStorage limit (memcached takes memory as it needs it). */
const MEMCACHED_UNLIMITED_BYTES = BYTES_PER_GB;

/** Ports of the range a warm pair holds: each engine's TLS port (the public one) and plaintext port. */
const WARM_PAIR_PORTS = 4;

/** How often a pair of consecutive ports is tried before giving up. */
const PAIR_ATTEMPTS = 20;

/** AWS's event texts (serverless-metrics-events). */
export const serverlessEvents = {
  created: (name: string) => `Cache ${name} is created and ready to use.`,
  createFailed: (name: string, why: string) => `Failed to create cache ${name}. ${why}`,
  deleted: (name: string) => `Cache ${name} was deleted.`,
  limitsUpdated: (name: string) => `Limits updated for the cache ${name}.`,
  securityGroupsUpdated: (name: string) => `SecurityGroups updated for the cache ${name}.`,
  tagsUpdated: (name: string) => `Tags updated for the cache ${name}.`,
  updated: (name: string) => `Cache ${name} was updated.`,
  recovered: (name: string) => `Cache ${name} recovered after the emulator restarted.`,
};

const serverlessKind: MachineKind<ServerlessCacheRecord, ServerlessRuntime> = {
  label: "serverless cache",
  sourceType: "serverless-cache",
  sourceId: (cache) => cache.name,
  newRuntime: () => ({ throttle: new EcpuThrottle() }),
  failed: (cache, message) =>
    cache.status === "creating"
      ? { status: "create-failed", event: serverlessEvents.createFailed(cache.name, message) }
      : { status: "available", event: `A limit update to the cache ${cache.name} failed due to invalid configuration.` },
  remove: (region, cache) => region.serverlessCaches.delete(cache.name),
};

/**
 * Whether a Valkey/Redis cache's ports need the IAM front: to meter an ECPUPerSecond limit, or
 * to check the tokens of IAM users. Otherwise the engines' own TLS listeners are the ports.
 */
function needsFront(cache: ServerlessCacheRecord, users: AclUser[]): boolean {
  return (cache.usageLimits?.ecpuPerSecond?.maximum ?? 0) > 0 || users.some((u) => u.auth.kind === "iam");
}

export class ServerlessLifecycle {
  private readonly machine: ResourceMachine<ServerlessCacheRecord, ServerlessRuntime>;
  private readonly steps: Record<"create" | "modify" | "delete", Step<ServerlessCacheRecord>>;
  /** The formed pair the next Valkey/Redis create adopts (--serverless-warm-pair); undefined when off. */
  private readonly warm: WarmPool<WarmKey, WarmPair> | undefined;
  private warmCount = 0;
  /** Warm pairs' directories left by an emulator that ended abruptly are removed before the first pair forms. */
  private warmRootCleared: Promise<void> | undefined;

  constructor(private readonly options: ServerlessLifecycleOptions) {
    this.machine = new ResourceMachine(serverlessKind, options);
    this.steps = {
      create: { delay: "createMs" },
      modify: { delay: "modifyMs" },
      delete: { delay: "deleteMs", ends: "removed" },
    };
    this.warm = options.warmPair
      ? new WarmPool<WarmKey, WarmPair>({
          form: (key) => this.formWarmPair(key),
          discard: (pair) => this.discardWarmPair(pair),
          sameKey: (a, b) => a.engine === b.engine && a.engineVersion === b.engineVersion,
          logger: options.logger,
          label: "serverless warm pair",
        })
      : undefined;
  }

  /**
   * The record is stored `creating`: its engines start (a Valkey/Redis cache adopts the warm
   * pair when one of its engine version is there), then `available`; a warm pair forms for
   * the next create.
   */
  create(region: RegionState, cache: ServerlessCacheRecord): void {
    void this.machine.transition(region, cache, this.steps.create, async (runtime) => {
      if (!(await this.adoptWarmPair(region, cache, runtime))) {
        await rm(this.cacheDir(region, cache), { recursive: true, force: true });
        await this.startEngines(region, cache, runtime, { fresh: true });
      }
      await this.restoreData(cache, runtime);
      await this.resetStats(runtime);
      if (cache.engine !== "memcached") this.warm?.prepare(warmKey(cache));
      return serverlessEvents.created(cache.name);
    });
  }

  /**
   * The record holds the new settings and is `modifying`: limits, users and refusals reach
   * the running engines (no restart, no data lost); `events` are AWS's texts for what changed.
   */
  modify(region: RegionState, cache: ServerlessCacheRecord, events: string[]): void {
    void this.machine.transition(region, cache, this.steps.modify, async (runtime) => {
      await this.applySettings(region, cache, runtime);
      for (const event of events.slice(0, -1)) this.machine.event(region, cache, event);
      return events.at(-1);
    });
  }

  /** The record is `deleting`: stop the engines, remove their files, then the record. */
  delete(region: RegionState, cache: ServerlessCacheRecord): void {
    void this.machine.transition(region, cache, this.steps.delete, async (runtime) => {
      await this.stopRuntime(runtime);
      await rm(this.cacheDir(region, cache), { recursive: true, force: true });
      return serverlessEvents.deleted(cache.name);
    });
  }

  /**
   * After an emulator restart (data dir): each cache comes back on its ports from its
   * engines' files; `deleting` ends deleted, `creating` is created again, a cache shows
   * `modifying` until its engines answer.
   */
  recover(region: RegionState): Array<Promise<void>> {
    const work: Array<Promise<void>> = [];
    for (const cache of [...region.serverlessCaches.values()]) {
      if (cache.status === "deleting") {
        this.delete(region, cache);
        work.push(this.settled(cache));
      } else if (cache.status === "creating") {
        this.create(region, cache);
        work.push(this.settled(cache));
      } else if (cache.status !== "create-failed") {
        cache.status = "modifying";
        work.push(
          this.machine.run(region, cache, async (runtime) => {
            await this.startEngines(region, cache, runtime, { fresh: false });
            await this.resetStats(runtime);
            this.machine.finish(region, cache, serverlessEvents.recovered(cache.name));
          }),
        );
      }
    }
    return work;
  }

  /** The cache's user group changed (its users, their passwords or access strings): its engines get them again. */
  refreshUsers(region: RegionState, cache: ServerlessCacheRecord): Promise<void> {
    return this.machine.exclusive(cache, async () => {
      const runtime = this.machine.runtime(cache);
      if (runtime && cache.status !== "creating") await this.applySettings(region, cache, runtime);
    });
  }

  /**
   * The engines' statistics (INFO stats and commandstats) start from zero once the cache is
   * ready, so its metrics count what clients did, not the emulator's setup of the cluster.
   */
  private async resetStats(runtime: ServerlessRuntime): Promise<void> {
    for (const engine of [runtime.primary, runtime.replica]) if (engine?.adminCommand) await engine.adminCommand(["CONFIG", "RESETSTAT"]);
  }

  /** The running engines of a cache (primary first), for snapshots and tests. */
  engines(cache: ServerlessCacheRecord): EngineNode[] {
    const runtime = this.machine.runtime(cache);
    return [runtime?.primary, runtime?.replica].filter((e): e is EngineNode => e !== undefined);
  }

  /** The running engines of a cache with their roles (the node faults name them). */
  enginesByRole(cache: ServerlessCacheRecord): Array<{ role: Role; engine: EngineNode }> {
    const runtime = this.machine.runtime(cache);
    return (["primary", "replica"] as const).flatMap((role) => (runtime?.[role] ? [{ role, engine: runtime[role]! }] : []));
  }

  /** Commands that waited for the cache's ECPUPerSecond limit since its engines started (the ThrottledCmds metric). */
  throttledCmds(cache: ServerlessCacheRecord): number {
    return this.machine.runtime(cache)?.throttle.throttledCmds ?? 0;
  }

  /** Runs `work` in this cache's order (e.g. a snapshot before a delete). */
  exclusive(cache: ServerlessCacheRecord, work: () => Promise<void>): Promise<void> {
    return this.machine.exclusive(cache, work);
  }

  /** Resolves when all work queued so far on this cache is done. */
  settled(cache: ServerlessCacheRecord): Promise<void> {
    return this.machine.settled(cache);
  }

  halt(): void {
    this.machine.halt();
  }

  /** Stops every cache's engines and the warm pair (the emulator stops). */
  async stopAll(): Promise<void> {
    await Promise.all([this.machine.stopAll((runtime) => this.stopRuntime(runtime)), this.warm?.stop()]);
  }

  /** Stops every cache's engines (/_emulator/reset); the warm pair, which holds nothing of any account, stays for the next create. */
  reset(): Promise<void> {
    return this.machine.stopAll((runtime) => this.stopRuntime(runtime));
  }

  /**
   * Ports of the node range the warm pair holds (formed or forming): the capacity check counts
   * them as free, since the pair yields them (yieldWarmPair) to nodes that need them.
   */
  get warmPairPorts(): number {
    return this.warm && this.warm.state !== "none" ? WARM_PAIR_PORTS : 0;
  }

  /**
   * Ends the warm pair so that nodes can have its ports: allocations that find the range full
   * meanwhile wait for them (PortPool.releaseSoon). The next serverless create forms one again.
   */
  yieldWarmPair(): void {
    if (!this.warm || this.warm.state === "none") return;
    this.options.logger.info("serverless warm pair ended to make room in the node port range");
    defaultPortPool.releaseSoon(this.warm.release());
  }

  /** The warm pair, as /_emulator/health reports it: `off` (--serverless-warm-pair off), `none`, `forming` or `ready`. */
  get warmPairState(): "off" | "none" | "forming" | "ready" {
    return this.warm?.state ?? "off";
  }

  private cacheDir(region: RegionState, cache: ServerlessCacheRecord): string {
    // "_" cannot start a cache cluster id, so this never meets a cluster's directory.
    return join(this.options.workRoot, region.key.accountId, region.key.region, "_serverless", cache.name);
  }

  /** Where a cache's engines live, and what happens when one of them dies. */
  private homeOf(region: RegionState, cache: ServerlessCacheRecord, runtime: ServerlessRuntime): EngineHome {
    const redis = cache.engine !== "memcached";
    return {
      label: cache.name,
      dir: this.cacheDir(region, cache),
      engine: cache.engine,
      engineVersion: cache.fullEngineVersion,
      iam: { cacheName: cache.name, region: region.key.region, resourceType: SERVERLESS_RESOURCE_TYPE },
      // Memcached without a limit gets room enough (cache_memlimit changes it live).
      maxMemoryBytes: this.dataLimitBytes(cache) ?? (redis ? undefined : MEMCACHED_UNLIMITED_BYTES),
      watch: (role, engine) => engine.onExit((code, signal) => this.exited(region, cache, runtime, role, engine, code, signal)),
    };
  }

  /**
   * Starts the cache's engines (on its recorded ports when it has them) and makes them one
   * cache: a fresh pair forms its cluster, a restarted pair re-forms it from its files.
   */
  private async startEngines(region: RegionState, cache: ServerlessCacheRecord, runtime: ServerlessRuntime, opts: { fresh: boolean }): Promise<void> {
    runtime.throttle.setLimit(cache.usageLimits?.ecpuPerSecond?.maximum);
    const home = this.homeOf(region, cache, runtime);
    if (cache.engine === "memcached") {
      const refuse = this.options.allowRestrictedCommands ? undefined : (tokens: string[]) => {
        const refusal = serverlessMemcachedRefusal(tokens);
        return refusal === undefined ? undefined : Buffer.from(refusal);
      };
      const [endpoint, engine] = await Promise.allSettled([
        this.options.launcher.startConfigEndpoint(cache.port || undefined, "required", { refuse, throttle: runtime.throttle }),
        this.startEngine(home, runtime, "primary"),
      ]);
      if (endpoint.status === "fulfilled") runtime.endpoint = endpoint.value;
      if (endpoint.status === "rejected" || engine.status === "rejected") {
        await this.stopRuntime(runtime);
        throw endpoint.status === "rejected" ? endpoint.reason : (engine as PromiseRejectedResult).reason;
      }
      this.publishMemcached(runtime);
      cache.port = runtime.endpoint!.port;
      return;
    }
    // Users, refusals and the data limit go in while the cluster forms: no client gets in before both are done.
    await this.startRedisPair(home, runtime, { fresh: opts.fresh, preferredPort: cache.port || undefined, alongside: () => this.applySettings(region, cache, runtime) });
    cache.port = runtime.primary!.endpoint.port;
  }

  /**
   * Starts a Valkey/Redis pair on two consecutive ports (`preferredPort` and the next when
   * given) and makes it a one-shard cluster: fresh, formed from the nodes.conf written before
   * they start; otherwise re-formed from their files. `alongside` runs while the cluster forms.
   */
  private async startRedisPair(
    home: EngineHome,
    runtime: ServerlessRuntime,
    opts: { fresh: boolean; preferredPort?: number; alongside?: () => Promise<void> },
  ): Promise<void> {
    let preferred = opts.preferredPort;
    let formed: ShardSeed | undefined;
    for (let attempt = 1; ; attempt++) {
      // A new pair holds both ports at once, so no other node takes the reader's port meanwhile;
      // both engines then start side by side.
      const [primaryPort, replicaPort] = preferred === undefined ? this.holdPortPair() : [preferred, preferred + 1];
      if (preferred === undefined) {
        releasePort(primaryPort);
        releasePort(replicaPort);
      }
      // A new cache's one-shard cluster is written into its engines' nodes.conf: formed as they start.
      const seed = opts.fresh && net.isIP(this.options.advertisedHost) !== 0
        ? this.options.topology.seedShard({ host: this.options.advertisedHost, port: primaryPort }, [{ host: this.options.advertisedHost, port: replicaPort }])
        : undefined;
      const started = await Promise.allSettled([
        this.startEngine(home, runtime, "primary", primaryPort, seed?.primaryConfig),
        this.startEngine(home, runtime, "replica", replicaPort, seed?.replicaConfigs[0]),
      ]);
      const failed = started.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) {
        await this.stopRuntime(runtime);
        throw failed.reason;
      }
      const [primaryAt, replicaAt] = [runtime.primary!.endpoint.port, runtime.replica!.endpoint.port];
      if (seed ? primaryAt === primaryPort && replicaAt === replicaPort : replicaAt === primaryAt + 1) {
        formed = seed;
        break;
      }
      // The reader's port is the Endpoint's + 1: another pair of ports is tried.
      await this.stopRuntime(runtime);
      if (attempt >= PAIR_ATTEMPTS) throw new Error("no two consecutive free ports in the node port range");
      preferred = undefined;
    }
    const primary = runtime.primary!;
    const replica = runtime.replica!;
    await Promise.all([
      formed
        ? this.options.topology.formSeededShard({ primary, replicas: [replica] }, formed)
        : opts.fresh
          ? this.options.topology.buildCluster([{ slots: "0-16383", primary, replicas: [replica] }])
          : this.options.topology.reformCluster([primary, replica]),
      opts.alongside?.(),
    ]);
  }

  /**
   * A warm pair for the next create: a formed one-shard cluster of `key`'s engine, closed to
   * clients, in a directory of its own until a cache adopts it.
   */
  private async formWarmPair(key: WarmKey): Promise<WarmPair> {
    const root = this.options.warmRoot;
    await (this.warmRootCleared ??= rm(root, { recursive: true, force: true }));
    const label = `warm-${++this.warmCount}`;
    const pair: WarmPair = {
      key,
      dir: join(root, label),
      scope: { cacheName: "", region: "", resourceType: SERVERLESS_RESOURCE_TYPE },
      runtime: { throttle: new EcpuThrottle() },
      adopted: false,
    };
    const home: EngineHome = {
      label: `(${label})`,
      dir: pair.dir,
      engine: key.engine,
      engineVersion: key.engineVersion,
      iam: pair.scope,
      watch: (_role, engine) => engine.onExit(() => {
        if (!pair.adopted) this.warm?.lost(pair);
      }),
    };
    try {
      await this.startRedisPair(home, pair.runtime, { fresh: true });
      pair.runtime.denials = this.options.allowRestrictedCommands ? [] : await this.knownDenials(pair.runtime.primary!);
    } catch (error) {
      await this.discardWarmPair(pair);
      throw error;
    }
    this.options.logger.debug("serverless warm pair formed", { engine: key.engine, engineVersion: key.engineVersion, port: pair.runtime.primary!.endpoint.port });
    return pair;
  }

  private async discardWarmPair(pair: WarmPair): Promise<void> {
    await this.stopRuntime(pair.runtime);
    await rm(pair.dir, { recursive: true, force: true });
  }

  /**
   * A new Valkey/Redis cache takes the warm pair of its engine version when there is one: its
   * directory becomes the cache's, the IAM scope names the cache, and the cache's users,
   * refusals and limits go in (as for engines started for it). False: there was none, or it
   * could not be adopted (it is then ended), and the cache starts engines of its own.
   */
  private async adoptWarmPair(region: RegionState, cache: ServerlessCacheRecord, runtime: ServerlessRuntime): Promise<boolean> {
    if (cache.engine === "memcached" || !this.warm) return false;
    const pair = await this.warm.take(warmKey(cache));
    if (!pair) return false;
    pair.adopted = true;
    const dir = this.cacheDir(region, cache);
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dirname(dir), { recursive: true });
      // The engines keep running: their working directory moves with them (CONFIG GET dir says the new one).
      await rename(pair.dir, dir);
      Object.assign(pair.scope, { cacheName: cache.name, region: region.key.region });
      Object.assign(runtime, pair.runtime);
      // From now on an engine that dies is the cache's to restart, as for engines started for it.
      const home = this.homeOf(region, cache, runtime);
      for (const role of ["primary", "replica"] as const) home.watch(role, runtime[role]!);
      await this.applySettings(region, cache, runtime);
    } catch (error) {
      this.options.logger.warn("serverless cache could not adopt the warm pair; starting engines of its own", { cache: cache.name, error: String(error) });
      // The pair's engines, whether the runtime had them yet or not.
      await this.stopRuntime(pair.runtime);
      Object.assign(runtime, { primary: undefined, replica: undefined, denials: undefined, throttle: new EcpuThrottle() });
      await Promise.all([rm(pair.dir, { recursive: true, force: true }), rm(dir, { recursive: true, force: true })]);
      return false;
    }
    cache.port = runtime.primary!.endpoint.port;
    this.options.logger.debug("serverless cache adopted the warm pair", { cache: cache.name, port: cache.port });
    return true;
  }

  /** Two consecutive ports of the range that no node holds, held until released one by one as the engines start. */
  private holdPortPair(): [number, number] {
    const range = this.options.nodePorts;
    for (let i = 0; i <= range.to - range.from; i++) {
      const port = allocatePort(range);
      if (port < range.to) {
        try {
          return [port, allocatePort(range, port + 1)];
        } catch (error) {
          if (!(error instanceof PortInUseError)) throw error;
        }
      }
      releasePort(port);
    }
    throw new Error(`no two consecutive free ports in ${range.from}-${range.to}`);
  }

  private async startEngine(home: EngineHome, runtime: ServerlessRuntime, role: Role, preferredPort?: number, seedClusterConfig?: string): Promise<EngineNode> {
    const redis = home.engine !== "memcached";
    const engine = await this.options.launcher.startNode(
      {
        nodeName: `serverless/${home.label}/${role}`,
        engine: home.engine,
        engineVersion: home.engineVersion,
        maxMemoryBytes: home.maxMemoryBytes,
        workDir: join(home.dir, role),
        params: redis ? this.redisParams() : {},
        seedClusterConfig,
        // Closed until its users and refusals are set (applySettings).
        defaultUserOff: redis || undefined,
        transitEncryption: "required",
        // Valkey/Redis: the engine's own TLS listener is the port while there is neither an ECPU
        // limit nor an IAM user; an IAM front takes the port live when one appears (applySettings).
        iam: redis ? home.iam : undefined,
        throttle: redis ? runtime.throttle : undefined,
        frontOnDemand: redis || undefined,
      },
      preferredPort,
    );
    runtime[role] = engine;
    home.watch(role, engine);
    return engine;
  }

  /** A serverless engine that dies is started again on its port, from its files (AWS replaces failed capacity unseen). */
  private exited(
    region: RegionState,
    cache: ServerlessCacheRecord,
    runtime: ServerlessRuntime,
    role: Role,
    engine: EngineNode,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (runtime[role] !== engine || !this.machine.isCurrent(cache, runtime)) return;
    runtime[role] = undefined;
    this.options.logger.warn("serverless cache engine exited; restarting it", { cache: cache.name, role, code, signal });
    void this.machine.run(region, cache, async (rt) => {
      if (rt[role]) return;
      const home = this.homeOf(region, cache, rt);
      if (cache.engine === "memcached") {
        await this.startEngine(home, rt, role);
        this.publishMemcached(rt);
        return;
      }
      const survivor = role === "primary" ? rt.replica : undefined;
      if (!survivor) {
        await this.startEngine(home, rt, role, role === "primary" ? cache.port : cache.port + 1);
        await this.options.topology.reformCluster(this.engines(cache));
        await this.applySettings(region, cache, rt);
        return;
      }
      // The replica holds every write the primary acknowledged (the primary's AOF may lack its
      // last second): it takes over, the primary's engine starts again and syncs from it as its
      // replica, then takes its role back on the Endpoint's port once it has every write.
      const topology = this.options.topology;
      await topology.clusterFailover(survivor, { takeover: true, live: [survivor] });
      const restarted = await this.startEngine(home, rt, role, cache.port);
      await topology.reformCluster(this.engines(cache));
      await this.applySettings(region, cache, rt);
      await topology.clusterFailover(restarted, { takeover: false, live: this.engines(cache) });
    });
  }

  /**
   * SnapshotArnsToRestore: every key of every RDB moves into the primary (MIGRATE over TLS,
   * TTLs kept), whatever layout the snapshot had (one shard or many); the replica follows.
   * Memcached: the items of its snapshots are set into the engine (engines/memcached-dump.ts).
   */
  private async restoreData(cache: ServerlessCacheRecord, runtime: ServerlessRuntime): Promise<void> {
    const sources = cache.restore?.sources;
    if (!sources?.length || !runtime.primary) return;
    if (cache.engine === "memcached") {
      // Memcached snapshots are items files: every item not expired by now is set again.
      let items = 0;
      for (const source of sources) items += await restoreMemcached(runtime.primary.endpoint, source.file);
      this.options.logger.info("serverless cache restored from its snapshots", { cache: cache.name, items });
      cache.restore = undefined;
      return;
    }
    const moved = await redistribute(
      this.options.launcher,
      sources.map((s) => ({ file: s.file, to: [0] })),
      [{ slots: "0-16383", primary: runtime.primary }],
      { engine: cache.engine, engineVersion: cache.fullEngineVersion, scratchRoot: this.options.scratchRoot, name: `serverless/${cache.name}/restore`, tlsTargets: true },
    );
    this.options.logger.info("serverless cache restored from its snapshots", { cache: cache.name, keys: moved });
    cache.restore = undefined;
  }

  /** The engines' users and refusals, and the data limit, as the record says. */
  private async applySettings(region: RegionState, cache: ServerlessCacheRecord, runtime: ServerlessRuntime): Promise<void> {
    runtime.throttle.setLimit(cache.usageLimits?.ecpuPerSecond?.maximum);
    const engines = [runtime.primary, runtime.replica].filter((e): e is EngineNode => e !== undefined);
    if (cache.engine === "memcached") {
      // memcached's own live setting, in megabytes (without a limit: the room it started with).
      const megabytes = Math.max(1, Math.ceil((this.dataLimitBytes(cache) ?? MEMCACHED_UNLIMITED_BYTES) / (1024 * 1024)));
      for (const engine of engines) {
        const reply = await memcachedRequest(engine.endpoint, `cache_memlimit ${megabytes}\r\n`, /\r\n/, { timeoutMs: 5000 });
        if (!reply.startsWith("OK")) throw new Error(`memcached refused cache_memlimit ${megabytes}: ${reply.trim()}`);
      }
      return;
    }
    const denials = this.options.allowRestrictedCommands ? [] : (runtime.denials ??= await this.knownDenials(engines[0]!));
    const users = cache.userGroupId
      ? usersFor(region, { userGroupIds: [cache.userGroupId], authTokenHashes: [], authTokenOpenToo: false })
      : [tokenDefaultUser({ hashes: [], openToo: false })];
    const maxmemory = String(this.dataLimitBytes(cache) ?? 0);
    const front = needsFront(cache, users);
    await Promise.all(
      engines.map(async (engine) => {
        await this.options.acl.apply(engine, users, denials);
        await engine.adminCommand!(["CONFIG", "SET", "maxmemory", maxmemory]);
        await engine.useFront?.(front);
      }),
    );
  }

  /** serverlessDenials() for the commands this engine has (COMMAND INFO answers nil for the others). */
  private async knownDenials(engine: EngineNode): Promise<string[]> {
    const names = serverlessCommandNames();
    const info = (await engine.adminCommand!(["COMMAND", "INFO", ...names])) as unknown[];
    const known = new Set(names.filter((_, i) => Array.isArray(info[i])));
    return serverlessDenials((name) => known.has(name));
  }

  /** DataStorage.Maximum in bytes (scaled as node memory is); undefined without a limit. */
  private dataLimitBytes(cache: ServerlessCacheRecord): number | undefined {
    const max = cache.usageLimits?.dataStorage?.maximum;
    if (!max) return undefined;
    return Math.round(max * BYTES_PER_GB * this.options.memoryScale);
  }

  /** A cluster node over TLS (the launcher adds the TLS ports and announces); AWS's volatile-lru eviction; an AOF. */
  private redisParams(): Record<string, string> {
    const { "cluster-announce-port": _port, ...cluster } = clusterNodeParams({
      announceHost: this.options.advertisedHost,
      port: 0,
      nodeTimeoutMs: CLUSTER_NODE_TIMEOUT_MS,
    });
    return { appendonly: "yes", appendfsync: "everysec", "maxmemory-policy": "volatile-lru", ...cluster };
  }

  private async stopEngine(runtime: ServerlessRuntime, role: Role): Promise<void> {
    const engine = runtime[role];
    runtime[role] = undefined;
    await engine?.stop();
  }

  private async stopRuntime(runtime: ServerlessRuntime): Promise<void> {
    const endpoint = runtime.endpoint;
    runtime.endpoint = undefined;
    await Promise.all([this.stopEngine(runtime, "primary"), this.stopEngine(runtime, "replica"), endpoint?.stop()]);
  }

  /** The Memcached Endpoint passes what it serves to the engine (over TLS, as the engine speaks only TLS). */
  private publishMemcached(runtime: ServerlessRuntime): void {
    const engine = runtime.primary;
    runtime.endpoint?.setNodes(engine ? [{ host: this.options.advertisedHost, ip: engine.endpoint.host, port: engine.endpoint.port }] : []);
  }
}

function warmKey(cache: ServerlessCacheRecord): WarmKey {
  return { engine: cache.engine, engineVersion: cache.fullEngineVersion };
}
