/**
 * The metric alarm operations besides DescribeAlarms: PutMetricAlarm (create or replace the
 * configuration, keeping the state), DescribeAlarmsForMetric, DescribeAlarmHistory,
 * DeleteAlarms, SetAlarmState, Enable/DisableAlarmActions, and tags on alarm ARNs. Metric
 * math and anomaly-detection alarms (Metrics, ThresholdMetricId) and PromQL criteria are
 * refused by name.
 */
import type { AlarmHistoryItem, Dimension, MetricAlarm } from "../../../generated/cloudwatch.js";
import { commonErrors } from "../../../protocol/aws-error.js";
import { modelError } from "../../../service-errors/cloudwatch.js";
import { setAlarmState, supportedOperator } from "../alarm-evaluator.js";
import type { AlarmRecord } from "../alarms.js";
import type { CloudWatchActionHandler, CloudWatchContext } from "../context.js";
import { sortDimensions } from "../metric-store.js";
import { parseStat, validPeriod } from "../statistics.js";

/** Metric alarms per account and region (CloudWatch's default quota). */
const MAX_ALARMS = 10_000;
const TREAT_MISSING = ["breaching", "notBreaching", "ignore", "missing"];
/** DescribeAlarmHistory's default page size. */
const DEFAULT_HISTORY_PAGE = 100;

export const putMetricAlarm: CloudWatchActionHandler<"PutMetricAlarm"> = async (ctx, input) => {
  if (input.Metrics !== undefined || input.ThresholdMetricId !== undefined) {
    throw modelError("InvalidParameterValueException", "Metric math and anomaly detection alarms (Metrics, ThresholdMetricId) are not evaluated by elasticache-local: give MetricName, Namespace and a Statistic.");
  }
  if (input.EvaluationCriteria !== undefined) throw modelError("InvalidParameterValueException", "PromQL alarms (EvaluationCriteria) are not evaluated by elasticache-local.");
  for (const name of ["MetricName", "Namespace", "Period", "EvaluationPeriods", "Threshold", "ComparisonOperator"] as const) {
    if (input[name] === undefined) throw modelError("MissingRequiredParameterException", `The parameter ${name} is required.`);
  }
  if ((input.Statistic === undefined) === (input.ExtendedStatistic === undefined)) {
    throw modelError("InvalidParameterCombinationException", "Exactly one of the parameters Statistic and ExtendedStatistic must be specified.");
  }
  if (input.ExtendedStatistic !== undefined && parseStat(input.ExtendedStatistic)?.kind !== "percentile") {
    throw modelError("InvalidParameterValueException", `The value ${input.ExtendedStatistic} for parameter ExtendedStatistic is not supported by elasticache-local: use a percentile such as p99.`);
  }
  if (!validPeriod(input.Period!)) throw modelError("InvalidParameterValueException", `The parameter Period must be 10, 30 or a multiple of 60 (got ${input.Period}).`);
  if (input.Period! < 10) throw modelError("InvalidParameterValueException", "Only alarms with a period of 10, 30 or a multiple of 60 seconds can be created.");
  if (input.Period! * input.EvaluationPeriods! > 86_400 * 7) {
    throw modelError("InvalidParameterValueException", "The evaluation period of an alarm (Period * EvaluationPeriods) cannot exceed 7 days.");
  }
  if (input.DatapointsToAlarm !== undefined && input.DatapointsToAlarm > input.EvaluationPeriods!) {
    throw modelError("InvalidParameterValueException", "DatapointsToAlarm must be less than or equal to EvaluationPeriods.");
  }
  if (!supportedOperator(input.ComparisonOperator!)) {
    throw modelError("InvalidParameterValueException", `The ComparisonOperator ${input.ComparisonOperator} needs an anomaly detection band, which elasticache-local does not evaluate.`);
  }
  if (input.TreatMissingData !== undefined && !TREAT_MISSING.includes(input.TreatMissingData)) {
    throw modelError("InvalidParameterValueException", `The value ${input.TreatMissingData} for parameter TreatMissingData is invalid: valid values are ${TREAT_MISSING.join(", ")}.`);
  }
  const existing = ctx.alarms.get(input.AlarmName);
  if (existing?.type === "CompositeAlarm") throw modelError("InvalidParameterValueException", `The alarm ${input.AlarmName} is a composite alarm.`);
  if (!existing && ctx.alarms.size >= MAX_ALARMS) throw modelError("LimitExceededFault", `The maximum number of alarms (${MAX_ALARMS}) has been reached.`);

  const now = new Date();
  const alarm: MetricAlarm & { AlarmName: string } = {
    AlarmName: input.AlarmName,
    AlarmArn: ctx.alarms.arn(input.AlarmName),
    ...(input.AlarmDescription !== undefined ? { AlarmDescription: input.AlarmDescription } : {}),
    AlarmConfigurationUpdatedTimestamp: now,
    ActionsEnabled: input.ActionsEnabled ?? true,
    OKActions: input.OKActions ?? [],
    AlarmActions: input.AlarmActions ?? [],
    InsufficientDataActions: input.InsufficientDataActions ?? [],
    StateValue: existing?.alarm.StateValue ?? "INSUFFICIENT_DATA",
    StateReason: existing?.alarm.StateReason ?? "Unchecked: Initial alarm creation",
    ...(existing?.alarm.StateReasonData !== undefined ? { StateReasonData: existing.alarm.StateReasonData } : {}),
    StateUpdatedTimestamp: existing?.alarm.StateUpdatedTimestamp ?? now,
    StateTransitionedTimestamp: (existing?.alarm as MetricAlarm | undefined)?.StateTransitionedTimestamp ?? now,
    MetricName: input.MetricName,
    Namespace: input.Namespace,
    ...(input.Statistic !== undefined ? { Statistic: input.Statistic } : { ExtendedStatistic: input.ExtendedStatistic }),
    Dimensions: sortDimensions(input.Dimensions),
    Period: input.Period,
    ...(input.Unit !== undefined ? { Unit: input.Unit } : {}),
    EvaluationPeriods: input.EvaluationPeriods,
    ...(input.DatapointsToAlarm !== undefined ? { DatapointsToAlarm: input.DatapointsToAlarm } : {}),
    Threshold: input.Threshold,
    ComparisonOperator: input.ComparisonOperator,
    ...(input.TreatMissingData !== undefined ? { TreatMissingData: input.TreatMissingData } : {}),
    ...(input.EvaluateLowSampleCountPercentile !== undefined ? { EvaluateLowSampleCountPercentile: input.EvaluateLowSampleCountPercentile } : {}),
  };
  // Tags are taken when the alarm is created; an update ignores them (TagResource changes them).
  ctx.alarms.put({ type: "MetricAlarm", alarm, tags: existing ? existing.tags : input.Tags?.map((t) => ({ ...t })) });
  ctx.alarms.addHistory({
    AlarmName: input.AlarmName,
    AlarmType: "MetricAlarm",
    Timestamp: now,
    HistoryItemType: "ConfigurationUpdate",
    HistorySummary: `Alarm "${input.AlarmName}" ${existing ? "updated" : "created"}`,
    HistoryData: JSON.stringify({ version: "1.0", type: existing ? "Update" : "Create", [existing ? "updatedAlarm" : "createdAlarm"]: historyView(alarm) }),
  });
  ctx.changed(true);
};

export const describeAlarmsForMetric: CloudWatchActionHandler<"DescribeAlarmsForMetric"> = async (ctx, input) => {
  const dims = input.Dimensions === undefined ? undefined : JSON.stringify(sortDimensions(input.Dimensions));
  const alarms = ctx.alarms
    .all()
    .filter((r): r is Extract<AlarmRecord, { type: "MetricAlarm" }> => r.type === "MetricAlarm")
    .map((r) => r.alarm)
    .filter(
      (a) =>
        a.Namespace === input.Namespace &&
        a.MetricName === input.MetricName &&
        (input.Statistic === undefined || a.Statistic === input.Statistic) &&
        (input.ExtendedStatistic === undefined || a.ExtendedStatistic === input.ExtendedStatistic) &&
        (input.Period === undefined || a.Period === input.Period) &&
        (input.Unit === undefined || a.Unit === input.Unit) &&
        (dims === undefined || JSON.stringify(sortDimensions(a.Dimensions as Dimension[])) === dims),
    );
  return { MetricAlarms: alarms };
};

export const describeAlarmHistory: CloudWatchActionHandler<"DescribeAlarmHistory"> = async (ctx, input) => {
  const types = new Set(input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm"]);
  const from = input.StartDate?.getTime() ?? -Infinity;
  const to = input.EndDate?.getTime() ?? Infinity;
  let items: AlarmHistoryItem[] = ctx.alarms.history.filter(
    (h) =>
      (input.AlarmName === undefined || h.AlarmName === input.AlarmName) &&
      types.has(h.AlarmType ?? "MetricAlarm") &&
      (input.HistoryItemType === undefined || h.HistoryItemType === input.HistoryItemType) &&
      h.Timestamp!.getTime() >= from &&
      h.Timestamp!.getTime() <= to,
  );
  if ((input.ScanBy ?? "TimestampDescending") === "TimestampDescending") items = [...items].reverse();
  const size = input.MaxRecords ?? DEFAULT_HISTORY_PAGE;
  let start = 0;
  if (input.NextToken) {
    const m = /^h(\d+)$/.exec(Buffer.from(input.NextToken, "base64url").toString("utf8"));
    if (!m) throw modelError("InvalidNextToken", "The service couldn't process the NextToken.");
    start = Number(m[1]);
  }
  const page = items.slice(start, start + size);
  const more = start + size < items.length;
  return { AlarmHistoryItems: page, ...(more ? { NextToken: Buffer.from(`h${start + size}`, "utf8").toString("base64url") } : {}) };
};

export const deleteAlarms: CloudWatchActionHandler<"DeleteAlarms"> = async (ctx, input) => {
  const missing = input.AlarmNames.filter((name) => !ctx.alarms.get(name));
  if (missing.length > 0) throw modelError("ResourceNotFound", `${missing.length} alarm(s) not found: ${missing.join(", ")}`);
  for (const name of input.AlarmNames) ctx.alarms.delete(name);
  ctx.changed();
};

export const setAlarmStateAction: CloudWatchActionHandler<"SetAlarmState"> = async (ctx, input) => {
  const record = ctx.alarms.get(input.AlarmName);
  if (!record) throw modelError("ResourceNotFound", `Alarm ${input.AlarmName} not found`);
  if (input.StateReasonData !== undefined) {
    try {
      JSON.parse(input.StateReasonData);
    } catch {
      throw modelError("InvalidFormatFault", "The StateReasonData is not valid JSON.");
    }
  }
  setAlarmState(ctx.alarms, record, input.StateValue, input.StateReason, input.StateReasonData, new Date());
  ctx.changed();
};

const setActions =
  (enabled: boolean): CloudWatchActionHandler<"EnableAlarmActions" | "DisableAlarmActions"> =>
  async (ctx, input) => {
    for (const name of input.AlarmNames) {
      const record = ctx.alarms.get(name);
      if (record) record.alarm.ActionsEnabled = enabled;
    }
    ctx.changed();
  };
export const enableAlarmActions = setActions(true);
export const disableAlarmActions = setActions(false);

export const tagResource: CloudWatchActionHandler<"TagResource"> = async (ctx, input) => {
  const record = alarmByArn(ctx, input.ResourceARN);
  const tags = new Map((record.tags ?? []).map((t) => [t.Key, t.Value]));
  for (const t of input.Tags) tags.set(t.Key, t.Value);
  if (tags.size > 50) throw modelError("InvalidParameterValueException", "A resource can have at most 50 tags.");
  record.tags = [...tags].map(([Key, Value]) => ({ Key, Value }));
  ctx.changed();
  return {};
};

export const untagResource: CloudWatchActionHandler<"UntagResource"> = async (ctx, input) => {
  const record = alarmByArn(ctx, input.ResourceARN);
  const remove = new Set(input.TagKeys);
  record.tags = (record.tags ?? []).filter((t) => !remove.has(t.Key));
  ctx.changed();
  return {};
};

export const listTagsForResource: CloudWatchActionHandler<"ListTagsForResource"> = async (ctx, input) => {
  return { Tags: (alarmByArn(ctx, input.ResourceARN).tags ?? []).map((t) => ({ ...t })) };
};

/** An alarm of the caller's account and region by ARN (`arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME`). */
function alarmByArn(ctx: CloudWatchContext, arn: string): AlarmRecord {
  const m = /^arn:aws[a-z-]*:cloudwatch:([^:]*):(\d{12}):alarm:(.+)$/.exec(arn);
  if (!m) {
    if (/^arn:aws[a-z-]*:cloudwatch:[^:]*:\d{12}:(dashboard|insight-rule|metric-stream)\//.test(arn)) throw commonErrors.notSupportedYet("Tags on dashboards, Contributor Insights rules and metric streams");
    throw modelError("InvalidParameterValueException", `The value ${arn} for parameter ResourceARN is not a valid ARN.`);
  }
  const record = m[1] === ctx.region && m[2] === ctx.accountId ? ctx.alarms.get(m[3]!) : undefined;
  if (!record) throw modelError("ResourceNotFoundException", `The specified resource ${arn} does not exist.`);
  return record;
}

/** The alarm as the history's JSON shows it (camelCase, as CloudWatch writes it). */
function historyView(a: MetricAlarm): Record<string, unknown> {
  return {
    alarmName: a.AlarmName,
    alarmArn: a.AlarmArn,
    namespace: a.Namespace,
    metricName: a.MetricName,
    dimensions: (a.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value })),
    ...(a.Statistic ? { statistic: a.Statistic } : { extendedStatistic: a.ExtendedStatistic }),
    period: a.Period,
    evaluationPeriods: a.EvaluationPeriods,
    ...(a.DatapointsToAlarm !== undefined ? { datapointsToAlarm: a.DatapointsToAlarm } : {}),
    threshold: a.Threshold,
    comparisonOperator: a.ComparisonOperator,
    treatMissingData: a.TreatMissingData ?? "",
    actionsEnabled: a.ActionsEnabled,
    stateValue: a.StateValue,
  };
}
