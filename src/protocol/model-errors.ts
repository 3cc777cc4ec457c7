/**
 * Errors declared by the model: the wire code and HTTP status come from the error
 * shape's `error` trait (e.g. CacheClusterNotFoundFault -> CacheClusterNotFound, 404),
 * never from the shape name, because botocore and the waiters match on the code.
 */
import type { ErrorShapeName } from "../generated/api.js";
import { AwsError } from "./aws-error.js";
import { getServiceModel, type ServiceModel } from "./model.js";

export type { ErrorShapeName };

export function modelError(shapeName: ErrorShapeName, message: string, model: ServiceModel = getServiceModel()): AwsError {
  const trait = model.structure(shapeName).error ?? {};
  const status = trait.httpStatusCode ?? 400;
  return new AwsError(trait.code ?? shapeName, message, status, trait.senderFault ?? status < 500);
}
