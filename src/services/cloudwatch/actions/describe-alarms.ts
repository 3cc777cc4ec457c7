/**
 * DescribeAlarms: the caller's metric alarms (and composite alarms when AlarmTypes asks for
 * them), filtered by name, prefix, state, action prefix or composite relations, by name,
 * paged with NextToken/MaxRecords. The model has checked StateValue, AlarmTypes and
 * MaxRecords (1..100) already.
 */
import type { CompositeAlarm, MetricAlarm } from "../../../generated/cloudwatch.js";
import { commonErrors } from "../../../protocol/aws-error.js";
import type { AlarmRecord } from "../alarms.js";
import type { CloudWatchActionHandler } from "../context.js";
import { pageByToken } from "../paging.js";

/** AWS's page size when MaxRecords is not given. */
const DEFAULT_MAX_RECORDS = 50;

export const describeAlarms: CloudWatchActionHandler<"DescribeAlarms"> = async (ctx, input) => {
  checkCombination(input);
  const types = new Set(input.AlarmTypes?.length ? input.AlarmTypes : ["MetricAlarm"]);
  let alarms = ctx.alarms.all().filter((r) => types.has(r.type));

  if (input.AlarmNames?.length) {
    const names = new Set(input.AlarmNames);
    alarms = alarms.filter((r) => names.has(r.alarm.AlarmName));
  }
  if (input.AlarmNamePrefix !== undefined) alarms = alarms.filter((r) => r.alarm.AlarmName.startsWith(input.AlarmNamePrefix!));
  if (input.StateValue !== undefined) alarms = alarms.filter((r) => r.alarm.StateValue === input.StateValue);
  if (input.ActionPrefix !== undefined) alarms = alarms.filter((r) => actionsOf(r).some((a) => a.startsWith(input.ActionPrefix!)));
  if (input.ChildrenOfAlarmName !== undefined) {
    const parent = ctx.alarms.get(input.ChildrenOfAlarmName);
    const children = new Set(parent?.type === "CompositeAlarm" ? alarmsInRule(parent.alarm.AlarmRule ?? "") : []);
    alarms = ctx.alarms.all().filter((r) => children.has(r.alarm.AlarmName) && types.has(r.type));
  }
  if (input.ParentsOfAlarmName !== undefined) {
    const child = input.ParentsOfAlarmName;
    alarms = ctx.alarms
      .all()
      .filter((r) => r.type === "CompositeAlarm" && alarmsInRule(r.alarm.AlarmRule ?? "").includes(child) && types.has(r.type));
  }

  const page = pageByToken("DescribeAlarms", alarms, (r) => r.alarm.AlarmName, input, DEFAULT_MAX_RECORDS);
  const metricAlarms: MetricAlarm[] = [];
  const compositeAlarms: CompositeAlarm[] = [];
  for (const r of page.items) {
    if (r.type === "MetricAlarm") metricAlarms.push(r.alarm);
    else compositeAlarms.push(r.alarm);
  }
  return {
    MetricAlarms: metricAlarms,
    ...(types.has("CompositeAlarm") ? { CompositeAlarms: compositeAlarms } : {}),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
};

/**
 * AlarmNamePrefix cannot be used with AlarmNames; ChildrenOfAlarmName and ParentsOfAlarmName
 * take no other filter (only MaxRecords, NextToken and AlarmTypes), as the API reference says.
 */
function checkCombination(input: Parameters<typeof describeAlarms>[1]): void {
  if (input.AlarmNames?.length && input.AlarmNamePrefix !== undefined) {
    throw commonErrors.invalidParameterCombination("AlarmNamePrefix and AlarmNames cannot be specified together.");
  }
  const relation = input.ChildrenOfAlarmName !== undefined ? "ChildrenOfAlarmName" : input.ParentsOfAlarmName !== undefined ? "ParentsOfAlarmName" : undefined;
  if (!relation) return;
  const others = (["AlarmNames", "AlarmNamePrefix", "StateValue", "ActionPrefix", "ChildrenOfAlarmName", "ParentsOfAlarmName"] as const).filter(
    (name) => name !== relation && input[name] !== undefined && !(Array.isArray(input[name]) && input[name].length === 0),
  );
  if (others.length > 0) {
    throw commonErrors.invalidParameterCombination(
      `${relation} cannot be specified with ${others.join(", ")}: only MaxRecords, NextToken and AlarmTypes may accompany it.`,
    );
  }
}

function actionsOf(record: AlarmRecord): string[] {
  const a = record.alarm;
  return [...(a.AlarmActions ?? []), ...(a.OKActions ?? []), ...(a.InsufficientDataActions ?? [])];
}

/** The alarm names a composite alarm's rule refers to: `ALARM("name")`, `OK(name)`, `INSUFFICIENT_DATA(...)`. */
export function alarmsInRule(rule: string): string[] {
  const names: string[] = [];
  for (const m of rule.matchAll(/\b(?:ALARM|OK|INSUFFICIENT_DATA)\(\s*(?:"([^"]*)"|([^)\s]+))\s*\)/g)) names.push(m[1] ?? m[2]);
  return names;
}
