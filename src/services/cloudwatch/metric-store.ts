/**
 * CloudWatch metrics: one collection per account and region, a series per (namespace, metric
 * name, dimension set) as CloudWatch keys them. A datapoint is a statistic set (sample count,
 * sum, minimum, maximum) and, when it came from raw values, the values themselves (for
 * percentiles). Memory is bounded: a series keeps RETENTION_MS of datapoints (and at most
 * MAX_POINTS_PER_SERIES), and a series with no datapoint left is forgotten.
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

export interface MetricIdentity {
  namespace: string;
  metricName: string;
  /** Sorted by name: two requests naming the same set in another order find the same series. */
  dimensions: Dimension[];
}

export class Series {
  private points: Point[] = [];
  private head = 0;
  /** When the latest datapoint was stored (ListMetrics' RecentlyActive). */
  lastPut = 0;

  constructor(
    readonly id: MetricIdentity,
    readonly key: string,
    /** The unit of the first datapoint; CloudWatch keeps one per datapoint, this emulator one per series. */
    public unit: string | undefined,
  ) {}

  add(point: Point, now: number): void {
    const last = this.points[this.points.length - 1];
    if (last === undefined || last.t <= point.t) this.points.push(point);
    else {
      // Out of order (PutMetricData with an older Timestamp): insert in place.
      let i = this.points.length - 1;
      while (i > this.head && this.points[i - 1]!.t > point.t) i--;
      this.points.splice(i, 0, point);
    }
    this.lastPut = now;
    this.prune(now);
  }

  /** Drops what is older than the retention window (or beyond the cap). */
  prune(now: number): void {
    const cutoff = now - RETENTION_MS;
    while (this.head < this.points.length && this.points[this.head]!.t < cutoff) this.head++;
    const excess = this.points.length - this.head - MAX_POINTS_PER_SERIES;
    if (excess > 0) this.head += excess;
    if (this.head > 1024 && this.head * 2 > this.points.length) {
      this.points = this.points.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.points.length - this.head;
  }

  /** Datapoints with start <= t < end, oldest first. */
  range(start: number, end: number): Point[] {
    const out: Point[] = [];
    let lo = this.head;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.points[mid]!.t < start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.points.length && this.points[i]!.t < end; i++) out.push(this.points[i]!);
    return out;
  }

  latest(): Point | undefined {
    return this.size > 0 ? this.points[this.points.length - 1] : undefined;
  }

  /** Everything kept, for persistence. */
  all(): Point[] {
    return this.points.slice(this.head);
  }
}

export function sortDimensions(dimensions: readonly Dimension[] | undefined): Dimension[] {
  return [...(dimensions ?? [])].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

export function seriesKey(namespace: string, metricName: string, dimensions: readonly Dimension[]): string {
  return JSON.stringify([namespace, metricName, dimensions.map((d) => [d.Name, d.Value])]);
}

export class RegionMetrics {
  private readonly byKey = new Map<string, Series>();
  /** Bumped on every new series, so callers can cache sorted listings. */
  private generation = 0;
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
      this.generation++;
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
