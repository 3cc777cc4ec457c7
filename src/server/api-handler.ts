/**
 * One AWS API request for the service and protocol the router chose: operation lookup and
 * input decoding (the protocol's), model-driven validation (worded as the service words it),
 * the handler, encoding. Every failure becomes an error in the request's protocol; anything
 * unexpected is a logged 500 InternalFailure.
 */
import type { Logger } from "../logger.js";
import { AwsError, commonErrors } from "../protocol/aws-error.js";
import { validateInput } from "../protocol/validator.js";
import type { ApiRequest, WireAnswer, WireProtocol } from "../protocol/wire.js";
import type { ApiService } from "../services/service.js";
import type { Caller } from "./caller.js";

export async function handleApiRequest(
  service: ApiService,
  protocol: WireProtocol,
  request: ApiRequest,
  caller: Caller,
  requestId: string,
  logger: Logger,
): Promise<WireAnswer> {
  const { model } = service;
  let action: string | undefined = protocol.name === "query" ? (request.params?.get("Action") ?? undefined) : undefined;
  try {
    const { operation, input } = protocol.decode(model, request);
    action = operation.name;
    validateInput(model, operation.name, input, service.wording);
    const output = await service.invoke(operation.name, input, {
      requestId,
      accountId: caller.accountId,
      region: caller.region,
      logger,
    });
    logger.debug("request done", { action });
    return protocol.output(model, operation, output, requestId);
  } catch (error) {
    return refuse(service, protocol, error, requestId, logger, action);
  }
}

/** The answer for a failure: an AwsError as the protocol spells it, anything else a logged InternalFailure. */
export function refuse(
  service: Pick<ApiService, "model">,
  protocol: WireProtocol,
  error: unknown,
  requestId: string,
  logger: Logger,
  action?: string,
): WireAnswer {
  const awsError = error instanceof AwsError ? error : commonErrors.internalFailure();
  if (error instanceof AwsError) {
    logger.info("request refused", { action, code: error.code, status: error.httpStatus, message: error.message });
  } else {
    logger.error("request failed", { action, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
  return protocol.error(service.model, awsError, requestId);
}
