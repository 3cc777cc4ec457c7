/**
 * The metrics sampler: owned by the emulator, started and stopped with it. Every interval it
 * asks each source (cache nodes; serverless caches, publishing under `clusterId`) for the
 * current values of its resources and stores them as CloudWatch datapoints under each of the
 * resource's dimension sets. The latest round is kept as it is
 * for the Prometheus page and the dashboard. A round still running when the next is due is
 * not overlapped: that tick is skipped.
 */
import type { Dimension, StandardUnit } from "../../generated/cloudwatch.js";
import type { Logger } from "../../logger.js";
import { valuePoint, type MetricStore } from "./metric-store.js";

export interface MetricValue {
  /** CloudWatch's metric name, e.g. `CacheHits`. */
  name: string;
  unit: StandardUnit;
  /** What is published: a gauge's value, or a counter's delta since the previous round. */
  value: number;
  /** Counters only: the running total since the engine started (Prometheus exposes it). */
  total?: number;
}

/** One resource's values in one round. */
export interface ResourceSample {
  scope: { accountId: string; region: string };
  namespace: string;
  /** Every dimension set the values are published under (e.g. {CacheClusterId, CacheNodeId} and {CacheClusterId}). */
  dimensionSets: Dimension[][];
  /** Prometheus labels that name the resource (cache_cluster_id, cache_node_id, replication_group_id, serverless_cache...). */
  labels: Record<string, string>;
  /** Resource kind and engine, for the dashboard. */
  kind: "cache-node" | "serverless-cache";
  engine: string;
  values: MetricValue[];
}

export interface MetricSource {
  readonly name: string;
  /** The current values of every resource the source knows; a resource that cannot be read is left out. */
  collect(now: number): Promise<ResourceSample[]>;
}

export interface SamplerOptions {
  store: MetricStore;
  sources: readonly MetricSource[];
  intervalMs: number;
  logger: Logger;
  /** After each round (the alarm evaluator and the dashboard's history listen). */
  onRound?(now: number, samples: readonly ResourceSample[]): void;
}

export class MetricsSampler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private last: ResourceSample[] = [];
  /** Rounds done and the time the latest took (Prometheus: the emulator's own metrics). */
  rounds = 0;
  lastRoundMs = 0;

  constructor(private readonly options: SamplerOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) void this.sampleNow();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One round that reads the engines now; resolves once its datapoints are stored. A round
   * under way may have read them before the caller's last commands: the new one follows it.
   */
  async sampleNow(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    const round = this.round().finally(() => {
      if (this.running === round) this.running = undefined;
    });
    this.running = round;
    return round;
  }

  /** Drops the latest round (after a reset: its resources are gone). */
  forget(): void {
    this.last = [];
  }

  /** The latest round's samples. */
  latest(): readonly ResourceSample[] {
    return this.last;
  }

  get intervalMs(): number {
    return this.options.intervalMs;
  }

  private async round(): Promise<void> {
    const started = Date.now();
    const { store, sources, logger } = this.options;
    const all: ResourceSample[] = [];
    const results = await Promise.allSettled(sources.map((source) => source.collect(started)));
    results.forEach((result, i) => {
      if (result.status === "fulfilled") all.push(...result.value);
      else logger.warn(`metrics source ${sources[i]!.name} failed`, { error: String(result.reason) });
    });
    const now = Date.now();
    for (const sample of all) {
      const metrics = store.region(sample.scope);
      for (const value of sample.values) {
        if (!Number.isFinite(value.value)) continue;
        for (const dims of sample.dimensionSets) metrics.put(sample.namespace, value.name, dims, valuePoint(started, value.value), value.unit, now);
      }
    }
    this.last = all;
    this.rounds++;
    this.lastRoundMs = Date.now() - started;
    this.options.onRound?.(now, all);
  }
}
