/**
 * `GET /_emulator/metrics`: the latest sampling round in the Prometheus text exposition format
 * (0.0.4). Every AWS/ElastiCache metric is a family `elasticache_<snake_case_name>` labelled by
 * account, region, cache_cluster_id, cache_node_id, replication_group_id (members) or
 * serverless_cache, and engine: gauges as they are, counters as `_total` running totals since
 * the engine started (what rate() wants), not CloudWatch's per-period deltas. Then the
 * emulator's own: API requests by service, action and status, engines running, engine
 * restarts, sampling rounds, alarms by state, and the process's CPU and memory.
 */
import type { Monitoring } from "../services/cloudwatch/monitoring.js";
import type { AlarmStore } from "../services/cloudwatch/index.js";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** API answers counted by service, action and status. */
export class ApiCounters {
  private readonly counts = new Map<string, number>();

  record(service: string, action: string, status: number): void {
    const key = JSON.stringify([service, action, String(status)]);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  entries(): Array<{ service: string; action: string; status: string; count: number }> {
    return [...this.counts].map(([key, count]) => {
      const [service, action, status] = JSON.parse(key) as [string, string, string];
      return { service, action, status, count };
    });
  }
}

/** `CacheHits` -> `cache_hits`, `CPUUtilization` -> `cpu_utilization`, `DB0AverageTTL` -> `db0_average_ttl`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function num(value: number): string {
  return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
}

export function renderPrometheus(deps: { monitoring: Monitoring; alarms: AlarmStore; api: ApiCounters }): string {
  const { monitoring, alarms, api } = deps;
  const families = new Map<string, { type: "gauge" | "counter"; help: string; lines: string[] }>();
  const family = (name: string, type: "gauge" | "counter", help: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { type, help, lines: [] }));
    return f;
  };
  for (const sample of monitoring.sampler.latest()) {
    const labels = { ...sample.labels, engine: sample.engine };
    for (const v of sample.values) {
      const base = `elasticache_${snakeCase(v.name)}`;
      if (v.total !== undefined) family(`${base}_total`, "counter", `${sample.namespace} ${v.name} (${v.unit}), running total since the engine started`).lines.push(`${base}_total${labelText(labels)} ${num(v.total)}`);
      else family(base, "gauge", `${sample.namespace} ${v.name} (${v.unit})`).lines.push(`${base}${labelText(labels)} ${num(v.value)}`);
    }
  }
  const requests = family("elasticache_local_api_requests_total", "counter", "API requests answered, by service, action and HTTP status");
  for (const e of api.entries()) requests.lines.push(`elasticache_local_api_requests_total${labelText({ service: e.service, action: e.action, status: e.status })} ${e.count}`);
  family("elasticache_local_engines_running", "gauge", "Engine processes read in the latest sampling round").lines.push(`elasticache_local_engines_running ${monitoring.nodes.running}`);
  family("elasticache_local_engine_restarts_total", "counter", "Engine processes found replaced under the same cache node").lines.push(`elasticache_local_engine_restarts_total ${monitoring.nodes.restarts}`);
  family("elasticache_local_metrics_rounds_total", "counter", "Metrics sampling rounds done").lines.push(`elasticache_local_metrics_rounds_total ${monitoring.sampler.rounds}`);
  family("elasticache_local_metrics_round_seconds", "gauge", "Duration of the latest sampling round").lines.push(`elasticache_local_metrics_round_seconds ${monitoring.sampler.lastRoundMs / 1000}`);
  const states = { OK: 0, ALARM: 0, INSUFFICIENT_DATA: 0 };
  for (const region of alarms.allRegions()) for (const r of region.all()) if (r.alarm.StateValue) states[r.alarm.StateValue]++;
  const alarmFamily = family("elasticache_local_alarms", "gauge", "CloudWatch alarms by state");
  for (const [state, count] of Object.entries(states)) alarmFamily.lines.push(`elasticache_local_alarms{state="${state}"} ${count}`);
  const cpu = process.cpuUsage();
  family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds").lines.push(`process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`);
  family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes").lines.push(`process_resident_memory_bytes ${process.memoryUsage().rss}`);

  const out: string[] = [];
  for (const [name, f] of families) {
    out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...f.lines);
  }
  return out.join("\n") + "\n";
}
