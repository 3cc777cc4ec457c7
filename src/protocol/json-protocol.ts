/**
 * awsJson1_0 (and 1.1): `POST /` with `X-Amz-Target: <targetPrefix>.<Operation>` and a JSON
 * body; timestamps as epoch seconds, blobs as base64. What botocore >= 1.42.7 and the newest
 * @aws-sdk/client-cloudwatch send to CloudWatch.
 */
import { type DocumentScalars, epochOrIsoTimestamp, readDocument, serializationError, writeDocument } from "./document-codec.js";
import { rpcErrorBody, rpcErrorHeaders, unknownOperation } from "./rpc-errors.js";
import type { WireProtocol } from "./wire.js";

const scalars: DocumentScalars = {
  readTimestamp: epochOrIsoTimestamp,
  writeTimestamp: (date) => date.getTime() / 1000,
  readBlob: (value) => (typeof value === "string" ? new Uint8Array(Buffer.from(value, "base64")) : undefined),
  writeBlob: (bytes) => Buffer.from(bytes).toString("base64"),
};

/** The operation named by `X-Amz-Target` (`Prefix.Operation`); the router has matched the prefix. */
export function targetOperation(header: string | string[] | undefined): string {
  const target = Array.isArray(header) ? header[0] : (header ?? "");
  return target.slice(target.lastIndexOf(".") + 1);
}

function jsonAnswer(status: number, requestId: string, body: unknown, contentType: string, extra: Record<string, string> = {}) {
  return {
    status,
    headers: { "content-type": contentType, "x-amzn-requestid": requestId, ...extra },
    // Non-finite doubles are spelled as strings in JSON.
    body: JSON.stringify(body, (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v)),
  };
}

export function jsonProtocol(version: "1.0" | "1.1" = "1.0"): WireProtocol {
  const contentType = `application/x-amz-json-${version}`;
  return {
    name: "json",
    decode(model, request) {
      const name = targetOperation(request.headers["x-amz-target"]);
      const operation = model.operation(name);
      if (!operation) throw unknownOperation(name);
      const text = request.body.toString("utf8").trim();
      let document: unknown = {};
      if (text !== "") {
        try {
          document = JSON.parse(text);
        } catch {
          throw serializationError("The request body is not valid JSON.");
        }
      }
      const input = operation.input ? readDocument(model, operation.input, document, scalars) : {};
      return { operation, input: (input ?? {}) as Record<string, unknown> };
    },
    output: (model, operation, output, requestId) =>
      jsonAnswer(200, requestId, operation.output && output ? writeDocument(model, operation.output, output, scalars) : {}, contentType),
    error: (model, error, requestId) =>
      jsonAnswer(error.httpStatus, requestId, rpcErrorBody(model, error), contentType, rpcErrorHeaders(model, error)),
  };
}
