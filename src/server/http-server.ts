/**
 * The HTTP front door: the AWS APIs (awsQuery POST form bodies or GET query strings at `/`,
 * awsJson with `X-Amz-Target`, Smithy RPC v2 CBOR under `/service/...`; the router picks the
 * service and protocol) and the emulator's own endpoints under `/_emulator/`. Caps the body,
 * checks the signature in strict mode, assigns the request id.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { gunzipSync } from "node:zlib";
import type { Logger } from "../logger.js";
import { AwsError, commonErrors } from "../protocol/aws-error.js";
import type { WireAnswer } from "../protocol/wire.js";
import type { ApiRouter } from "./router.js";
import type { RawRequest } from "./sigv4.js";

export interface HttpServerOptions {
  maxBodyBytes: number;
  logger: Logger;
  /** The AWS APIs: picks the service and protocol of each request and answers it. */
  api: ApiRouter;
  /** Strict mode: checks the request's signature (throwing AWS's error) and names the signer's account. */
  authenticate?(request: RawRequest): { accountId?: string };
  /** `/_emulator/<name>` routes (JSON, or a `text` body of `contentType`); answer undefined for an unknown route. */
  handleEmulator(method: string, name: string, body: Buffer): Promise<EmulatorAnswer | undefined>;
}

/** What an `/_emulator/` route answers: JSON, or a `text` body of `contentType`. */
export interface EmulatorAnswer {
  status: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}

export function createHttpServer(options: HttpServerOptions): Server {
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const logger = options.logger.child({ requestId });
    route(options, req, res, requestId, logger).catch((error) => {
      logger.error("unhandled request failure", { error: error instanceof Error ? error.stack : String(error) });
      if (!res.headersSent) send(res, options.api.refuse(requestLine(req), commonErrors.internalFailure(), requestId, logger));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

async function route(
  options: HttpServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  logger: Logger,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname.startsWith("/_emulator/")) {
    let body: Buffer;
    try {
      body = req.method === "GET" || req.method === "HEAD" ? (req.resume(), Buffer.alloc(0)) : await readBody(req, options.maxBodyBytes);
    } catch {
      res.writeHead(413, { "content-type": "application/json", connection: "close" }).end(JSON.stringify({ error: `body over ${options.maxBodyBytes} bytes` }) + "\n");
      return;
    }
    const answer = await options.handleEmulator(req.method ?? "GET", url.pathname.slice("/_emulator/".length), body);
    const { status, json, text, contentType } = answer ?? { status: 404, json: { error: `no emulator endpoint ${url.pathname}` } };
    if (text !== undefined) res.writeHead(status, { "content-type": contentType ?? "text/plain" }).end(text);
    else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json) + "\n");
    return;
  }
  try {
    let body: Buffer = Buffer.alloc(0);
    if (req.method === "POST") body = await readBody(req, options.maxBodyBytes);
    else req.resume();
    // The signature is checked before the request is read as a form, as AWS does.
    const signer = options.authenticate?.({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body });
    body = decoded(req, body, options.maxBodyBytes);
    const request = { method: req.method ?? "GET", path: url.pathname, headers: req.headers, query: url.search.slice(1), body };
    send(res, await options.api.handle(request, signer, requestId, logger));
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    // The rest of an oversized body is not read: close the connection after answering.
    if (error.httpStatus === 413) res.setHeader("connection", "close");
    send(res, options.api.refuse({ method: req.method ?? "GET", path: url.pathname, headers: req.headers }, error, requestId, logger));
  }
}

/** The request's method, path and headers, for a refusal before its URL was parsed. */
function requestLine(req: IncomingMessage) {
  return { method: req.method ?? "GET", path: new URL(req.url ?? "/", "http://localhost").pathname, headers: req.headers };
}

function send(res: ServerResponse, answer: WireAnswer): void {
  const { body } = answer;
  // Encode once: the length and the bytes written come from the same buffers.
  const pieces = body instanceof Uint8Array ? [body] : (typeof body === "string" ? [body] : body).map((text) => Buffer.from(text, "utf8"));
  res.writeHead(answer.status, {
    ...answer.headers,
    "content-length": pieces.reduce((sum, piece) => sum + piece.length, 0),
  });
  // Corked, the pieces leave in one write.
  res.cork();
  for (const piece of pieces) res.write(piece);
  res.end();
  res.uncork();
}

/**
 * A gzip body (`Content-Encoding: gzip`: the SDKs compress CloudWatch PutMetricData bodies of
 * 10 KiB and more, the model's requestcompression trait) unzipped, refusing more than `limit`
 * bytes once unzipped too. The signature covers the compressed bytes; it is checked on those.
 */
function decoded(req: IncomingMessage, body: Buffer, limit: number): Buffer {
  const encoding = String(req.headers["content-encoding"] ?? "").trim().toLowerCase();
  if (encoding !== "gzip") return body;
  try {
    return gunzipSync(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw commonErrors.requestEntityTooLarge(limit);
    throw new AwsError("SerializationException", "The request body is not valid gzip.", 400);
  }
}

/** Reads the body, refusing more than `limit` bytes (declared or actual). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(commonErrors.requestEntityTooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(commonErrors.requestEntityTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
