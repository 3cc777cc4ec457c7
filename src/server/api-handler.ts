/**
 * One AWS API request, from form parameters to XML: action lookup, model-driven
 * parsing and validation, the handler, serialization. Every failure becomes an
 * AWS-shaped error; anything unexpected is a logged 500 InternalFailure.
 */
import type { ActionContext, ActionTable, Services } from "../actions/shared/context.js";
import type { Logger } from "../logger.js";
import { AwsError, commonErrors } from "../protocol/aws-error.js";
import type { ServiceModel } from "../protocol/model.js";
import { parseInput } from "../protocol/query-parser.js";
import { validateInput } from "../protocol/validator.js";
import { serializeError, serializeOutputChunks } from "../protocol/xml-serializer.js";
import type { Store } from "../state/store.js";
import type { Caller } from "./caller.js";

export interface ApiResponse {
  status: number;
  /** The XML, in pieces for large pages (see serializeOutputChunks). */
  body: string | readonly string[];
}

export interface ApiDependencies {
  model: ServiceModel;
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

export async function handleApiRequest(
  deps: ApiDependencies,
  params: URLSearchParams,
  caller: Caller,
  requestId: string,
  logger: Logger,
): Promise<ApiResponse> {
  const action = params.get("Action");
  try {
    if (!action) throw commonErrors.missingAction();
    const operation = deps.model.operation(action);
    if (!operation) throw commonErrors.invalidAction(action);
    const input = parseInput(deps.model, action, params);
    validateInput(deps.model, action, input);
    const handler = deps.actions[operation.name as keyof ActionTable] as
      | ((ctx: ActionContext, input: unknown) => Promise<unknown>)
      | undefined;
    if (!handler) throw commonErrors.notImplemented(operation.name);
    const ctx: ActionContext = {
      requestId,
      accountId: caller.accountId,
      region: caller.region,
      state: deps.store.region(caller),
      account: deps.store.account(caller.accountId),
      logger,
      services: deps.services,
    };
    const output = await handler(ctx, input);
    if (!READ_ONLY.test(operation.name)) await deps.commit?.();
    // A lifecycle step (a cluster becoming available) may be shown only once it is on disk.
    else await deps.written?.();
    logger.debug("request done", { action });
    return { status: 200, body: serializeOutputChunks(deps.model, operation.name, output, requestId) };
  } catch (error) {
    const awsError = error instanceof AwsError ? error : commonErrors.internalFailure();
    if (error instanceof AwsError) {
      logger.info("request refused", { action, code: error.code, status: error.httpStatus, message: error.message });
    } else {
      logger.error("request failed", { action, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
    return { status: awsError.httpStatus, body: serializeError(awsError, requestId, deps.model.xmlNamespace) };
  }
}
