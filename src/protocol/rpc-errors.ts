/**
 * Errors of the RPC protocols (awsJson1_0 and Smithy RPC v2 CBOR): a `__type` naming the
 * error shape in the service's Smithy namespace and a `message`. A service that moved from
 * awsQuery (CloudWatch: awsQueryCompatible) also sends `x-amzn-query-error: <QueryCode>;Sender`,
 * from which botocore and the JS SDK take the code that query clients knew (InvalidParameterValue,
 * ResourceNotFound...), aws-next-capabilities.md §7.6.
 */
import { AwsError } from "./aws-error.js";
import type { ServiceModel } from "./model.js";

export function rpcErrorBody(model: ServiceModel, error: AwsError): { __type: string; message: string } {
  return { __type: `${model.smithyNamespace}#${error.shape ?? error.code}`, message: error.message };
}

export function rpcErrorHeaders(model: ServiceModel, error: AwsError): Record<string, string> {
  return model.awsQueryCompatible ? { "x-amzn-query-error": `${error.code};${error.senderFault ? "Sender" : "Receiver"}` } : {};
}

/** An operation name the service does not have (AWS's RPC services answer UnknownOperationException). */
export const unknownOperation = (name: string) =>
  new AwsError("UnknownOperationException", `The operation ${name} is not known to this service.`, 400);
