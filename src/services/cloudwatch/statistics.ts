/**
 * CloudWatch's statistics over a period: SampleCount, Average, Sum, Minimum, Maximum, and
 * percentiles (`p99`, `p99.9`) from the raw values stored with the datapoints, over the
 * buckets a series folds its datapoints into (metric-store.ts).
 */
import { modelError } from "../../service-errors/cloudwatch.js";
import type { Bucket } from "./metric-store.js";

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
