/**
 * CloudWatch alarms: one collection per account and region, owned by the CloudWatch service
 * (not by ElastiCache's store). Metric and composite alarms share one name space, as in AWS.
 * PutMetricAlarm creates metric alarms; composite alarms are not created yet. Each region also
 * keeps its alarms' history (DescribeAlarmHistory), bounded to MAX_HISTORY items.
 */
import type { AlarmHistoryItem, CompositeAlarm, MetricAlarm, Tag } from "../../generated/cloudwatch.js";

export type AlarmRecord = ({ type: "MetricAlarm"; alarm: MetricAlarm & { AlarmName: string } } | { type: "CompositeAlarm"; alarm: CompositeAlarm & { AlarmName: string } }) & {
  tags?: Tag[];
};

/** History items kept per account and region (CloudWatch keeps 30 days). */
export const MAX_HISTORY = 10_000;

export interface AlarmScope {
  accountId: string;
  region: string;
}

export class RegionAlarms {
  private readonly byName = new Map<string, AlarmRecord>();
  /** Oldest first. */
  readonly history: AlarmHistoryItem[] = [];

  constructor(readonly scope: AlarmScope) {}

  addHistory(item: AlarmHistoryItem): void {
    this.history.push(item);
    if (this.history.length > MAX_HISTORY) this.history.splice(0, this.history.length - MAX_HISTORY);
  }

  arn(name: string): string {
    return `arn:aws:cloudwatch:${this.scope.region}:${this.scope.accountId}:alarm:${name}`;
  }

  get size(): number {
    return this.byName.size;
  }

  get(name: string): AlarmRecord | undefined {
    return this.byName.get(name);
  }

  put(record: AlarmRecord): void {
    this.byName.set(record.alarm.AlarmName, record);
  }

  delete(name: string): boolean {
    return this.byName.delete(name);
  }

  /** Every alarm, by name (the order DescribeAlarms pages in). */
  all(): AlarmRecord[] {
    return [...this.byName.values()].sort((a, b) => (a.alarm.AlarmName < b.alarm.AlarmName ? -1 : a.alarm.AlarmName > b.alarm.AlarmName ? 1 : 0));
  }
}

export class AlarmStore {
  private readonly regions = new Map<string, RegionAlarms>();

  region(scope: AlarmScope): RegionAlarms {
    const key = `${scope.accountId}/${scope.region}`;
    let alarms = this.regions.get(key);
    if (!alarms) this.regions.set(key, (alarms = new RegionAlarms({ accountId: scope.accountId, region: scope.region })));
    return alarms;
  }

  allRegions(): RegionAlarms[] {
    return [...this.regions.values()];
  }

  clear(): void {
    this.regions.clear();
  }
}
