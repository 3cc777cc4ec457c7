/**
 * CloudWatch (`monitoring`, 2010-08-01) as one service of the router, on the same port as
 * ElastiCache: awsQuery, awsJson1_0 and Smithy RPC v2 CBOR, Coral-worded validation errors,
 * and the alarms it owns per account and region.
 */
import { models } from "../../protocol/model.js";
import { coralWording } from "../../protocol/validator.js";
import { handlerFor, type ApiService } from "../service.js";
import { cloudwatchActions } from "./actions/index.js";
import type { AlarmStore } from "./alarms.js";
import type { MetricStore } from "./metric-store.js";
import type { CloudWatchActionTable, CloudWatchContext } from "./context.js";

export { AlarmStore } from "./alarms.js";
export { MetricStore } from "./metric-store.js";

export function cloudwatchService(deps: { alarms: AlarmStore; metrics: MetricStore; changed?: (evaluate: boolean) => void; actions?: CloudWatchActionTable }): ApiService {
  const actions = deps.actions ?? cloudwatchActions;
  return {
    name: "cloudwatch",
    model: models.model("cloudwatch"),
    wording: coralWording,
    invoke(operation, input, call) {
      const handler = handlerFor<CloudWatchContext>(actions, operation);
      const scope = { accountId: call.accountId, region: call.region };
      return handler({ ...call, ...scope, alarms: deps.alarms.region(scope), metrics: deps.metrics.region(scope), changed: (evaluate = false) => deps.changed?.(evaluate) }, input);
    },
  };
}
