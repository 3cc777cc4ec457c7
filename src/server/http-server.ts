/**
 * The HTTP front door: the AWS Query API at `/` (POST form bodies or GET query
 * strings) and the emulator's own endpoints under `/_emulator/`. Caps the body,
 * assigns the request id, and writes it to both the header and the XML.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import { AwsError, commonErrors } from "../protocol/aws-error.js";
import { serializeError } from "../protocol/xml-serializer.js";
import type { ApiResponse } from "./api-handler.js";
import { callerFromRequest, type Caller } from "./caller.js";
import { decodeForm } from "./form-params.js";
import type { RawRequest } from "./sigv4.js";

export interface HttpServerOptions {
  maxBodyBytes: number;
  defaults: { accountId: string; region: string };
  logger: Logger;
  handleApi(params: URLSearchParams, caller: Caller, requestId: string, logger: Logger): Promise<ApiResponse>;
  /** Strict mode: checks the request's signature (throwing AWS's error) and names the signer's account. */
  authenticate?(request: RawRequest): { accountId?: string };
  /** `/_emulator/<name>` routes (JSON, or a `text` body of `contentType`); answer undefined for an unknown route. */
  handleEmulator(method: string, name: string): Promise<{ status: number; json?: unknown; text?: string; contentType?: string } | undefined>;
}

export function createHttpServer(options: HttpServerOptions): Server {
  const server = createServer((req, res) => {
    const requestId = randomUUID();
    const logger = options.logger.child({ requestId });
    route(options, req, res, requestId, logger).catch((error) => {
      logger.error("unhandled request failure", { error: error instanceof Error ? error.stack : String(error) });
      if (!res.headersSent) sendXml(res, requestId, 500, serializeError(commonErrors.internalFailure(), requestId));
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
    const answer = await options.handleEmulator(req.method ?? "GET", url.pathname.slice("/_emulator/".length));
    const { status, json, text, contentType } = answer ?? { status: 404, json: { error: `no emulator endpoint ${url.pathname}` } };
    if (text !== undefined) res.writeHead(status, { "content-type": contentType ?? "text/plain" }).end(text);
    else res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json) + "\n");
    req.resume();
    return;
  }
  try {
    let body: Buffer = Buffer.alloc(0);
    if (req.method === "POST") body = await readBody(req, options.maxBodyBytes);
    else req.resume();
    // The signature is checked before the request is read as a form, as AWS does.
    const signer = options.authenticate?.({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body });
    const params = decodeForm(url.search.slice(1));
    if (req.method === "POST") decodeForm(body, params);
    const caller = callerFromRequest(req.headers, params, options.defaults);
    if (signer?.accountId) caller.accountId = signer.accountId;
    const answer = await options.handleApi(params, caller, requestId, logger);
    sendXml(res, requestId, answer.status, answer.body);
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    logger.info("request refused", { code: error.code, status: error.httpStatus });
    // The rest of an oversized body is not read: close the connection after answering.
    if (error.httpStatus === 413) res.setHeader("connection", "close");
    sendXml(res, requestId, error.httpStatus, serializeError(error, requestId));
  }
}

function sendXml(res: ServerResponse, requestId: string, status: number, body: string | readonly string[]): void {
  // Encode once: the length and the bytes written come from the same buffers.
  const pieces = (typeof body === "string" ? [body] : body).map((text) => Buffer.from(text, "utf8"));
  res.writeHead(status, {
    "content-type": "text/xml",
    "x-amzn-requestid": requestId,
    "content-length": pieces.reduce((sum, piece) => sum + piece.length, 0),
  });
  // Corked, the pieces leave in one write.
  res.cork();
  for (const piece of pieces) res.write(piece);
  res.end();
  res.uncork();
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
