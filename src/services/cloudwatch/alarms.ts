/**
 * CloudWatch alarms: one collection per account and region, owned by the CloudWatch service
 * (not by ElastiCache's store). Metric and composite alarms share one name space, as in AWS.
 * Nothing creates alarms yet (PutMetricAlarm and PutCompositeAlarm come later), so every
 * collection starts, and for now stays, empty.
 */
import type { CompositeAlarm, MetricAlarm } from "../../generated/cloudwatch.js";

export type AlarmRecord = { type: "MetricAlarm"; alarm: MetricAlarm & { AlarmName: string } } | { type: "CompositeAlarm"; alarm: CompositeAlarm & { AlarmName: string } };

export interface AlarmScope {
  accountId: string;
  region: string;
}

export class RegionAlarms {
  private readonly byName = new Map<string, AlarmRecord>();

  constructor(readonly scope: AlarmScope) {}

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

  clear(): void {
    this.regions.clear();
  }
}
