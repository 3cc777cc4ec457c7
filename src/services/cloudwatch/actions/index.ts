/** CloudWatch's dispatch table: Operation -> handler. An operation without an entry answers NotImplemented (501). */
import type { CloudWatchActionTable } from "../context.js";
import { describeAlarms } from "./describe-alarms.js";

export const cloudwatchActions: CloudWatchActionTable = {
  DescribeAlarms: describeAlarms,
};
