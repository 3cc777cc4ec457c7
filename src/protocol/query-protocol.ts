/**
 * awsQuery: `Action=...&Version=...` form parameters in, `<OpResponse>` XML out, errors as
 * `<ErrorResponse>` with the model's code and status (aws-api.md §1).
 */
import { commonErrors } from "./aws-error.js";
import { serializeError } from "./error-serializer.js";
import { parseInput } from "./query-parser.js";
import type { WireProtocol } from "./wire.js";
import { serializeOutputChunks } from "./xml-serializer.js";

const xmlHeaders = (requestId: string) => ({ "content-type": "text/xml", "x-amzn-requestid": requestId });

export const queryProtocol: WireProtocol = {
  name: "query",
  decode(model, request) {
    const params = request.params ?? new URLSearchParams();
    const action = params.get("Action");
    if (!action) throw commonErrors.missingAction();
    const operation = model.operation(action);
    if (!operation) throw commonErrors.invalidAction(action);
    return { operation, input: parseInput(model, operation.name, params) };
  },
  output: (model, operation, output, requestId) => ({
    status: 200,
    headers: xmlHeaders(requestId),
    body: serializeOutputChunks(model, operation.name, output, requestId),
  }),
  error: (model, error, requestId) => ({
    status: error.httpStatus,
    headers: xmlHeaders(requestId),
    body: serializeError(error, requestId, model.xmlNamespace),
  }),
};
