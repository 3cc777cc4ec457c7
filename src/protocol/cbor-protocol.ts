/**
 * Smithy RPC v2 CBOR: `POST /service/<ServiceName>/operation/<Operation>` with a CBOR body,
 * `smithy-protocol: rpc-v2-cbor` both ways (clients refuse an answer without it), timestamps
 * as tag 1 (epoch seconds), blobs as byte strings. What aws-sdk-go-v2 and the Java SDK send
 * to CloudWatch. Encoding and decoding are cborg's (README: Dependencies).
 */
import { decode, encode, Token, Type } from "cborg";
import { type DocumentScalars, epochOrIsoTimestamp, readDocument, serializationError, writeDocument } from "./document-codec.js";
import { rpcErrorBody, rpcErrorHeaders, unknownOperation } from "./rpc-errors.js";
import type { WireProtocol } from "./wire.js";

const RPC_V2_PATH = /\/service\/([^/]+)\/operation\/([^/]+)$/;

/** The service and operation names of a Smithy RPC v2 path (any prefix before `/service/`). */
export function rpcV2Target(path: string): { service: string; operation: string } | undefined {
  const m = RPC_V2_PATH.exec(path);
  return m ? { service: decodeURIComponent(m[1]), operation: decodeURIComponent(m[2]) } : undefined;
}

/** Marks a Date for the encoder: tag 1 around epoch seconds (a float keeps the milliseconds). */
class EpochSeconds {
  constructor(readonly seconds: number) {}
}

const scalars: DocumentScalars = {
  readTimestamp: (value) => (value instanceof Date ? value : epochOrIsoTimestamp(value)),
  writeTimestamp: (date) => new EpochSeconds(date.getTime() / 1000),
  readBlob: (value) => (value instanceof Uint8Array ? value : undefined),
  writeBlob: (bytes) => bytes,
};

const tags: ((decodeContent: () => unknown) => unknown)[] = [];
tags[1] = (decodeContent) => {
  const seconds = decodeContent();
  if (typeof seconds !== "number") throw new Error("tag 1 must hold a number");
  return new Date(Math.round(seconds * 1000));
};

const typeEncoders = {
  Object: (value: unknown) =>
    value instanceof EpochSeconds
      ? [new Token(Type.tag, 1), Number.isInteger(value.seconds) ? new Token(Type.uint, value.seconds) : new Token(Type.float, value.seconds)]
      : null,
};

export function encodeCbor(value: unknown): Uint8Array {
  return encode(value, { typeEncoders });
}

export function decodeCbor(bytes: Uint8Array): unknown {
  return decode(bytes, { tags, allowUndefined: true, coerceUndefinedToNull: true });
}

function cborAnswer(status: number, requestId: string, body: unknown, extra: Record<string, string> = {}) {
  return {
    status,
    headers: { "content-type": "application/cbor", "smithy-protocol": "rpc-v2-cbor", "x-amzn-requestid": requestId, ...extra },
    body: encodeCbor(body),
  };
}

export const cborProtocol: WireProtocol = {
  name: "rpc-v2-cbor",
  decode(model, request) {
    const name = rpcV2Target(request.path)?.operation ?? "";
    const operation = model.operation(name);
    if (!operation) throw unknownOperation(name);
    let document: unknown = {};
    if (request.body.length > 0) {
      try {
        document = decodeCbor(request.body);
      } catch {
        throw serializationError("The request body is not valid CBOR.");
      }
    }
    const input = operation.input ? readDocument(model, operation.input, document, scalars) : {};
    return { operation, input: (input ?? {}) as Record<string, unknown> };
  },
  output: (model, operation, output, requestId) =>
    cborAnswer(200, requestId, operation.output && output ? writeDocument(model, operation.output, output, scalars) : {}),
  error: (model, error, requestId) => cborAnswer(error.httpStatus, requestId, rpcErrorBody(model, error), rpcErrorHeaders(model, error)),
};
