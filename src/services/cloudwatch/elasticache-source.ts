/**
 * The `AWS/ElastiCache` metrics of every running cache node, read from the engine itself
 * (`INFO all` for Redis/Valkey, `stats` for Memcached) and from the engine's process in /proc,
 * named, united and derived as ../shared/reference §7 lists them. Published under
 * {CacheClusterId, CacheNodeId} and {CacheClusterId} (a replication group member's cluster id
 * is the member's, `rg-001`). Counters are deltas since the previous round; a new engine
 * process (first round, restart) counts from zero, as its counters do.
 */
import os from "node:os";
import type { StandardUnit } from "../../generated/cloudwatch.js";
import type { EngineNode } from "../../engines/engine.js";
import { memcachedStats } from "../../engines/probes.js";
import { admin, parseInfo } from "../../engines/topology/admin.js";
import type { ClusterLifecycle } from "../../lifecycle/cluster-lifecycle.js";
import type { Logger } from "../../logger.js";
import type { CacheClusterRecord } from "../../state/records.js";
import type { Store } from "../../state/store.js";
import { processStats } from "./process-stats.js";
import type { MetricSource, MetricValue, ResourceSample } from "./sampler.js";

export const ELASTICACHE_NAMESPACE = "AWS/ElastiCache";

/** Redis/Valkey command groups: the metric prefix and the ACL category whose commands it counts. */
const COMMAND_GROUPS: Array<[metric: string, category: string]> = [
  ["GetTypeCmds", "read"],
  ["SetTypeCmds", "write"],
  ["KeyBasedCmds", "keyspace"],
  ["StringBasedCmds", "string"],
  ["HashBasedCmds", "hash"],
  ["ListBasedCmds", "list"],
  ["SetBasedCmds", "set"],
  ["SortedSetBasedCmds", "sortedset"],
  ["HyperLogLogBasedCmds", "hyperloglog"],
  ["GeoSpatialBasedCmds", "geo"],
  ["PubSubBasedCmds", "pubsub"],
  ["StreamBasedCmds", "stream"],
  ["EvalBasedCmds", "scripting"],
  ["JsonBasedCmds", "json"],
];

const INFO_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "keyspace", "commandstats"];

/** Redis/Valkey INFO counters published as per-round deltas. */
const REDIS_COUNTERS: Array<[metric: string, field: string, unit: StandardUnit]> = [
  ["CacheHits", "keyspace_hits", "Count"],
  ["CacheMisses", "keyspace_misses", "Count"],
  ["Evictions", "evicted_keys", "Count"],
  ["Reclaimed", "expired_keys", "Count"],
  ["NetworkBytesIn", "total_net_input_bytes", "Bytes"],
  ["NetworkBytesOut", "total_net_output_bytes", "Bytes"],
  ["ActiveDefragHits", "active_defrag_hits", "Count"],
  ["AuthenticationFailures", "acl_access_denied_auth", "Count"],
  ["CommandAuthorizationFailures", "acl_access_denied_cmd", "Count"],
  ["KeyAuthorizationFailures", "acl_access_denied_key", "Count"],
  ["ChannelAuthorizationFailures", "acl_access_denied_channel", "Count"],
];

/** Memcached `stats` counters published as per-round deltas. */
const MEMCACHED_COUNTERS: Array<[metric: string, field: string, unit: StandardUnit]> = [
  ["CmdGet", "cmd_get", "Count"],
  ["CmdSet", "cmd_set", "Count"],
  ["CmdFlush", "cmd_flush", "Count"],
  ["CmdTouch", "cmd_touch", "Count"],
  ["GetHits", "get_hits", "Count"],
  ["GetMisses", "get_misses", "Count"],
  ["DeleteHits", "delete_hits", "Count"],
  ["DeleteMisses", "delete_misses", "Count"],
  ["IncrHits", "incr_hits", "Count"],
  ["IncrMisses", "incr_misses", "Count"],
  ["DecrHits", "decr_hits", "Count"],
  ["DecrMisses", "decr_misses", "Count"],
  ["TouchHits", "touch_hits", "Count"],
  ["TouchMisses", "touch_misses", "Count"],
  ["CasHits", "cas_hits", "Count"],
  ["CasMisses", "cas_misses", "Count"],
  ["CasBadval", "cas_badval", "Count"],
  ["Evictions", "evictions", "Count"],
  ["Reclaimed", "reclaimed", "Count"],
  ["EvictedUnfetched", "evicted_unfetched", "Count"],
  ["ExpiredUnfetched", "expired_unfetched", "Count"],
  ["SlabsMoved", "slabs_moved", "Count"],
  ["NewConnections", "total_connections", "Count"],
  ["NewItems", "total_items", "Count"],
  ["BytesReadIntoMemcached", "bytes_read", "Bytes"],
  ["BytesWrittenOutFromMemcached", "bytes_written", "Bytes"],
  ["NetworkBytesIn", "bytes_read", "Bytes"],
  ["NetworkBytesOut", "bytes_written", "Bytes"],
];

/** What the previous round saw of a node, to turn counters into deltas. */
export interface Previous {
  pid: number | undefined;
  at: number;
  counters: Map<string, number>;
  cpuSeconds?: number;
}

export interface NodeView {
  region: { accountId: string; region: string };
  cluster: CacheClusterRecord;
  nodeId: string;
  engine: EngineNode;
}

export class ElastiCacheNodeSource implements MetricSource {
  readonly name = "cache nodes";
  private previous = new Map<string, Previous>();
  /** The engine pid last seen per node, kept while the node is down, to count replacements. */
  private readonly lastPid = new Map<string, number>();
  /** ACL category -> command names, per engine binary (asked once with COMMAND). */
  private readonly categories = new Map<string, Promise<Map<string, Set<string>>>>();
  /** The size of COMMAND's reply per engine binary, about (as RESP), for sources that leave the sampler's own bytes out. */
  private readonly commandBytes = new Map<string, number>();
  /** Engine processes seen replaced under the same node (Prometheus: engine restarts). */
  restarts = 0;
  /** Nodes read in the latest round. */
  running = 0;

  constructor(private readonly deps: { store: Store; clusters: ClusterLifecycle; logger: Logger }) {}

  /** Forgets every node's previous values and pids (after a reset: new nodes of the same names are new). */
  forget(): void {
    this.previous.clear();
    this.lastPid.clear();
    this.running = 0;
  }

  /** Every running engine, with the region and cluster it serves. */
  nodes(): NodeView[] {
    const out: NodeView[] = [];
    for (const region of this.deps.store.allRegions()) {
      for (const cluster of region.clusters.values()) {
        for (const { nodeId, engine } of this.deps.clusters.runningEngines(cluster)) out.push({ region: region.key, cluster, nodeId, engine });
      }
    }
    return out;
  }

  async collect(now: number): Promise<ResourceSample[]> {
    const nodes = this.nodes();
    const seen = new Set<string>();
    const samples = await Promise.all(
      nodes.map(async (node) => {
        const key = `${node.region.accountId}/${node.region.region}/${node.cluster.id}/${node.nodeId}`;
        seen.add(key);
        try {
          return await this.sampleNode(key, node, now);
        } catch (error) {
          this.deps.logger.debug("metrics: node not read", { node: node.engine.spec.nodeName, error: String(error) });
          return undefined;
        }
      }),
    );
    for (const key of this.previous.keys()) if (!seen.has(key)) this.previous.delete(key);
    // A node that is down keeps its last pid; a node whose record is gone does not.
    const recorded = new Set<string>();
    for (const region of this.deps.store.allRegions()) {
      for (const cluster of region.clusters.values()) for (const n of cluster.nodes) recorded.add(`${region.key.accountId}/${region.key.region}/${cluster.id}/${n.id}`);
    }
    for (const key of this.lastPid.keys()) if (!recorded.has(key)) this.lastPid.delete(key);
    const read = samples.filter((s): s is ResourceSample => s !== undefined);
    this.running = read.length;
    return read;
  }

  private async sampleNode(key: string, node: NodeView, now: number): Promise<ResourceSample> {
    const { cluster, nodeId } = node;
    const { values } = await this.readEngine(this.previous, key, node.engine, cluster.engine === "memcached", now);
    // Online migration: the group's primary follows the user's source; 1 while its link is up (in sync).
    const group = cluster.member && this.deps.store.region(node.region).replicationGroups.get(cluster.member.replicationGroupId);
    if (group?.migration && group.nodeGroups[0]?.primaryClusterId === cluster.id) {
      const link = values.find((v) => v.name === "MasterLinkHealthStatus");
      if (link) values.push({ name: "PrimaryLinkHealthStatus", unit: "Count", value: link.value });
    }
    const clusterDims = [{ Name: "CacheClusterId", Value: cluster.id }];
    return {
      scope: node.region,
      namespace: ELASTICACHE_NAMESPACE,
      dimensionSets: [[...clusterDims, { Name: "CacheNodeId", Value: nodeId }], clusterDims],
      labels: {
        account: node.region.accountId,
        region: node.region.region,
        cache_cluster_id: cluster.id,
        cache_node_id: nodeId,
        ...(cluster.member ? { replication_group_id: cluster.member.replicationGroupId } : {}),
      },
      kind: "cache-node",
      engine: cluster.engine,
      values,
    };
  }

  /**
   * One engine's node-level metrics now (counters as deltas against `previous[key]`, which
   * is updated), with the INFO or stats fields they came from. Serverless caches read their
   * engines through this too, with their own `previous`.
   */
  async readEngine(
    previous: Map<string, Previous>,
    key: string,
    engine: EngineNode,
    memcached: boolean,
    now: number,
  ): Promise<{ values: MetricValue[]; fields: Record<string, string> }> {
    const pid = engine.pid;
    let prev = previous.get(key);
    if (prev && prev.pid !== pid) prev = undefined;
    const seenPid = this.lastPid.get(key);
    if (pid !== undefined && previous === this.previous) {
      if (seenPid !== undefined && seenPid !== pid) this.restarts++;
      this.lastPid.set(key, pid);
    }
    // The sampler's own connections to a Redis/Valkey node (INFO, and COMMAND once per engine version) are not a client's.
    const ownConnections = memcached ? 0 : 1 + (this.categories.has(categoryKey(engine)) ? 0 : 1);
    const categories = memcached ? undefined : this.categoriesOf(engine);
    const [fields, proc] = await Promise.all([
      memcached ? memcachedStats(engine.controlEndpoint ?? engine.endpoint, { timeoutMs: 2000 }) : categories!.then(() => this.redisInfo(engine)),
      pid === undefined ? Promise.resolve(undefined) : processStats(pid),
    ]);
    const counters = new Map<string, number>();
    const values: MetricValue[] = [];
    const gauge = (name: string, unit: StandardUnit, value: number | undefined) => {
      if (value !== undefined && Number.isFinite(value)) values.push({ name, unit, value });
    };
    const counter = (name: string, unit: StandardUnit, total: number | undefined, own = 0) => {
      if (total === undefined || !Number.isFinite(total)) return;
      counters.set(name, total);
      const before = prev?.counters.get(name);
      // A counter that went down belongs to a new engine: it counts from zero.
      const delta = before === undefined || before > total ? total : total - before;
      values.push({ name, unit, value: Math.max(0, delta - own), total });
    };
    const num = (field: string) => (fields[field] === undefined ? undefined : Number(fields[field]));
    const elapsed = prev ? (now - prev.at) / 1000 : undefined;

    // Host level, from the engine's process.
    if (proc) {
      if (prev?.cpuSeconds !== undefined && elapsed) gauge("CPUUtilization", "Percent", Math.min(100, ((proc.cpuSeconds - prev.cpuSeconds) / elapsed) * 100));
      const memory = engine.spec.maxMemoryBytes ?? os.totalmem();
      gauge("FreeableMemory", "Bytes", Math.max(0, memory - proc.rssBytes));
      gauge("SwapUsage", "Bytes", proc.swapBytes);
    }

    if (memcached) {
      for (const [metric, field, unit] of MEMCACHED_COUNTERS) counter(metric, unit, num(field));
      gauge("CurrItems", "Count", num("curr_items"));
      gauge("CurrConnections", "Count", num("curr_connections"));
      gauge("BytesUsedForCacheItems", "Bytes", num("bytes"));
      gauge("BytesUsedForHash", "Bytes", num("hash_bytes"));
      const limit = num("limit_maxbytes");
      const bytes = num("bytes");
      if (limit !== undefined && bytes !== undefined) gauge("UnusedMemory", "Bytes", Math.max(0, limit - bytes));
    } else {
      for (const [metric, field, unit] of REDIS_COUNTERS) counter(metric, unit, num(field));
      counter("NewConnections", "Count", num("total_connections_received"), ownConnections);
      gauge("CurrConnections", "Count", Math.max(0, (num("connected_clients") ?? 1) - 1));
      const used = num("used_memory");
      const max = num("maxmemory");
      gauge("BytesUsedForCache", "Bytes", used);
      if (used !== undefined && max) {
        gauge("DatabaseMemoryUsagePercentage", "Percent", (used / max) * 100);
        gauge("DatabaseMemoryUsageCountedForEvictPercentage", "Percent", ((used - (num("mem_not_counted_for_evict") ?? 0)) / max) * 100);
      }
      gauge("MemoryFragmentationRatio", "None", num("mem_fragmentation_ratio"));
      gauge("SaveInProgress", "Count", num("rdb_bgsave_in_progress"));
      gauge("KeysTracked", "Count", num("tracking_total_keys"));
      let items = 0;
      let volatile = 0;
      for (const [field, value] of Object.entries(fields)) {
        if (!/^db\d+$/.test(field)) continue;
        const m = /keys=(\d+),expires=(\d+)(?:,avg_ttl=(\d+))?/.exec(value);
        if (!m) continue;
        items += Number(m[1]);
        volatile += Number(m[2]);
        if (field === "db0" && m[3] !== undefined) gauge("DB0AverageTTL", "Milliseconds", Number(m[3]));
      }
      gauge("CurrItems", "Count", items);
      gauge("CurrVolatileItems", "Count", volatile);
      const hits = values.find((v) => v.name === "CacheHits")?.value ?? 0;
      const misses = values.find((v) => v.name === "CacheMisses")?.value ?? 0;
      gauge("CacheHitRate", "Percent", hits + misses === 0 ? 0 : (hits / (hits + misses)) * 100);
      const cpu = (num("used_cpu_sys") ?? NaN) + (num("used_cpu_user") ?? NaN);
      counters.set("engine_cpu", cpu);
      const cpuBefore = prev?.counters.get("engine_cpu");
      if (cpuBefore !== undefined && elapsed) gauge("EngineCPUUtilization", "Percent", Math.min(100, ((cpu - cpuBefore) / elapsed) * 100));

      const primary = fields.role === "master";
      gauge("IsMaster", "Count", primary ? 1 : 0);
      if (primary) {
        if ((num("connected_slaves") ?? 0) > 0) counter("ReplicationBytes", "Bytes", num("master_repl_offset"));
      } else {
        const up = fields.master_link_status === "up";
        gauge("MasterLinkHealthStatus", "Count", up ? 1 : 0);
        gauge("ReplicationLag", "Seconds", up ? 0 : (num("master_link_down_since_seconds") ?? 0));
      }
      this.commandGroups(await categories!, fields, prev, counters, values);
    }

    previous.set(key, { pid, at: now, counters, cpuSeconds: proc?.cpuSeconds });
    return { values, fields };
  }

  /** The INFO sections the metrics come from (not latencystats and errorstats, the longest); `INFO all` where sections cannot be named together (before Redis 7). */
  private async redisInfo(engine: EngineNode): Promise<Record<string, string>> {
    try {
      const fields = parseInfo(String(await admin(engine, ["INFO", ...INFO_SECTIONS], { timeoutMs: 2000 })));
      // An engine that answers only the first section named (the embedded one) is asked for all.
      if (fields.used_memory !== undefined) return fields;
    } catch {
      // Sections cannot be named together before Redis 7.
    }
    return parseInfo(String(await admin(engine, ["INFO", "all"], { timeoutMs: 2000 })));
  }

  /** `<Group>Cmds` (Σ Δcalls) and `<Group>CmdsLatency` (Δusec / Δcalls) from `INFO commandstats`. */
  private commandGroups(
    byCategory: Map<string, Set<string>>,
    fields: Record<string, string>,
    prev: Previous | undefined,
    counters: Map<string, number>,
    values: MetricValue[],
  ): void {
    const calls = new Map<string, number>();
    const usec = new Map<string, number>();
    for (const [field, value] of Object.entries(fields)) {
      if (!field.startsWith("cmdstat_")) continue;
      const name = field.slice("cmdstat_".length);
      const m = /calls=(\d+),usec=(\d+)/.exec(value);
      if (!m) continue;
      const base = name.split("|")[0]!;
      const groups = COMMAND_GROUPS.filter(([, category]) => byCategory.get(category)?.has(base)).map(([metric]) => metric);
      if (base === "cluster") groups.push("ClusterBasedCmds");
      for (const group of groups) {
        calls.set(group, (calls.get(group) ?? 0) + Number(m[1]));
        usec.set(group, (usec.get(group) ?? 0) + Number(m[2]));
      }
    }
    for (const [group] of [...COMMAND_GROUPS, ["ClusterBasedCmds"]]) {
      const total = calls.get(group!) ?? 0;
      const totalUsec = usec.get(group!) ?? 0;
      const before = prev?.counters.get(group!);
      const beforeUsec = prev?.counters.get(`${group}Latency`);
      const fresh = before === undefined || before > total;
      const delta = fresh ? total : total - before;
      const deltaUsec = fresh || beforeUsec === undefined ? totalUsec : totalUsec - beforeUsec;
      counters.set(group!, total);
      counters.set(`${group}Latency`, totalUsec);
      values.push({ name: group!, unit: "Count", value: delta, total });
      if (delta > 0) values.push({ name: `${group}Latency`, unit: "Microseconds", value: deltaUsec / delta });
    }
  }

  /** About how many bytes the sampler's COMMAND to an engine of this binary took (request and reply), once asked. */
  commandReplyBytes(engine: EngineNode): number {
    return (this.commandBytes.get(categoryKey(engine)) ?? 0) + 64;
  }

  /** The engine's commands by ACL category (`COMMAND`), once per engine binary. */
  private categoriesOf(engine: EngineNode): Promise<Map<string, Set<string>>> {
    const key = categoryKey(engine);
    let known = this.categories.get(key);
    if (!known) {
      known = admin(engine, ["COMMAND"], { timeoutMs: 5000 }).then(
        (reply) => {
          this.commandBytes.set(key, respLength(reply));
          const map = new Map<string, Set<string>>();
          for (const entry of Array.isArray(reply) ? reply : []) {
            if (!Array.isArray(entry)) continue;
            const name = String(entry[0]).toLowerCase();
            const cats = Array.isArray(entry[6]) ? entry[6] : [];
            for (const cat of cats) {
              const category = String(cat).replace(/^@/, "");
              let set = map.get(category);
              if (!set) map.set(category, (set = new Set()));
              set.add(name);
            }
          }
          return map;
        },
        () => {
          this.categories.delete(key);
          return new Map<string, Set<string>>();
        },
      );
      this.categories.set(key, known);
    }
    return known;
  }
}

/** The length of a reply as RESP2 sends it (strings as bulk strings). */
function respLength(value: unknown): number {
  if (Array.isArray(value)) return `*${value.length}\r\n`.length + value.reduce((sum: number, v) => sum + respLength(v), 0);
  if (typeof value === "number") return `:${value}\r\n`.length;
  if (value === null || value === undefined) return 5;
  const bytes = Buffer.byteLength(String(value));
  return `$${bytes}\r\n`.length + bytes + 2;
}

function categoryKey(engine: EngineNode): string {
  return `${engine.spec.engine}/${engine.spec.engineVersion}`;
}
