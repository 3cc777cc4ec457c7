/**
 * The dashboard's data, `GET /_emulator/dashboard.json`: every resource with its status,
 * engine and endpoints (cache clusters, replication groups with each node's role, serverless
 * caches), recent events, alarms and their states, and a short history per cache cluster and
 * serverless cache (operations/s, memory, connections, hit rate) kept from the sampler's
 * rounds. The page itself (dashboard-page.ts) polls it.
 */
import type { ResourceSample } from "../services/cloudwatch/sampler.js";
import type { AlarmStore } from "../services/cloudwatch/index.js";
import type { Store } from "../state/store.js";

/** Points kept per cluster for the charts. */
const HISTORY_POINTS = 120;

export interface ChartPoint {
  t: number;
  /** Commands per second over the round (Redis: reads + writes; Memcached: get + set + touch + flush; serverless: every command). */
  ops: number;
  memoryBytes: number;
  connections: number;
  /** Percent; undefined when there was no read in the round. */
  hitRate?: number;
}

const OPS_METRICS = new Set(["GetTypeCmds", "SetTypeCmds", "CmdGet", "CmdSet", "CmdTouch", "CmdFlush"]);
/** A serverless cache counts every command (TotalCmdsCount) rather than the groups above. */
const SERVERLESS_OPS_METRICS = new Set(["TotalCmdsCount"]);

export class DashboardHistory {
  private readonly byCluster = new Map<string, ChartPoint[]>();
  private lastAt: number | undefined;

  /** One sampling round: the values of each cluster's nodes, summed. */
  record(now: number, samples: readonly ResourceSample[]): void {
    const seconds = this.lastAt === undefined ? undefined : (now - this.lastAt) / 1000;
    this.lastAt = now;
    const points = new Map<string, ChartPoint & { hits: number; misses: number }>();
    for (const sample of samples) {
      const id = `${sample.scope.accountId}/${sample.scope.region}/${sample.labels.cache_cluster_id ?? `serverless/${sample.labels.serverless_cache}`}`;
      let p = points.get(id);
      if (!p) points.set(id, (p = { t: now, ops: 0, memoryBytes: 0, connections: 0, hits: 0, misses: 0 }));
      const ops = sample.kind === "serverless-cache" ? SERVERLESS_OPS_METRICS : OPS_METRICS;
      for (const v of sample.values) {
        if (ops.has(v.name)) p.ops += v.value;
        else if (v.name === "BytesUsedForCache" || v.name === "BytesUsedForCacheItems") p.memoryBytes += v.value;
        else if (v.name === "CurrConnections") p.connections += v.value;
        else if (v.name === "CacheHits" || v.name === "GetHits") p.hits += v.value;
        else if (v.name === "CacheMisses" || v.name === "GetMisses") p.misses += v.value;
      }
    }
    for (const [id, p] of points) {
      const { hits, misses, ...point } = p;
      const chartPoint: ChartPoint = { ...point, ops: seconds ? point.ops / seconds : 0, ...(hits + misses > 0 ? { hitRate: (hits / (hits + misses)) * 100 } : {}) };
      let list = this.byCluster.get(id);
      if (!list) this.byCluster.set(id, (list = []));
      list.push(chartPoint);
      if (list.length > HISTORY_POINTS) list.splice(0, list.length - HISTORY_POINTS);
    }
    for (const id of this.byCluster.keys()) if (!points.has(id)) this.byCluster.delete(id);
  }

  of(accountId: string, region: string, id: string): ChartPoint[] {
    return this.byCluster.get(`${accountId}/${region}/${id}`) ?? [];
  }

  clear(): void {
    this.byCluster.clear();
  }
}

export function dashboardData(deps: {
  store: Store;
  alarms: AlarmStore;
  history: DashboardHistory;
  advertisedHost: string;
  intervalMs: number;
  /** The active faults (GET /_emulator/faults). */
  faults?: () => unknown[];
  /** Every engine process (GET /_emulator/nodes), for the node fault buttons. */
  nodes?: () => unknown[];
}): unknown {
  const { store, alarms, history, advertisedHost: host } = deps;
  const regions = store.allRegions().map((region) => {
    const { accountId, region: name } = region.key;
    const clusters = [...region.clusters.values()].map((c) => ({
      id: c.id,
      status: c.status,
      engine: c.engine,
      engineVersion: c.engineVersion,
      nodeType: c.cacheNodeType,
      replicationGroupId: c.member?.replicationGroupId,
      role: c.member?.role,
      configurationEndpoint: c.configurationEndpointPort ? `${host}:${c.configurationEndpointPort}` : undefined,
      nodes: c.nodes.map((n) => ({ id: n.id, status: n.status, endpoint: `${host}:${n.port}` })),
      chart: history.of(accountId, name, c.id),
    }));
    const groups = [...region.replicationGroups.values()].map((g) => ({
      id: g.id,
      status: g.status,
      engine: g.engine,
      clusterMode: g.clusterMode,
      primaryEndpoint: g.endpoints.primary ? `${host}:${g.endpoints.primary}` : undefined,
      readerEndpoint: g.endpoints.reader ? `${host}:${g.endpoints.reader}` : undefined,
      configurationEndpoint: g.endpoints.configuration ? `${host}:${g.endpoints.configuration}` : undefined,
      members: clusters.filter((c) => c.replicationGroupId === g.id).map((c) => ({ id: c.id, role: c.role, status: c.status })),
    }));
    const events = region.events.slice(-20).map((e) => ({ date: e.date.toISOString(), source: e.sourceIdentifier, type: e.sourceType, message: e.message }));
    const regionAlarms = alarms
      .region(region.key)
      .all()
      .map((r) => ({
        name: r.alarm.AlarmName,
        state: r.alarm.StateValue,
        reason: r.alarm.StateReason,
        metric: r.type === "MetricAlarm" ? `${r.alarm.Namespace} ${r.alarm.MetricName}` : "composite",
        updated: r.alarm.StateUpdatedTimestamp?.toISOString(),
      }));
    const serverlessCaches = [...region.serverlessCaches.values()].map((c) => ({
      id: c.name,
      status: c.status,
      engine: c.engine,
      engineVersion: c.fullEngineVersion,
      endpoint: c.port ? `${host}:${c.port}` : undefined,
      readerEndpoint: c.port && c.engine !== "memcached" ? `${host}:${c.port + 1}` : undefined,
      chart: history.of(accountId, name, `serverless/${c.name}`),
    }));
    return { accountId, region: name, clusters, replicationGroups: groups, serverlessCaches, events, alarms: regionAlarms };
  });
  // Alarms of a region with no ElastiCache resource are shown too.
  for (const a of alarms.allRegions()) {
    if (regions.some((r) => r.accountId === a.scope.accountId && r.region === a.scope.region) || a.size === 0) continue;
    regions.push({
      accountId: a.scope.accountId,
      region: a.scope.region,
      clusters: [],
      replicationGroups: [],
      serverlessCaches: [],
      events: [],
      alarms: a.all().map((r) => ({ name: r.alarm.AlarmName, state: r.alarm.StateValue, reason: r.alarm.StateReason, metric: r.type === "MetricAlarm" ? `${r.alarm.Namespace} ${r.alarm.MetricName}` : "composite", updated: r.alarm.StateUpdatedTimestamp?.toISOString() })),
    });
  }
  return { now: new Date().toISOString(), intervalMs: deps.intervalMs, regions, faults: deps.faults?.() ?? [], nodes: deps.nodes?.() ?? [] };
}
