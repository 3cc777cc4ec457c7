/**
 * What a CloudWatch action handler gets, and the dispatch table's type: handlers take the
 * generated input type and return the generated output type, as ElastiCache's do.
 */
import type { OperationName, OperationTypes } from "../../generated/cloudwatch.js";
import type { Logger } from "../../logger.js";
import type { ActionTableOf } from "../service.js";
import type { RegionAlarms } from "./alarms.js";
import type { RegionMetrics } from "./metric-store.js";

export interface CloudWatchContext {
  requestId: string;
  accountId: string;
  region: string;
  /** The caller's account and region's alarms. */
  alarms: RegionAlarms;
  /** The caller's account and region's metrics. */
  metrics: RegionMetrics;
  /** Alarms or custom metrics changed: persist them (with a data dir); `evaluate`: their data or configuration changed, evaluate alarms now. */
  changed(evaluate?: boolean): void;
  logger: Logger;
}

export type CloudWatchActionHandler<Op extends OperationName> = (
  ctx: CloudWatchContext,
  input: OperationTypes[Op]["input"],
) => Promise<OperationTypes[Op]["output"]>;

export type CloudWatchActionTable = ActionTableOf<CloudWatchContext, OperationTypes>;
