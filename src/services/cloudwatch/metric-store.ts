/**
 * CloudWatch metrics: one collection per account and region, a series per (namespace, metric
 * name, dimension set) as CloudWatch keys them. A datapoint is a statistic set (sample count,
 * sum, minimum, maximum) and, when it came from raw values, the values themselves (for
 * percentiles). Memory is bounded: a series keeps RETENTION_MS of datapoints (and at most
 * MAX_POINTS_PER_SERIES), 16 bytes each while they are single values, and a series with no
 * datapoint left is forgotten.
 */
import type { Dimension } from "../../generated/cloudwatch.js";

/** How long datapoints are kept (README: Monitoring). CloudWatch keeps 15 months; ListMetrics' RecentlyActive looks back 3 hours. */
export const RETENTION_MS = 3 * 60 * 60 * 1000;
/** A cap per series besides the window, for PutMetricData bursts. */
export const MAX_POINTS_PER_SERIES = 20_000;

export interface Point {
  /** Epoch milliseconds. */
  t: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** The raw values (with their repeat counts folded in) when known: percentiles need them. */
  values?: number[];
}

/** One period's datapoints folded together. */
export interface Bucket {
  /** The period's start (epoch ms). */
  t: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Raw values of every datapoint (when asked for); undefined when one had only a statistic set. */
  values: number[] | undefined;
}

/**
 * Folds datapoints into periods of `periodMs` starting at `start`, aligned on it as
 * GetMetricStatistics and GetMetricData align them; only periods with data, oldest first.
 */
export function bucketize(points: readonly Point[], start: number, periodMs: number): Bucket[] {
  const buckets: Bucket[] = [];
  let current: Bucket | undefined;
  for (const p of points) {
    const t = start + Math.floor((p.t - start) / periodMs) * periodMs;
    if (!current || current.t !== t) {
      current = { t, count: 0, sum: 0, min: Infinity, max: -Infinity, values: [] };
      buckets.push(current);
    }
    current.count += p.count;
    current.sum += p.sum;
    current.min = Math.min(current.min, p.min);
    current.max = Math.max(current.max, p.max);
    if (current.values && p.values) for (const v of p.values) current.values.push(v);
    else current.values = undefined;
  }
  return buckets;
}

export interface MetricIdentity {
  namespace: string;
  metricName: string;
  /** Sorted by name: two requests naming the same set in another order find the same series. */
  dimensions: Dimension[];
}

/**
 * One metric's datapoints, oldest first. While every datapoint is one raw value (the sampler's,
 * PutMetricData's `Value`) they are kept as two Float64Arrays (time, value): 16 bytes each. The
 * first statistic set or value list turns the series into objects that keep all of it.
 */
export class Series {
  private times = new Float64Array(16);
  private vals = new Float64Array(16);
  private head = 0;
  private tail = 0;
  /** Set once a datapoint is more than one raw value. */
  private points: Point[] | undefined;
  /** When the latest datapoint was stored (ListMetrics' RecentlyActive). */
  lastPut = 0;

  constructor(
    readonly id: MetricIdentity,
    readonly key: string,
    /** The unit of the first datapoint; CloudWatch keeps one per datapoint, this emulator one per series. */
    public unit: string | undefined,
  ) {}

  add(point: Point, now: number): void {
    this.lastPut = now;
    const single = point.count === 1 && point.min === point.max && point.sum === point.min && (!point.values || point.values.length === 1);
    if (!this.points && !single) this.points = this.materialize(this.head, this.tail);
    if (this.points) insertSorted(this.points, point);
    else this.addValue(point.t, point.sum);
    this.prune(now);
  }

  private addValue(t: number, v: number): void {
    if (this.tail === this.times.length) this.makeRoom();
    let i = this.tail;
    // Out of order (PutMetricData with an older Timestamp): shift the later ones up.
    while (i > this.head && this.times[i - 1]! > t) i--;
    if (i < this.tail) {
      this.times.copyWithin(i + 1, i, this.tail);
      this.vals.copyWithin(i + 1, i, this.tail);
    }
    this.times[i] = t;
    this.vals[i] = v;
    this.tail++;
  }

  /** Moves the live part to the front, or doubles the arrays when more than half is live. */
  private makeRoom(): void {
    const live = this.tail - this.head;
    const size = live * 2 > this.times.length ? this.times.length * 2 : this.times.length;
    const times = new Float64Array(size);
    const vals = new Float64Array(size);
    times.set(this.times.subarray(this.head, this.tail));
    vals.set(this.vals.subarray(this.head, this.tail));
    this.times = times;
    this.vals = vals;
    this.head = 0;
    this.tail = live;
  }

  /** Drops what is older than the retention window (or beyond the cap). */
  prune(now: number): void {
    const cutoff = now - RETENTION_MS;
    if (this.points) {
      let drop = 0;
      while (drop < this.points.length && this.points[drop]!.t < cutoff) drop++;
      drop = Math.max(drop, this.points.length - MAX_POINTS_PER_SERIES);
      if (drop > 0) this.points.splice(0, drop);
      return;
    }
    while (this.head < this.tail && this.times[this.head]! < cutoff) this.head++;
    const excess = this.tail - this.head - MAX_POINTS_PER_SERIES;
    if (excess > 0) this.head += excess;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  get size(): number {
    return this.points ? this.points.length : this.tail - this.head;
  }

  /** Datapoints with start <= t < end, oldest first. */
  range(start: number, end: number): Point[] {
    if (this.points) {
      const from = lowerBound((i) => this.points![i]!.t, 0, this.points.length, start);
      const out: Point[] = [];
      for (let i = from; i < this.points.length && this.points[i]!.t < end; i++) out.push(this.points[i]!);
      return out;
    }
    const from = lowerBound((i) => this.times[i]!, this.head, this.tail, start);
    let to = from;
    while (to < this.tail && this.times[to]! < end) to++;
    return this.materialize(from, to);
  }

  /**
   * The datapoints with start <= t < end folded into periods (see bucketize), straight from the
   * typed arrays while the series holds single values; `withValues` keeps the values for percentiles.
   */
  buckets(start: number, end: number, periodMs: number, withValues: boolean): Bucket[] {
    if (this.points) return bucketize(this.range(start, end), start, periodMs);
    const buckets: Bucket[] = [];
    let current: Bucket | undefined;
    for (let i = lowerBound((k) => this.times[k]!, this.head, this.tail, start); i < this.tail; i++) {
      const at = this.times[i]!;
      if (at >= end) break;
      const v = this.vals[i]!;
      const t = start + Math.floor((at - start) / periodMs) * periodMs;
      if (!current || current.t !== t) {
        current = { t, count: 0, sum: 0, min: v, max: v, values: withValues ? [] : undefined };
        buckets.push(current);
      }
      current.count++;
      current.sum += v;
      if (v < current.min) current.min = v;
      if (v > current.max) current.max = v;
      current.values?.push(v);
    }
    return buckets;
  }

  latest(): Point | undefined {
    if (this.points) return this.points[this.points.length - 1];
    return this.tail > this.head ? this.materialize(this.tail - 1, this.tail)[0] : undefined;
  }

  /** Everything kept, for persistence. */
  all(): Point[] {
    return this.points ? [...this.points] : this.materialize(this.head, this.tail);
  }

  private materialize(from: number, to: number): Point[] {
    const out: Point[] = [];
    for (let i = from; i < to; i++) out.push(valuePoint(this.times[i]!, this.vals[i]!));
    return out;
  }
}

/** The first index in [lo, hi) whose time is >= t. */
function lowerBound(timeAt: (i: number) => number, lo: number, hi: number, t: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (timeAt(mid) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(points: Point[], point: Point): void {
  let i = points.length;
  while (i > 0 && points[i - 1]!.t > point.t) i--;
  points.splice(i, 0, point);
}

export function sortDimensions(dimensions: readonly Dimension[] | undefined): Dimension[] {
  return [...(dimensions ?? [])].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

export function seriesKey(namespace: string, metricName: string, dimensions: readonly Dimension[]): string {
  return JSON.stringify([namespace, metricName, dimensions.map((d) => [d.Name, d.Value])]);
}

export class RegionMetrics {
  private readonly byKey = new Map<string, Series>();
  /** The series by key, kept until a series is added or forgotten. */
  private sorted: Series[] | undefined;

  constructor(readonly scope: { accountId: string; region: string }) {}

  /** Stores one datapoint; `dimensions` need not be sorted. */
  put(namespace: string, metricName: string, dimensions: readonly Dimension[], point: Point, unit: string | undefined, now = Date.now()): Series {
    const dims = sortDimensions(dimensions);
    const key = seriesKey(namespace, metricName, dims);
    let series = this.byKey.get(key);
    if (!series) {
      series = new Series({ namespace, metricName, dimensions: dims }, key, unit);
      this.byKey.set(key, series);
      this.sorted = undefined;
    }
    series.add(point, now);
    return series;
  }

  find(namespace: string, metricName: string, dimensions: readonly Dimension[] | undefined): Series | undefined {
    return this.byKey.get(seriesKey(namespace, metricName, sortDimensions(dimensions)));
  }

  /** Every series, by key (the order ListMetrics pages in). */
  all(): Series[] {
    if (!this.sorted) this.sorted = [...this.byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return this.sorted;
  }

  /** Forgets series with nothing left in the window. */
  prune(now = Date.now()): void {
    for (const [key, series] of this.byKey) {
      series.prune(now);
      if (series.size === 0 && now - series.lastPut > RETENTION_MS) {
        this.byKey.delete(key);
        this.sorted = undefined;
      }
    }
  }

  get seriesCount(): number {
    return this.byKey.size;
  }
}

export class MetricStore {
  private readonly regions = new Map<string, RegionMetrics>();

  region(scope: { accountId: string; region: string }): RegionMetrics {
    const key = `${scope.accountId}/${scope.region}`;
    let metrics = this.regions.get(key);
    if (!metrics) this.regions.set(key, (metrics = new RegionMetrics({ accountId: scope.accountId, region: scope.region })));
    return metrics;
  }

  allRegions(): RegionMetrics[] {
    return [...this.regions.values()];
  }

  prune(now = Date.now()): void {
    for (const region of this.regions.values()) region.prune(now);
  }

  clear(): void {
    this.regions.clear();
  }
}

/** A datapoint of one raw value. */
export function valuePoint(t: number, value: number): Point {
  return { t, count: 1, sum: value, min: value, max: value, values: [value] };
}
