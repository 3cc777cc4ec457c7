/**
 * CloudWatch's statistics over a period: SampleCount, Average, Sum, Minimum, Maximum, and
 * percentiles (`p99`, `p99.9`) from the raw values stored with the datapoints. Buckets are
 * aligned on the query's start time, as GetMetricStatistics and GetMetricData align them.
 */
import { modelError } from "../../service-errors/cloudwatch.js";
import type { Point } from "./metric-store.js";

export interface Bucket {
  /** The period's start (epoch ms). */
  t: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Raw values of every datapoint that had them; undefined when one had only a statistic set. */
  values: number[] | undefined;
}

/** Folds datapoints into periods of `periodMs` starting at `start`; only periods with data are returned, oldest first. */
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

export type Stat = { kind: "SampleCount" | "Average" | "Sum" | "Minimum" | "Maximum" } | { kind: "percentile"; p: number; name: string };

const BASIC = new Set(["SampleCount", "Average", "Sum", "Minimum", "Maximum"]);

/** `Average`, `p99`, `p99.9` -> a Stat; anything else (trimmed means, TC, IQM...) -> undefined. */
export function parseStat(text: string): Stat | undefined {
  if (BASIC.has(text)) return { kind: text as "Sum" };
  const m = /^p(\d{1,2}(?:\.\d+)?|100)$/.exec(text);
  if (m) return { kind: "percentile", p: Number(m[1]), name: text };
  return undefined;
}

export function requireStat(text: string, where: string): Stat {
  const stat = parseStat(text);
  if (!stat) {
    throw modelError(
      "InvalidParameterValueException",
      `The value ${text} for parameter ${where} is not supported by elasticache-local: use SampleCount, Average, Sum, Minimum, Maximum or a percentile such as p99.`,
    );
  }
  return stat;
}

/** The statistic of one bucket; undefined when it cannot be computed (a percentile over statistic sets). */
export function statOf(bucket: Bucket, stat: Stat): number | undefined {
  switch (stat.kind) {
    case "SampleCount":
      return bucket.count;
    case "Sum":
      return bucket.sum;
    case "Average":
      return bucket.count === 0 ? 0 : bucket.sum / bucket.count;
    case "Minimum":
      return bucket.min;
    case "Maximum":
      return bucket.max;
    case "percentile":
      return bucket.values && bucket.values.length > 0 ? percentile(bucket.values, stat.p) : undefined;
  }
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Periods CloudWatch accepts: 1, 5, 10, 30 (high resolution) or a multiple of 60 seconds. */
export function validPeriod(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds > 0 && (seconds % 60 === 0 || [1, 5, 10, 30].includes(seconds));
}
