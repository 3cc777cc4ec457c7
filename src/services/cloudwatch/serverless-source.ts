/**
 * The `AWS/ElastiCache` metrics of every serverless cache, published as AWS does under the one
 * dimension `clusterId` = the cache's name (../shared/reference §7.5), read from its real
 * engine: the primary's INFO for Valkey/Redis (the engine behind the Endpoint; the replica
 * behind the ReaderEndpoint serves no metrics of its own, as AWS publishes none per node), the
 * memcached process's `stats` for Memcached. The node-level reading (ElastiCacheNodeSource)
 * is shared; only the names AWS lists for serverless caches are published, plus:
 *
 * - `ElastiCacheProcessingUnits` (ECPUs): AWS charges one ECPU per simple command per KiB
 *   transferred. Approximated per round as max(commands, ⌈(bytes in + bytes out) / 1024⌉),
 *   commands being every client command the engine ran (the emulator's own upkeep,
 *   replication between the two engines and the sampler's INFO and COMMAND left out). `<Group>CmdsECPUs` share the round's ECPUs by their commands.
 * - `TotalCmdsCount`: those commands.
 * - `ThrottledCmds`: the commands the cache's ECPUPerSecond limit made wait at its
 *   Endpoint and ReaderEndpoint (endpoints/ecpu-throttle.ts, whose `ecpusFor` is the ECPU
 *   definition used here too).
 * - `SuccessfulReadRequestLatency` / `SuccessfulWriteRequestLatency`: the engine's time per
 *   read / write command (INFO commandstats), not the round trip AWS measures at its proxy.
 */
import type { StandardUnit } from "../../generated/cloudwatch.js";
import type { EngineNode } from "../../engines/engine.js";
import { RESTRICTED_COMMANDS, SERVERLESS_CLUSTER_SUBCOMMANDS, SERVERLESS_RESTRICTED_COMMANDS } from "../../engines/restricted.js";
import type { Logger } from "../../logger.js";
import { ecpusFor } from "../../endpoints/ecpu-throttle.js";
import type { ServerlessCacheRecord } from "../../state/records.js";
import type { Store } from "../../state/store.js";
import { ELASTICACHE_NAMESPACE, type ElastiCacheNodeSource, type Previous } from "./elasticache-source.js";
import type { MetricSource, MetricValue, ResourceSample } from "./sampler.js";

/** What the source needs of the serverless lifecycle. */
export interface ServerlessEngines {
  /** The cache's running engines, primary first. */
  engines(cache: ServerlessCacheRecord): EngineNode[];
  /** Commands that waited for the cache's ECPUPerSecond limit, a running total. */
  throttledCmds(cache: ServerlessCacheRecord): number;
}

/** Valkey/Redis serverless metrics taken as the node reading names them. */
const REDIS_SERVERLESS = new Set([
  "BytesUsedForCache",
  "CacheHits",
  "CacheMisses",
  "CacheHitRate",
  "CurrConnections",
  "NewConnections",
  "CurrItems",
  "CurrVolatileItems",
  "NetworkBytesIn",
  "NetworkBytesOut",
  "Evictions",
  "Reclaimed",
  "KeyAuthorizationFailures",
  "AuthenticationFailures",
  "CommandAuthorizationFailures",
]);

/** The command groups AWS publishes for serverless Valkey/Redis (`<Group>Cmds`, `<Group>CmdsECPUs`). */
const REDIS_GROUPS = [
  "EvalBasedCmds",
  "GetTypeCmds",
  "HashBasedCmds",
  "JsonBasedCmds",
  "KeyBasedCmds",
  "ListBasedCmds",
  "SetBasedCmds",
  "SetTypeCmds",
  "StringBasedCmds",
  "PubSubBasedCmds",
  "SortedSetBasedCmds",
  "StreamBasedCmds",
  "GeoSpatialBasedCmds",
];

/** Memcached serverless metrics (AWS's complete list) taken as the node reading names them. */
const MEMCACHED_SERVERLESS = new Set([
  "CurrConnections",
  "NewConnections",
  "CurrItems",
  "NetworkBytesIn",
  "NetworkBytesOut",
  "Evictions",
  "Reclaimed",
  "CmdGet",
  "CmdSet",
  "CmdTouch",
  "CmdFlush",
  "GetHits",
  "GetMisses",
  "IncrHits",
  "IncrMisses",
  "DecrHits",
  "DecrMisses",
  "DeleteHits",
  "DeleteMisses",
  "TouchHits",
  "TouchMisses",
  "CasHits",
  "CasMisses",
  "CasBadval",
]);

/**
 * Whether a `cmdstat_` entry is the emulator's own work on the cache rather than a client's:
 * what a serverless cache refuses to clients (so only the emulator runs it: CONFIG, ACL
 * SETUSER, CLUSTER ADDSLOTS..., replication's REPLCONF and PSYNC) and COMMAND (the sampler's,
 * and COMMAND INFO the lifecycle asks when it applies the serverless refusals).
 */
function emulatorOwn(name: string): boolean {
  const [base, sub] = name.split("|") as [string, string | undefined];
  if (base === "replconf" || base === "command") return true;
  if ((RESTRICTED_COMMANDS as readonly string[]).includes(base)) return true;
  if ((SERVERLESS_RESTRICTED_COMMANDS as readonly string[]).includes(name)) return true;
  return base === "cluster" && sub !== undefined && !(SERVERLESS_CLUSTER_SUBCOMMANDS as readonly string[]).includes(sub);
}

function callsOf(stat: string | undefined): number {
  return Number(/calls=(\d+)/.exec(stat ?? "")?.[1] ?? 0);
}

/** The sampler's INFO request and its reply's section headers, about. */
const INFO_REQUEST_BYTES = 256;

/** Memcached `stats` counters whose sum is the commands a client ran. */
const MEMCACHED_COMMANDS = ["cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "incr_hits", "incr_misses", "decr_hits", "decr_misses", "delete_hits", "delete_misses"];

export class ServerlessCacheSource implements MetricSource {
  readonly name = "serverless caches";
  private readonly previous = new Map<string, Previous>();
  /** Per cache: the engine pid and the running totals (commands, read/write usec) of the previous round. */
  private readonly totals = new Map<string, { pid: number | undefined; reads: number; ownBytes: number; ecpus: number; throttled: number; commandStat?: string; values: Map<string, number> }>();

  constructor(private readonly deps: { store: Store; serverless: ServerlessEngines; nodes: ElastiCacheNodeSource; logger: Logger }) {}

  forget(): void {
    this.previous.clear();
    this.totals.clear();
  }

  async collect(now: number): Promise<ResourceSample[]> {
    const seen = new Set<string>();
    const samples: Array<Promise<ResourceSample | undefined>> = [];
    for (const region of this.deps.store.allRegions()) {
      for (const cache of region.serverlessCaches.values()) {
        const engines = this.deps.serverless.engines(cache);
        if (engines.length === 0 || cache.status === "creating" || cache.status === "deleting") continue;
        const key = `serverless/${region.key.accountId}/${region.key.region}/${cache.name}`;
        seen.add(key);
        samples.push(
          this.sample(key, region.key, cache, engines, now).catch((error: unknown) => {
            this.deps.logger.debug("metrics: serverless cache not read", { cache: cache.name, error: String(error) });
            return undefined;
          }),
        );
      }
    }
    const read = (await Promise.all(samples)).filter((s): s is ResourceSample => s !== undefined);
    for (const key of [...this.previous.keys(), ...this.totals.keys()]) {
      if (!seen.has(key)) {
        this.previous.delete(key);
        this.totals.delete(key);
      }
    }
    return read;
  }

  private async sample(key: string, scope: { accountId: string; region: string }, cache: ServerlessCacheRecord, engines: EngineNode[], now: number): Promise<ResourceSample> {
    const memcached = cache.engine === "memcached";
    // The primary serves the Endpoint; after a failover inside the cache it may be the second engine.
    let engine = engines[0]!;
    let read = await this.deps.nodes.readEngine(this.previous, key, engine, memcached, now);
    if (!memcached && read.fields.role !== "master" && engines[1]) {
      engine = engines[1];
      read = await this.deps.nodes.readEngine(this.previous, key, engine, memcached, now);
    }
    const { fields } = read;
    const wanted = memcached ? MEMCACHED_SERVERLESS : new Set([...REDIS_SERVERLESS, ...REDIS_GROUPS]);
    const values: MetricValue[] = read.values.filter((v) => wanted.has(v.name));
    const num = (field: string) => Number(fields[field] ?? 0);

    // Running totals of the commands clients ran, and (Redis) the engine time of reads and writes.
    const totalsNow = new Map<string, number>();
    if (memcached) {
      totalsNow.set("commands", MEMCACHED_COMMANDS.reduce((sum, field) => sum + num(field), 0));
      totalsNow.set("bytes", num("bytes_read") + num("bytes_written"));
    } else {
      let commands = 0;
      for (const [field, value] of Object.entries(fields)) {
        if (!field.startsWith("cmdstat_")) continue;
        if (!emulatorOwn(field.slice("cmdstat_".length))) commands += callsOf(value);
      }
      totalsNow.set("commands", commands);
      totalsNow.set("bytes", num("total_net_input_bytes") + num("total_net_output_bytes"));
    }
    const before = this.totals.get(key);
    const fresh = !before || before.pid !== engine.pid;
    // The sampler's own: an AUTH and an INFO per read, this one's AUTH included (its INFO is not counted yet),
    // and an AUTH before each COMMAND it sent (COMMAND itself is left out by name).
    const reads = fresh ? 0 : before.reads;
    if (!memcached) totalsNow.set("commands", totalsNow.get("commands")! - (2 * reads + 1) - callsOf(fields.cmdstat_command));
    const delta = (name: string) => {
      const total = totalsNow.get(name) ?? 0;
      const prev = fresh ? undefined : before.values.get(name);
      return prev === undefined || prev > total ? total : total - prev;
    };
    const commands = Math.max(0, delta("commands"));
    const ownBytes = (fresh ? 0 : before.ownBytes) + INFO_REQUEST_BYTES + Object.entries(fields).reduce((sum, [k, v]) => sum + k.length + v.length + (memcached ? 7 : 3), 0);
    const throttledTotal = this.deps.serverless.throttledCmds(cache);
    const throttledBefore = before?.throttled ?? 0;
    this.totals.set(key, { pid: engine.pid, reads: reads + 1, ownBytes, ecpus: 0, throttled: throttledTotal, commandStat: fields.cmdstat_command, values: totalsNow });
    // Nor is a COMMAND the sampler asked this engine (once per engine version, its reply ~100 KiB).
    const askedCommand = callsOf(fields.cmdstat_command) > (fresh ? 0 : callsOf(before.commandStat));
    const bytes = Math.max(0, delta("bytes") - (askedCommand ? this.deps.nodes.commandReplyBytes(engine) : 0));
    const ecpus = ecpusFor(commands, bytes);
    const push = (name: string, unit: StandardUnit, value: number, total?: number) => values.push({ name, unit, value, ...(total === undefined ? {} : { total }) });
    push("TotalCmdsCount", "Count", commands, totalsNow.get("commands"));
    const ecpuTotal = (fresh ? 0 : before.ecpus) + ecpus;
    this.totals.get(key)!.ecpus = ecpuTotal;
    push("ElastiCacheProcessingUnits", "Count", ecpus, ecpuTotal);
    push("ThrottledCmds", "Count", throttledTotal >= throttledBefore ? throttledTotal - throttledBefore : throttledTotal, throttledTotal);
    if (memcached) {
      push("BytesUsedForCache", "Bytes", num("bytes"));
    } else {
      const perCommand = commands === 0 ? 0 : ecpus / commands;
      for (const group of REDIS_GROUPS) {
        const v = values.find((x) => x.name === group);
        if (v) push(`${group}ECPUs`, "Count", v.value * perCommand);
      }
      const latency = (metric: string, group: string) => {
        const l = read.values.find((x) => x.name === `${group}Latency`);
        if (l) push(metric, "Microseconds", l.value);
      };
      latency("SuccessfulReadRequestLatency", "GetTypeCmds");
      latency("SuccessfulWriteRequestLatency", "SetTypeCmds");
    }
    return {
      scope,
      namespace: ELASTICACHE_NAMESPACE,
      dimensionSets: [[{ Name: "clusterId", Value: cache.name }]],
      labels: { account: scope.accountId, region: scope.region, serverless_cache: cache.name },
      kind: "serverless-cache",
      engine: cache.engine,
      values,
    };
  }
}
