/**
 * ElastiCache (awsQuery, 2015-02-02) as one service of the router: the dispatch table of
 * actions/, the caller's region state, and the data dir's commit after every change.
 */
import type { ActionContext, ActionTable, Services } from "../../actions/shared/context.js";
import { models } from "../../protocol/model.js";
import { elasticacheWording } from "../../service-errors/elasticache-wording.js";
import type { Store } from "../../state/store.js";
import { handlerFor, type ApiService } from "../service.js";

export interface ElastiCacheServiceDependencies {
  actions: ActionTable;
  store: Store;
  services: Services;
  /** Makes the state durable (data dir); awaited after every successful mutating action, before the answer. */
  commit?: () => Promise<void>;
  /** Resolves when the state writes in progress are done; reads await it (at once when none is). */
  written?: () => Promise<void>;
}

/** Actions that only read: they never wait for a state write. */
const READ_ONLY = /^(Describe|List)/;

export function elasticacheService(deps: ElastiCacheServiceDependencies): ApiService {
  return {
    name: "elasticache",
    model: models.model("elasticache"),
    wording: elasticacheWording,
    async invoke(operation, input, call) {
      const handler = handlerFor<ActionContext>(deps.actions, operation);
      const ctx: ActionContext = {
        requestId: call.requestId,
        accountId: call.accountId,
        region: call.region,
        state: deps.store.region({ accountId: call.accountId, region: call.region }),
        account: deps.store.account(call.accountId),
        logger: call.logger,
        services: deps.services,
      };
      const output = await handler(ctx, input);
      if (!READ_ONLY.test(operation)) await deps.commit?.();
      // A lifecycle step (a cluster becoming available) may be shown only once it is on disk.
      else await deps.written?.();
      return output;
    },
  };
}
