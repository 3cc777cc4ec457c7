/**
 * Errors declared by a service model: the wire code and HTTP status come from the error
 * shape's `error` trait (e.g. CacheClusterNotFoundFault -> CacheClusterNotFound, 404),
 * never from the shape name, because botocore and the waiters match on the code. The
 * shape name travels along: the JSON and CBOR protocols name the error by its shape.
 */
import { AwsError } from "./aws-error.js";
import type { ServiceModel } from "./model.js";

export function modelError(model: ServiceModel, shapeName: string, message: string): AwsError {
  const trait = model.structure(shapeName).error ?? {};
  const status = trait.httpStatusCode ?? 400;
  return new AwsError(trait.code ?? shapeName, message, status, trait.senderFault ?? status < 500, shapeName);
}

/**
 * A service's error constructor, typed by its generated error shape names. The model is
 * looked up at the first error, so importing a service's errors never loads a model file.
 */
export function modelErrors<ErrorShapeName extends string>(
  model: () => ServiceModel,
): (shapeName: ErrorShapeName, message: string) => AwsError {
  return (shapeName, message) => modelError(model(), shapeName, message);
}
