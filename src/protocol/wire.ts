/**
 * What the protocol layer sees of an HTTP request, and what it hands back: the HTTP server
 * stays ignorant of forms, JSON and CBOR, and the protocols stay ignorant of sockets.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { AwsError } from "./aws-error.js";
import type { Operation, ServiceModel } from "./model.js";

export interface ApiRequest {
  method: string;
  /** The URL path, e.g. `/` or `/service/GraniteServiceVersion20100801/operation/DescribeAlarms`. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The form parameters (URL query, then a POST body), decoded for awsQuery requests only. */
  params?: URLSearchParams;
}

export interface WireAnswer {
  status: number;
  headers: Record<string, string>;
  /** Text in pieces for large XML pages (see serializeOutputChunks), or bytes (CBOR). */
  body: string | readonly string[] | Uint8Array;
}

export type ProtocolName = "query" | "json" | "rpc-v2-cbor";

/** One wire protocol: request -> (operation, input), output or error -> answer, for any service model. */
export interface WireProtocol {
  readonly name: ProtocolName;
  /** Finds the operation (unknown -> the protocol's own error) and decodes its input shape. */
  decode(model: ServiceModel, request: ApiRequest): { operation: Operation; input: Record<string, unknown> };
  output(model: ServiceModel, operation: Operation, output: unknown, requestId: string): WireAnswer;
  error(model: ServiceModel, error: AwsError, requestId: string): WireAnswer;
}
