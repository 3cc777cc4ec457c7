/**
 * The metric operations: ListMetrics, GetMetricStatistics, GetMetricData (metric-stat queries;
 * metric math is refused by name) and PutMetricData (an application's own metrics, in any
 * namespace but AWS/). Datapoints come from the metric store (metric-store.ts): the sampler's
 * AWS/ElastiCache metrics and whatever PutMetricData stored, per account and region.
 */
import type { Datapoint, Dimension, MetricDataResult, MetricDatum } from "../../../generated/cloudwatch.js";
import { modelError } from "../../../service-errors/cloudwatch.js";
import type { CloudWatchActionHandler } from "../context.js";
import { RETENTION_MS, type Bucket, type Point } from "../metric-store.js";
import { requireStat, statOf, validPeriod, type Stat } from "../statistics.js";

/** ListMetrics answers 500 metrics a page. */
const LIST_METRICS_PAGE = 500;
/** GetMetricStatistics answers at most 1,440 datapoints. */
const MAX_STATISTICS_DATAPOINTS = 1440;
/** GetMetricData's default (and largest) MaxDatapoints. */
const DEFAULT_MAX_DATAPOINTS = 100_800;
/** GetMetricData takes at most 500 queries. */
const MAX_QUERIES = 500;

export const listMetrics: CloudWatchActionHandler<"ListMetrics"> = async (ctx, input) => {
  const now = Date.now();
  const filters = input.Dimensions ?? [];
  const matching = ctx.metrics.all().filter((s) => {
    if (s.size === 0) return false;
    if (input.Namespace !== undefined && s.id.namespace !== input.Namespace) return false;
    if (input.MetricName !== undefined && s.id.metricName !== input.MetricName) return false;
    if (input.RecentlyActive === "PT3H" && now - s.lastPut > RETENTION_MS) return false;
    return filters.every((f) => s.id.dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)));
  });
  let start = 0;
  if (input.NextToken) {
    const after = decodeToken(input.NextToken);
    start = matching.findIndex((s) => s.key > after);
    if (start < 0) start = matching.length;
  }
  const page = matching.slice(start, start + LIST_METRICS_PAGE);
  const more = start + LIST_METRICS_PAGE < matching.length;
  return {
    Metrics: page.map((s) => ({ Namespace: s.id.namespace, MetricName: s.id.metricName, Dimensions: s.id.dimensions.map((d) => ({ ...d })) })),
    ...(more ? { NextToken: encodeToken(page[page.length - 1]!.key) } : {}),
  };
};

export const getMetricStatistics: CloudWatchActionHandler<"GetMetricStatistics"> = async (ctx, input) => {
  const statistics = input.Statistics ?? [];
  const extended = input.ExtendedStatistics ?? [];
  if (statistics.length === 0 && extended.length === 0) {
    throw modelError("InvalidParameterCombinationException", "Must specify either Statistics or ExtendedStatistics.");
  }
  const percentiles = extended.map((name) => {
    const stat = requireStat(name, "ExtendedStatistics");
    if (stat.kind !== "percentile") throw modelError("InvalidParameterValueException", `The value ${name} for parameter ExtendedStatistics is not a percentile statistic.`);
    return stat;
  });
  const { start, end, periodMs } = checkWindow(input.StartTime, input.EndTime, input.Period);
  const requested = Math.ceil((end - start) / periodMs);
  if (requested > MAX_STATISTICS_DATAPOINTS) {
    throw modelError(
      "InvalidParameterCombinationException",
      `You have requested up to ${requested.toLocaleString("en-US")} datapoints, which exceeds the limit of 1,440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  }
  const series = ctx.metrics.find(input.Namespace, input.MetricName, input.Dimensions);
  const buckets = series && unitMatches(series.unit, input.Unit) ? series.buckets(start, end, periodMs, percentiles.length > 0) : [];
  const unit = (input.Unit ?? series?.unit ?? "None") as Datapoint["Unit"];
  const datapoints: Datapoint[] = buckets.map((bucket) => {
    const dp: Datapoint = { Timestamp: new Date(bucket.t) };
    for (const name of statistics) dp[name] = statOf(bucket, requireStat(name, "Statistics"));
    if (percentiles.length > 0) {
      const values: Record<string, number> = {};
      for (const p of percentiles) {
        const v = statOf(bucket, p);
        if (v !== undefined) values[p.kind === "percentile" ? p.name : ""] = v;
      }
      dp.ExtendedStatistics = values;
    }
    dp.Unit = unit;
    return dp;
  });
  return { Label: input.MetricName, Datapoints: datapoints };
};

export const getMetricData: CloudWatchActionHandler<"GetMetricData"> = async (ctx, input) => {
  const queries = input.MetricDataQueries;
  if (queries.length > MAX_QUERIES) throw modelError("InvalidParameterValueException", `The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  const ids = new Set<string>();
  for (const q of queries) {
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id)) {
      throw modelError("InvalidParameterValueException", `The value ${q.Id} for parameter MetricDataQueries.member.Id is invalid: it must start with a lowercase letter and hold only letters, numbers and underscores.`);
    }
    if (ids.has(q.Id)) throw modelError("InvalidParameterValueException", `The value ${q.Id} for parameter MetricDataQueries.member.Id is not unique.`);
    ids.add(q.Id);
    if (q.Expression !== undefined) {
      throw modelError(
        "InvalidParameterValueException",
        `Metric math and search expressions are not evaluated by elasticache-local (query ${q.Id}: ${JSON.stringify(q.Expression)}): ask for each metric with MetricStat.`,
      );
    }
    if (!q.MetricStat) throw modelError("InvalidParameterValueException", `Query ${q.Id} needs a MetricStat (or an Expression).`);
  }
  const startTime = input.StartTime.getTime();
  const endTime = input.EndTime.getTime();
  const descending = (input.ScanBy ?? "TimestampDescending") === "TimestampDescending";
  const budget = input.MaxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
  const resume = input.NextToken ? decodeDataToken(input.NextToken) : { query: 0, offset: 0 };

  let left = budget;
  let next: { query: number; offset: number } | undefined;
  const results: MetricDataResult[] = [];
  for (let qi = 0; qi < queries.length; qi++) {
    const q = queries[qi]!;
    const ms = q.MetricStat!;
    const { start, end, periodMs } = checkWindow(new Date(startTime), new Date(endTime), ms.Period);
    const stat = requireStat(ms.Stat, "MetricStat.Stat");
    // Queries before the token's, and after a page is full, are only checked.
    if (qi < resume.query || q.ReturnData === false || next) continue;
    const series = ctx.metrics.find(ms.Metric.Namespace ?? "", ms.Metric.MetricName ?? "", ms.Metric.Dimensions);
    const buckets = series && unitMatches(series.unit, ms.Unit) ? series.buckets(start, end, periodMs, stat.kind === "percentile") : [];
    let pairs = statisticPairs(buckets, stat);
    if (descending) pairs.reverse();
    const offset = qi === resume.query ? resume.offset : 0;
    pairs = pairs.slice(offset);
    const taken = pairs.slice(0, Math.max(0, left));
    left -= taken.length;
    const partial = taken.length < pairs.length;
    if (partial) next = { query: qi, offset: offset + taken.length };
    results.push({
      Id: q.Id,
      Label: q.Label ?? ms.Metric.MetricName,
      Timestamps: taken.map(([t]) => new Date(t)),
      Values: taken.map(([, v]) => v),
      StatusCode: partial ? "PartialData" : "Complete",
    });
  }
  return { MetricDataResults: results, Messages: [], ...(next ? { NextToken: encodeDataToken(next) } : {}) };
};

export const putMetricData: CloudWatchActionHandler<"PutMetricData"> = async (ctx, input) => {
  if (input.Namespace.startsWith("AWS/")) throw modelError("InvalidParameterValueException", `The value ${input.Namespace} for parameter Namespace is invalid.`);
  const data = [...(input.MetricData ?? []), ...(input.EntityMetricData ?? []).flatMap((e) => e.MetricData ?? [])];
  if (data.length === 0) throw modelError("MissingRequiredParameterException", "The parameter MetricData is required.");
  if (data.length > 1000) throw modelError("InvalidParameterValueException", "The collection MetricData must not have a size greater than 1000.");
  const now = Date.now();
  const points = data.map((datum, i) => ({ datum, point: toPoint(datum, i + 1, now) }));
  for (const { datum, point } of points) ctx.metrics.put(input.Namespace, datum.MetricName, datum.Dimensions ?? [], point, datum.Unit, now);
  ctx.changed(true);
};

/** One MetricDatum -> a datapoint, with CloudWatch's checks of which value fields go together. */
function toPoint(datum: MetricDatum, n: number, now: number): Point {
  const at = `MetricData.member.${n}`;
  const given = (["Value", "StatisticValues", "Values"] as const).filter((k) => datum[k] !== undefined);
  if (given.length > 1) {
    throw modelError(
      "InvalidParameterCombinationException",
      `The parameters ${at}.${given[0]} and ${at}.${given[1]} are mutually exclusive and you have specified both.`,
    );
  }
  if (given.length === 0) throw modelError("MissingRequiredParameterException", `The parameter ${at}.Value is required.`);
  checkDimensions(datum.Dimensions, at);
  const t = datum.Timestamp ? datum.Timestamp.getTime() : now;
  if (datum.Value !== undefined) {
    if (!Number.isFinite(datum.Value)) throw modelError("InvalidParameterValueException", `The value ${datum.Value} for parameter ${at}.Value is invalid.`);
    return { t, count: 1, sum: datum.Value, min: datum.Value, max: datum.Value, values: [datum.Value] };
  }
  if (datum.StatisticValues) {
    const s = datum.StatisticValues;
    if (!(s.SampleCount > 0) || s.Minimum > s.Maximum) throw modelError("InvalidParameterValueException", `The value of ${at}.StatisticValues is invalid.`);
    return { t, count: s.SampleCount, sum: s.Sum, min: s.Minimum, max: s.Maximum };
  }
  const values = datum.Values ?? [];
  const counts = datum.Counts ?? values.map(() => 1);
  if (counts.length !== values.length) {
    throw modelError("InvalidParameterValueException", `The parameters ${at}.Values and ${at}.Counts must be of the same size.`);
  }
  if (values.length === 0) throw modelError("InvalidParameterValueException", `The parameter ${at}.Values must not be empty.`);
  const expanded: number[] = [];
  let count = 0;
  let sum = 0;
  values.forEach((v, i) => {
    const c = counts[i]!;
    count += c;
    sum += v * c;
    for (let k = 0; k < Math.min(c, 10_000); k++) expanded.push(v);
  });
  return { t, count, sum, min: Math.min(...values), max: Math.max(...values), values: expanded };
}

function checkDimensions(dimensions: Dimension[] | undefined, at: string): void {
  const names = new Set<string>();
  for (const d of dimensions ?? []) {
    if (names.has(d.Name)) throw modelError("InvalidParameterValueException", `No metric may have more than one dimension named ${d.Name} (${at}.Dimensions).`);
    names.add(d.Name);
  }
}

/** Start, end and period of a statistics query, checked as CloudWatch checks them. */
function checkWindow(startTime: Date, endTime: Date, period: number): { start: number; end: number; periodMs: number } {
  if (!validPeriod(period)) {
    throw modelError("InvalidParameterValueException", `The parameter Period must be 1, 5, 10, 30 or a multiple of 60 (got ${period}).`);
  }
  const start = startTime.getTime();
  const end = endTime.getTime();
  if (!(start < end)) throw modelError("InvalidParameterValueException", "The parameter StartTime must be less than the parameter EndTime.");
  return { start, end, periodMs: period * 1000 };
}

function unitMatches(seriesUnit: string | undefined, asked: string | undefined): boolean {
  return asked === undefined || seriesUnit === undefined || seriesUnit === asked;
}

function statisticPairs(buckets: readonly Bucket[], stat: Stat): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  for (const bucket of buckets) {
    const v = statOf(bucket, stat);
    if (v !== undefined) pairs.push([bucket.t, v]);
  }
  return pairs;
}

function encodeToken(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  const key = Buffer.from(token, "base64url").toString("utf8");
  if (encodeToken(key) !== token) throw modelError("InvalidNextToken", "The service couldn't process the NextToken.");
  return key;
}

function encodeDataToken(at: { query: number; offset: number }): string {
  return encodeToken(`${at.query}:${at.offset}`);
}

function decodeDataToken(token: string): { query: number; offset: number } {
  const m = /^(\d+):(\d+)$/.exec(decodeToken(token));
  if (!m) throw modelError("InvalidNextToken", "The service couldn't process the NextToken.");
  return { query: Number(m[1]), offset: Number(m[2]) };
}
