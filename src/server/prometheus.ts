/**
 * `GET /_emulator/metrics`: the latest sampling round in the Prometheus text exposition format
 * (0.0.4), written by prom-client from a registry of this emulator's own (never prom-client's
 * global one, so two emulators in one process do not mix). Every AWS/ElastiCache metric is a
 * family `elasticache_<snake_case_name>` labelled by account, region, cache_cluster_id,
 * cache_node_id, replication_group_id (members) or serverless_cache, and engine: gauges as they
 * are, counters as `_total` running totals since the engine started (what rate() wants), not
 * CloudWatch's per-period deltas. Then the emulator's own: API requests by service, action and
 * status, engines running, engine restarts, sampling rounds, alarms by state, and the process's
 * CPU and memory.
 *
 * Values are not copied into prom-client as they change: each metric's collect() reads the
 * sampler's latest round (or the alarm store, or the process) when it is scraped. Only the API
 * request counter is prom-client's own, incremented as answers go out.
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { Monitoring } from "../services/cloudwatch/monitoring.js";
import type { ResourceSample } from "../services/cloudwatch/sampler.js";
import type { AlarmStore } from "../services/cloudwatch/index.js";

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** `CacheHits` -> `cache_hits`, `CPUUtilization` -> `cpu_utilization`, `DB0AverageTTL` -> `db0_average_ttl`, `ElastiCacheProcessingUnits` -> `processing_units`, `GetTypeCmdsECPUs` -> `get_type_cmds_ecpus`. */
export function snakeCase(name: string): string {
  return name
    .replace(/^ElastiCache/, "")
    .replace(/ECPUs$/, "Ecpus")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** One engine metric family as the latest round names it: its type, help, and the labels its samples carry. */
interface EngineFamily {
  metricName: string;
  type: "gauge" | "counter";
  help: string;
  labelNames: Set<string>;
}

/** The families of one round, keyed by their Prometheus name. */
function engineFamilies(samples: readonly ResourceSample[]): Map<string, EngineFamily> {
  const families = new Map<string, EngineFamily>();
  for (const sample of samples) {
    for (const v of sample.values) {
      const counter = v.total !== undefined;
      const name = `elasticache_${snakeCase(v.name)}${counter ? "_total" : ""}`;
      let family = families.get(name);
      if (!family) {
        const help = counter ? `${sample.namespace} ${v.name} (${v.unit}), running total since the engine started` : `${sample.namespace} ${v.name} (${v.unit})`;
        families.set(name, (family = { metricName: v.name, type: counter ? "counter" : "gauge", help, labelNames: new Set() }));
      }
      for (const label of Object.keys(sample.labels)) family.labelNames.add(label);
      family.labelNames.add("engine");
    }
  }
  return families;
}

export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly apiRequests: Counter<"service" | "action" | "status">;
  /** The engine families registered now, with the labels each was made with. */
  private readonly engine = new Map<string, { metric: Gauge | Counter; type: "gauge" | "counter"; labelNames: Set<string> }>();

  constructor(private readonly deps: { monitoring: () => Monitoring | undefined; alarms: AlarmStore }) {
    const registers = [this.registry];
    const monitoring = deps.monitoring;
    this.apiRequests = new Counter({
      name: "elasticache_local_api_requests_total",
      help: "API requests answered, by service, action and HTTP status",
      labelNames: ["service", "action", "status"],
      registers,
    });
    new Gauge({
      name: "elasticache_local_engines_running",
      help: "Engine processes read in the latest sampling round",
      registers,
      collect() {
        this.set(monitoring()?.nodes.running ?? 0);
      },
    });
    new Counter({
      name: "elasticache_local_engine_restarts_total",
      help: "Engine processes found replaced under the same cache node",
      registers,
      collect() {
        this.reset();
        this.inc(monitoring()?.nodes.restarts ?? 0);
      },
    });
    new Counter({
      name: "elasticache_local_metrics_rounds_total",
      help: "Metrics sampling rounds done",
      registers,
      collect() {
        this.reset();
        this.inc(monitoring()?.sampler.rounds ?? 0);
      },
    });
    new Gauge({
      name: "elasticache_local_metrics_round_seconds",
      help: "Duration of the latest sampling round",
      registers,
      collect() {
        this.set((monitoring()?.sampler.lastRoundMs ?? 0) / 1000);
      },
    });
    const alarms = deps.alarms;
    new Gauge({
      name: "elasticache_local_alarms",
      help: "CloudWatch alarms by state",
      labelNames: ["state"],
      registers,
      collect() {
        const states = { OK: 0, ALARM: 0, INSUFFICIENT_DATA: 0 };
        for (const region of alarms.allRegions()) for (const r of region.all()) if (r.alarm.StateValue) states[r.alarm.StateValue]++;
        for (const [state, count] of Object.entries(states)) this.set({ state }, count);
      },
    });
    new Counter({
      name: "process_cpu_seconds_total",
      help: "Total user and system CPU time spent in seconds",
      registers,
      collect() {
        const cpu = process.cpuUsage();
        this.reset();
        this.inc((cpu.user + cpu.system) / 1e6);
      },
    });
    new Gauge({
      name: "process_resident_memory_bytes",
      help: "Resident memory size in bytes",
      registers,
      collect() {
        this.set(process.memoryUsage().rss);
      },
    });
  }

  /** One API answer, counted by service, action and status. */
  recordAnswer(service: string, action: string, status: number): void {
    this.apiRequests.inc({ service, action, status: String(status) });
  }

  /** The text a scrape gets. */
  async scrape(): Promise<string> {
    this.syncEngineFamilies();
    return this.registry.metrics();
  }

  /**
   * Registers a metric for each family of the latest round that has none (or whose labels grew),
   * and drops the families the round no longer has, so the page names what the round holds.
   */
  private syncEngineFamilies(): void {
    const samples = this.deps.monitoring()?.sampler.latest() ?? [];
    const families = engineFamilies(samples);
    for (const [name, known] of this.engine) {
      const now = families.get(name);
      if (now && now.type === known.type && [...now.labelNames].every((l) => known.labelNames.has(l))) continue;
      this.registry.removeSingleMetric(name);
      this.engine.delete(name);
    }
    for (const [name, family] of families) {
      if (this.engine.has(name)) continue;
      const monitoring = this.deps.monitoring;
      const { metricName } = family;
      const each = (visit: (labels: Record<string, string>, value: number) => void) => {
        for (const sample of monitoring()?.sampler.latest() ?? []) {
          for (const v of sample.values) {
            if (v.name !== metricName || (v.total !== undefined) !== (family.type === "counter")) continue;
            visit({ ...sample.labels, engine: sample.engine }, v.total ?? v.value);
          }
        }
      };
      const config = { name, help: family.help, labelNames: [...family.labelNames], registers: [this.registry] };
      const metric =
        family.type === "counter"
          ? new Counter({
              ...config,
              collect() {
                this.reset();
                each((labels, value) => this.inc(labels, value));
              },
            })
          : new Gauge({
              ...config,
              collect() {
                this.reset();
                each((labels, value) => this.set(labels, value));
              },
            });
      this.engine.set(name, { metric, type: family.type, labelNames: family.labelNames });
    }
  }
}
