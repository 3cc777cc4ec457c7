/**
 * Metric alarms evaluated as CloudWatch evaluates them: at each period's end, the alarm's
 * statistic over each of the last EvaluationPeriods complete periods, compared with the
 * threshold; DatapointsToAlarm of them breaching (missing ones counted as TreatMissingData
 * says) is ALARM, otherwise OK, and no datapoint at all is INSUFFICIENT_DATA (or, per
 * TreatMissingData, breaching, not breaching, or the state kept). Every change of state is
 * an alarm history item, worded as CloudWatch words it. Actions are recorded on the alarm
 * but not run (there is no SNS, Auto Scaling or EC2 here).
 */
import type { Logger } from "../../logger.js";
import type { AlarmRecord, AlarmStore, RegionAlarms } from "./alarms.js";
import type { MetricStore } from "./metric-store.js";
import { parseStat, statOf } from "./statistics.js";

type MetricAlarmRecord = Extract<AlarmRecord, { type: "MetricAlarm" }>;

export interface EvaluatorOptions {
  alarms: AlarmStore;
  metrics: MetricStore;
  logger: Logger;
  /** How often alarms are looked at (each is evaluated once per period end). */
  tickMs: number;
  /** An alarm changed state (persist). */
  onChange?(): void;
}

const OPERATORS: Record<string, { test(value: number, threshold: number): boolean; words: string }> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, words: "greater than or equal to" },
  GreaterThanThreshold: { test: (v, t) => v > t, words: "greater than" },
  LessThanThreshold: { test: (v, t) => v < t, words: "less than" },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, words: "less than or equal to" },
};

export function supportedOperator(operator: string): boolean {
  return operator in OPERATORS;
}

export class AlarmEvaluator {
  private timer: NodeJS.Timeout | undefined;
  /** The period end each alarm record was last evaluated at (a replaced record starts over). */
  private readonly evaluatedAt = new WeakMap<object, number>();

  constructor(private readonly options: EvaluatorOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.evaluateAll(), this.options.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Evaluates every metric alarm whose latest complete period has not been evaluated yet, or
   * every one when `force` (its data or configuration changed: PutMetricData, PutMetricAlarm).
   */
  evaluateAll(now = Date.now(), force = false): void {
    let changed = false;
    for (const region of this.options.alarms.allRegions()) {
      for (const record of region.all()) {
        if (record.type !== "MetricAlarm") continue;
        try {
          if (this.evaluate(region, record, now, force)) changed = true;
        } catch (error) {
          this.options.logger.warn(`alarm ${record.alarm.AlarmName} not evaluated`, { error: String(error) });
        }
      }
    }
    if (changed) this.options.onChange?.();
  }

  private evaluate(region: RegionAlarms, record: MetricAlarmRecord, now: number, force: boolean): boolean {
    const a = record.alarm;
    if (!a.Period || !a.EvaluationPeriods || !a.MetricName || !a.Namespace || a.Threshold === undefined || !a.ComparisonOperator) return false;
    const operator = OPERATORS[a.ComparisonOperator];
    const stat = parseStat(a.Statistic ?? a.ExtendedStatistic ?? "");
    if (!operator || !stat) return false;
    const periodMs = a.Period * 1000;
    const end = Math.floor(now / periodMs) * periodMs;
    if (!force && this.evaluatedAt.get(record) === end) return false;
    this.evaluatedAt.set(record, end);

    const n = a.EvaluationPeriods;
    const m = a.DatapointsToAlarm ?? n;
    const start = end - n * periodMs;
    const series = this.options.metrics.region(region.scope).find(a.Namespace, a.MetricName, a.Dimensions);
    const buckets = series && (!a.Unit || !series.unit || series.unit === a.Unit) ? series.buckets(start, end, periodMs, stat.kind === "percentile") : [];
    const byStart = new Map(buckets.map((b) => [b.t, b]));
    const datapoints: Array<{ t: number; value: number; count: number; breaching: boolean }> = [];
    for (let t = start; t < end; t += periodMs) {
      const bucket = byStart.get(t);
      const value = bucket && statOf(bucket, stat);
      if (bucket && value !== undefined) datapoints.push({ t, value, count: bucket.count, breaching: operator.test(value, a.Threshold) });
    }
    const missing = n - datapoints.length;
    const treat = a.TreatMissingData ?? "missing";
    const breaching = datapoints.filter((d) => d.breaching).length + (treat === "breaching" ? missing : 0);

    let state: "OK" | "ALARM" | "INSUFFICIENT_DATA" | undefined;
    if (breaching >= m) state = "ALARM";
    else if (datapoints.length === 0 && treat === "missing") state = "INSUFFICIENT_DATA";
    else if (datapoints.length === 0 && treat === "ignore") state = undefined;
    else state = "OK";
    if (state === undefined || state === a.StateValue) return false;

    const recent = [...datapoints].reverse();
    const shown = state === "ALARM" ? recent.filter((d) => d.breaching) : recent;
    const reason =
      state === "INSUFFICIENT_DATA"
        ? `Insufficient Data: ${n} datapoint${n === 1 ? " was" : "s were"} unknown.`
        : datapoints.length === 0
          ? `Threshold Crossed: no datapoints were received for ${n} period${n === 1 ? "" : "s"} and ${missing} missing datapoint${missing === 1 ? " was" : "s were"} treated as [${treat === "breaching" ? "Breaching" : "NonBreaching"}].`
          : `Threshold Crossed: ${state === "ALARM" ? shown.length : datapoints.length - datapoints.filter((d) => d.breaching).length} out of the last ${n} datapoints [${shown
              .map((d) => `${javaDouble(d.value)} (${reasonDate(d.t)})`)
              .join(", ")}] was ${state === "ALARM" ? "" : "not "}${operator.words} the threshold (${javaDouble(a.Threshold)}) (minimum ${m} datapoint${m === 1 ? "" : "s"} for ${state === "ALARM" ? "OK -> ALARM" : "ALARM -> OK"} transition).`;
    const reasonData = JSON.stringify({
      version: "1.0",
      queryDate: new Date(now).toISOString().replace("Z", "+0000"),
      startDate: new Date(start).toISOString().replace("Z", "+0000"),
      ...(a.Statistic ? { statistic: a.Statistic } : { extendedStatistic: a.ExtendedStatistic }),
      ...(a.Unit ? { unit: a.Unit } : {}),
      period: a.Period,
      recentDatapoints: recent.map((d) => d.value),
      threshold: a.Threshold,
      evaluatedDatapoints: recent.map((d) => ({ timestamp: new Date(d.t).toISOString().replace("Z", "+0000"), sampleCount: d.count, value: d.value })),
    });
    setAlarmState(region, record, state, reason, reasonData, new Date(now));
    return true;
  }
}

/** Moves an alarm to a state and records the history item, as both evaluation and SetAlarmState do. */
export function setAlarmState(region: RegionAlarms, record: AlarmRecord, state: "OK" | "ALARM" | "INSUFFICIENT_DATA", reason: string, reasonData: string | undefined, at: Date): void {
  const a = record.alarm;
  const old = { stateValue: a.StateValue, stateReason: a.StateReason };
  a.StateValue = state;
  a.StateReason = reason;
  if (reasonData !== undefined) a.StateReasonData = reasonData;
  else delete a.StateReasonData;
  a.StateUpdatedTimestamp = at;
  if (old.stateValue !== state) (a as { StateTransitionedTimestamp?: Date }).StateTransitionedTimestamp = at;
  region.addHistory({
    AlarmName: a.AlarmName,
    AlarmType: record.type,
    Timestamp: at,
    HistoryItemType: "StateUpdate",
    HistorySummary: `Alarm updated from ${old.stateValue} to ${state}`,
    HistoryData: JSON.stringify({
      version: "1.0",
      oldState: old,
      newState: { stateValue: state, stateReason: reason, ...(reasonData !== undefined ? { stateReasonData: JSON.parse(reasonData) as unknown } : {}) },
    }),
  });
}

/** 5 -> "5.0", 0.25 -> "0.25", as Java prints a double. */
function javaDouble(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** dd/MM/yy HH:mm:ss in UTC, as the reason text shows datapoints. */
function reasonDate(t: number): string {
  const d = new Date(t);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}
