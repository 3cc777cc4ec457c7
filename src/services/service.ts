/**
 * One AWS service the emulator answers: its model, how its validation errors are worded,
 * and how an operation runs. The router (server/router.ts) picks one per request; the
 * protocol layer decodes and encodes for it; handlers stay typed by the service's
 * generated types and never see the wire.
 */
import type { Logger } from "../logger.js";
import { commonErrors } from "../protocol/aws-error.js";
import type { ServiceModel, ServiceName } from "../protocol/model.js";
import type { ViolationWording } from "../protocol/validator.js";

/** Who asks and under which request id; the account and region come from the SigV4 scope. */
export interface ApiCall {
  requestId: string;
  accountId: string;
  region: string;
  logger: Logger;
}

export interface ApiService {
  readonly name: ServiceName;
  readonly model: ServiceModel;
  readonly wording: ViolationWording;
  /** Runs the operation's handler on a validated input; NotImplemented (501) when it has none. */
  invoke(operation: string, input: Record<string, unknown>, call: ApiCall): Promise<unknown>;
}

/** A service's dispatch table, typed from its generated OperationTypes: Operation -> handler. */
export type ActionTableOf<Context, Types extends { [Op in keyof Types]: { input: unknown; output: unknown } }> = {
  [Op in keyof Types]?: (ctx: Context, input: Types[Op]["input"]) => Promise<Types[Op]["output"]>;
};

/** The handler for an operation, or NotImplemented: the model knows the operation, the emulator does not do it yet. */
export function handlerFor<Context>(table: object, operation: string): (ctx: Context, input: unknown) => Promise<unknown> {
  const handler = (table as Record<string, ((ctx: Context, input: unknown) => Promise<unknown>) | undefined>)[operation];
  if (!handler) throw commonErrors.notImplemented(operation);
  return handler;
}
