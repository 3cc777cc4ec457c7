/**
 * Monitoring, as the emulator owns it: the metric store, the alarms, the sampler that fills
 * the store from every cache node and every serverless cache (under `clusterId`), the alarm evaluator, and, with a data dir, `<data dir>/cloudwatch.json`:
 * alarms, their history and tags, and the metrics PutMetricData stored (AWS/ElastiCache
 * metrics are sampled again after a restart, not kept). Started and stopped with the emulator.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { AlarmHistoryItem, Dimension } from "../../generated/cloudwatch.js";
import type { ClusterLifecycle } from "../../lifecycle/cluster-lifecycle.js";
import type { Logger } from "../../logger.js";
import type { Store } from "../../state/store.js";
import { AlarmEvaluator } from "./alarm-evaluator.js";
import type { AlarmRecord, AlarmStore } from "./alarms.js";
import { ELASTICACHE_NAMESPACE, ElastiCacheNodeSource } from "./elasticache-source.js";
import type { MetricStore, Point } from "./metric-store.js";
import { ServerlessCacheSource, type ServerlessEngines } from "./serverless-source.js";
import { MetricsSampler, type MetricSource, type ResourceSample } from "./sampler.js";

export interface MonitoringOptions {
  alarms: AlarmStore;
  metrics: MetricStore;
  store: Store;
  clusters: ClusterLifecycle;
  /** Serverless caches' engines (their metrics go under `clusterId`). */
  serverless: ServerlessEngines;
  intervalMs: number;
  dataDir?: string;
  logger: Logger;
  /** After each sampling round (the dashboard keeps its short history). */
  onRound?(now: number, samples: readonly ResourceSample[]): void;
}

interface SavedRegion {
  accountId: string;
  region: string;
  alarms: AlarmRecord[];
  history: AlarmHistoryItem[];
  metrics: Array<{ namespace: string; metricName: string; dimensions: Dimension[]; unit?: string; points: Point[] }>;
}

const DATE_FIELDS = new Set(["AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp", "StateTransitionedTimestamp", "Timestamp"]);

export class Monitoring {
  readonly sampler: MetricsSampler;
  readonly evaluator: AlarmEvaluator;
  readonly nodes: ElastiCacheNodeSource;
  readonly serverless: ServerlessCacheSource;
  private readonly file: string | undefined;
  private saveTimer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private evaluateSoon: NodeJS.Immediate | undefined;

  constructor(private readonly options: MonitoringOptions) {
    const { alarms, metrics, store, clusters, intervalMs, logger } = options;
    this.nodes = new ElastiCacheNodeSource({ store, clusters, logger });
    this.serverless = new ServerlessCacheSource({ store, serverless: options.serverless, nodes: this.nodes, logger });
    // One entry per family that publishes metrics.
    const sources: MetricSource[] = [this.nodes, this.serverless];
    this.evaluator = new AlarmEvaluator({ alarms, metrics, logger, tickMs: Math.min(1000, intervalMs), onChange: () => this.changed(false) });
    this.sampler = new MetricsSampler({
      store: metrics,
      sources,
      intervalMs,
      logger,
      onRound: (now, samples) => {
        metrics.prune(now);
        options.onRound?.(now, samples);
      },
    });
    this.file = options.dataDir ? join(options.dataDir, "cloudwatch.json") : undefined;
  }

  async start(): Promise<void> {
    await this.load();
    this.sampler.start();
    this.evaluator.start();
    void this.sampler.sampleNow();
  }

  async stop(): Promise<void> {
    this.evaluator.stop();
    await this.sampler.stop();
    if (this.evaluateSoon) clearImmediate(this.evaluateSoon);
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      await this.save();
    }
    await this.saving;
  }

  /** Alarms or custom metrics changed: saved soon (with a data dir) and, when asked, alarms evaluated at once. */
  changed(evaluate: boolean): void {
    if (evaluate && !this.evaluateSoon) {
      this.evaluateSoon = setImmediate(() => {
        this.evaluateSoon = undefined;
        this.evaluator.evaluateAll(Date.now(), true);
      });
    }
    if (this.file && !this.saveTimer) {
      this.saveTimer = setTimeout(() => {
        this.saveTimer = undefined;
        void this.save();
      }, 100);
    }
  }

  /** Forgets every metric and alarm (POST /_emulator/reset). */
  async reset(): Promise<void> {
    await this.sampler.sampleNow().catch(() => undefined);
    this.sampler.forget();
    this.nodes.forget();
    this.serverless.forget();
    this.options.metrics.clear();
    this.options.alarms.clear();
    if (this.file) await this.save();
  }

  private async load(): Promise<void> {
    if (!this.file) return;
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch {
      return;
    }
    const saved = JSON.parse(text, (key, value: unknown) => (DATE_FIELDS.has(key) && typeof value === "string" ? new Date(value) : value)) as { regions: SavedRegion[] };
    const now = Date.now();
    for (const r of saved.regions ?? []) {
      const scope = { accountId: r.accountId, region: r.region };
      const alarms = this.options.alarms.region(scope);
      for (const record of r.alarms) alarms.put(record);
      for (const item of r.history) alarms.addHistory(item);
      const metrics = this.options.metrics.region(scope);
      for (const s of r.metrics) for (const p of s.points) metrics.put(s.namespace, s.metricName, s.dimensions, p, s.unit, now);
    }
    this.options.logger.info(`CloudWatch alarms and metrics restored from ${this.file}`);
  }

  private save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const regions: SavedRegion[] = [];
    const keys = new Set<string>();
    for (const a of this.options.alarms.allRegions()) keys.add(`${a.scope.accountId}/${a.scope.region}`);
    for (const m of this.options.metrics.allRegions()) keys.add(`${m.scope.accountId}/${m.scope.region}`);
    for (const key of keys) {
      const [accountId, region] = key.split("/") as [string, string];
      const alarms = this.options.alarms.region({ accountId, region });
      const metrics = this.options.metrics
        .region({ accountId, region })
        .all()
        .filter((s) => s.id.namespace !== ELASTICACHE_NAMESPACE)
        .map((s) => ({ ...s.id, unit: s.unit, points: s.all() }));
      regions.push({ accountId, region, alarms: alarms.all(), history: alarms.history, metrics });
    }
    const text = JSON.stringify({ version: 1, regions });
    this.saving = this.saving.then(async () => {
      try {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(`${file}.tmp`, text);
        await rename(`${file}.tmp`, file);
      } catch (error) {
        this.options.logger.warn(`CloudWatch state not saved to ${file}`, { error: String(error) });
      }
    });
    return this.saving;
  }
}
