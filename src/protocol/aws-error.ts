/**
 * Errors are values: every failure a client can see is an AwsError carrying the
 * wire code and HTTP status that the service model declares for it.
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number = 400,
    readonly senderFault: boolean = true,
    /** The model's error shape (JSON/CBOR `__type`), when the error is one the model declares. */
    readonly shape?: string,
  ) {
    super(message);
    this.name = "AwsError";
  }
}

/** Common awsQuery errors that the model does not declare as shapes. */
export const commonErrors = {
  invalidAction: (action: string) =>
    new AwsError("InvalidAction", `The action ${action} is not valid for this web service.`, 400),
  missingAction: () => new AwsError("MissingAction", "The request must contain the parameter Action.", 400),
  missingParameter: (name: string) =>
    new AwsError("MissingParameter", `The request must contain the parameter ${name}.`, 400),
  invalidParameterValue: (message: string) => new AwsError("InvalidParameterValue", message, 400),
  invalidParameterCombination: (message: string) => new AwsError("InvalidParameterCombination", message, 400),
  malformedQueryString: (message: string) => new AwsError("MalformedQueryString", message, 404),
  requestEntityTooLarge: (limit: number) =>
    new AwsError("RequestEntityTooLarge", `Request body exceeds the limit of ${limit} bytes.`, 413),
  notImplemented: (action: string) =>
    new AwsError(
      "NotImplemented",
      `${action} is not implemented by elasticache-local yet.`,
      501,
      false,
    ),
  /** A feature that a later version of the emulator will bring: refused honestly, naming it. */
  notSupportedYet: (feature: string) =>
    new AwsError("NotImplemented", `${feature} is not supported by elasticache-local yet.`, 501, false),
  internalFailure: () =>
    new AwsError("InternalFailure", "The request processing has failed because of an unknown error.", 500, false),
} as const;

/** Shortens a client-supplied value quoted in an error message, so hostile input cannot balloon it. */
export function clipValue(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
