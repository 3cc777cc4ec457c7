/** CloudWatch's dispatch table: Operation -> handler. An operation without an entry answers NotImplemented (501). */
import type { CloudWatchActionTable } from "../context.js";
import {
  deleteAlarms,
  describeAlarmHistory,
  describeAlarmsForMetric,
  disableAlarmActions,
  enableAlarmActions,
  listTagsForResource,
  putMetricAlarm,
  setAlarmStateAction,
  tagResource,
  untagResource,
} from "./alarms.js";
import { describeAlarms } from "./describe-alarms.js";
import { getMetricData, getMetricStatistics, listMetrics, putMetricData } from "./metrics.js";

export const cloudwatchActions: CloudWatchActionTable = {
  DescribeAlarms: describeAlarms,
  DescribeAlarmsForMetric: describeAlarmsForMetric,
  DescribeAlarmHistory: describeAlarmHistory,
  PutMetricAlarm: putMetricAlarm,
  DeleteAlarms: deleteAlarms,
  SetAlarmState: setAlarmStateAction,
  EnableAlarmActions: enableAlarmActions,
  DisableAlarmActions: disableAlarmActions,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
  ListMetrics: listMetrics,
  GetMetricStatistics: getMetricStatistics,
  GetMetricData: getMetricData,
  PutMetricData: putMetricData,
};
