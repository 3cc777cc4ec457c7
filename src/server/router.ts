/**
 * Which AWS service, and which wire protocol, a request on the one API port is for.
 *
 * The protocol shows in the request itself: a Smithy RPC v2 path
 * (`/service/GraniteServiceVersion20100801/operation/DescribeAlarms`) is CBOR, an
 * `X-Amz-Target` header is awsJson, anything else is awsQuery. The service then comes from
 * what that protocol names: the RPC v2 path's service or the target's prefix (both the
 * model's `targetPrefix`); for a query request the SigV4 credential scope's service
 * (`monitoring`, `elasticache`), else the `Version` parameter (2010-08-01 is CloudWatch),
 * else the default service, ElastiCache, so unsigned requests behave as they always have.
 * Everything here reads the models' metadata: a new service adds no rule.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "../logger.js";
import type { AwsError } from "../protocol/aws-error.js";
import { cborProtocol, rpcV2Target } from "../protocol/cbor-protocol.js";
import { jsonProtocol } from "../protocol/json-protocol.js";
import { queryProtocol } from "../protocol/query-protocol.js";
import { unknownOperation } from "../protocol/rpc-errors.js";
import type { ApiRequest, WireAnswer, WireProtocol } from "../protocol/wire.js";
import type { ApiService } from "../services/service.js";
import { handleApiRequest, refuse } from "./api-handler.js";
import { callerFromRequest } from "./caller.js";
import { decodeForm } from "./form-params.js";

/** What routing reads before the body: method, path and headers. */
export interface RequestLine {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

const json10 = jsonProtocol("1.0");
const json11 = jsonProtocol("1.1");

/** botocore's names for the protocols, as listed in a model's `metadata.protocols`. */
const MODEL_PROTOCOL_NAMES: Record<WireProtocol["name"], string> = {
  query: "query",
  json: "json",
  "rpc-v2-cbor": "smithy-rpc-v2-cbor",
};

/** The protocol a request speaks, from its path and headers alone. */
export function protocolOf(request: RequestLine): WireProtocol {
  if (request.method === "POST" && rpcV2Target(request.path)) return cborProtocol;
  const target = request.headers["x-amz-target"];
  if (target !== undefined && target !== "") {
    const contentType = String(request.headers["content-type"] ?? "");
    return contentType.includes("x-amz-json-1.1") ? json11 : json10;
  }
  return queryProtocol;
}

export interface ServiceChoice {
  service: ApiService;
  /** Set when the request names no service (or operation) that speaks its protocol: answer this, in that protocol. */
  refusal?: AwsError;
}

/**
 * The service a request is for. `params` are the decoded form parameters of a query request;
 * `scopeService` is the SigV4 credential scope's service, when signed.
 */
export function chooseService(
  services: readonly ApiService[],
  fallback: ApiService,
  protocol: WireProtocol,
  request: RequestLine & { params?: URLSearchParams },
  scopeService?: string,
): ServiceChoice {
  const byScope = scopeService === undefined ? undefined : services.find((s) => s.model.signingName === scopeService);
  const speaks = (s: ApiService) => s.model.protocols.includes(MODEL_PROTOCOL_NAMES[protocol.name]);
  const rpcChoice = (prefix: string, operation: string): ServiceChoice => {
    const service = services.find((s) => s.model.targetPrefix === prefix && speaks(s));
    if (service) return { service };
    return { service: byScope ?? fallback, refusal: unknownOperation(prefix ? `${prefix}.${operation}` : operation) };
  };
  switch (protocol.name) {
    case "rpc-v2-cbor": {
      const target = rpcV2Target(request.path)!;
      return rpcChoice(target.service, target.operation);
    }
    case "json": {
      const header = request.headers["x-amz-target"];
      const target = Array.isArray(header) ? header[0] : (header ?? "");
      const dot = target.lastIndexOf(".");
      return rpcChoice(dot < 0 ? "" : target.slice(0, dot), target.slice(dot + 1));
    }
    case "query": {
      if (byScope && speaks(byScope)) return { service: byScope };
      const version = request.params?.get("Version");
      const byVersion = services.find((s) => s.model.apiVersion === version && speaks(s));
      return { service: byVersion ?? fallback };
    }
  }
}

/** What an API request is, as a fault injector matches it (service name and signing name, operation, region). */
export interface ApiCallLine {
  service: string;
  signingName: string;
  operation: string;
  region: string;
}

/**
 * Consulted before each API request that reached a service is handled: may delay it, and
 * answers an error to return instead (in the request's protocol), or undefined to go on.
 */
export interface ApiInterceptor {
  intercept(call: ApiCallLine): Promise<AwsError | undefined>;
}

export interface ApiRouterOptions {
  services: readonly ApiService[];
  /** The service of requests that name none (unsigned query requests without a known Version). */
  fallback: ApiService;
  defaults: { accountId: string; region: string };
  /** Every answer: its service, operation (as the request named it) and HTTP status (Prometheus counts them). */
  onAnswer?(service: string, action: string, status: number): void;
  /** Injected API faults (/_emulator/chaos): consulted before every request is handled. */
  interceptor?: ApiInterceptor;
}

/** The operation a request names, from the protocol's own place for it. */
function actionOf(request: RequestLine & { params?: URLSearchParams }, protocol: WireProtocol): string {
  switch (protocol.name) {
    case "rpc-v2-cbor":
      return rpcV2Target(request.path)?.operation ?? "";
    case "json": {
      const header = request.headers["x-amz-target"];
      const target = Array.isArray(header) ? (header[0] ?? "") : (header ?? "");
      return target.slice(target.lastIndexOf(".") + 1);
    }
    case "query":
      return request.params?.get("Action") ?? "";
  }
}

export interface ApiRouter {
  /** Answers one API request; `signer` is strict mode's verdict on the signature (its account wins). */
  handle(request: ApiRequest & { query: string }, signer: { accountId?: string } | undefined, requestId: string, logger: Logger): Promise<WireAnswer>;
  /** Answers a request refused before it could be read (body too large, bad signature, a crash) in its protocol. */
  refuse(request: RequestLine, error: unknown, requestId: string, logger: Logger): WireAnswer;
}

export function createApiRouter(options: ApiRouterOptions): ApiRouter {
  const { services, fallback, defaults, onAnswer, interceptor } = options;
  const observed = (request: RequestLine & { params?: URLSearchParams }, protocol: WireProtocol, service: ApiService, answer: WireAnswer): WireAnswer => {
    onAnswer?.(service.name, actionOf(request, protocol), answer.status);
    return answer;
  };
  /** Before the body is read, the scope's service is the best guess at who should word a refusal. */
  const likely = (request: RequestLine, protocol: WireProtocol): ApiService => {
    const scope = callerFromRequest(request.headers, new URLSearchParams(), defaults).service;
    return chooseService(services, fallback, protocol, request, scope).service;
  };
  return {
    async handle(request, signer, requestId, logger) {
      const protocol = protocolOf(request);
      try {
        const urlParams = decodeForm(request.query);
        if (protocol === queryProtocol) {
          if (request.method === "POST") decodeForm(request.body, urlParams);
          request.params = urlParams;
        }
        const caller = callerFromRequest(request.headers, urlParams, defaults);
        if (signer?.accountId) caller.accountId = signer.accountId;
        const { service, refusal } = chooseService(services, fallback, protocol, request, caller.service);
        if (refusal) return observed(request, protocol, service, refuse(service, protocol, refusal, requestId, logger));
        const injected = await interceptor?.intercept({ service: service.name, signingName: service.model.signingName, operation: actionOf(request, protocol), region: caller.region });
        if (injected) return observed(request, protocol, service, refuse(service, protocol, injected, requestId, logger, actionOf(request, protocol)));
        return observed(request, protocol, service, await handleApiRequest(service, protocol, request, caller, requestId, logger));
      } catch (error) {
        const service = likely(request, protocol);
        return observed(request, protocol, service, refuse(service, protocol, error, requestId, logger, request.params?.get("Action") ?? undefined));
      }
    },
    refuse(request, error, requestId, logger) {
      const protocol = protocolOf(request);
      return refuse(likely(request, protocol), protocol, error, requestId, logger);
    },
  };
}
