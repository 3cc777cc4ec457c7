/**
 * The emulator's own HTTP endpoints under `/_emulator/` (never mixed with the AWS API at `/`):
 * health (engines and forwarder in use), the CA certificate of the TLS endpoints, reset,
 * and every resource's endpoints; Prometheus metrics, and the dashboard (its page, the JSON it
 * polls, and its chart library under assets/).
 */
import { dashboardAsset } from "./dashboard-assets.js";
import { DASHBOARD_HTML } from "./dashboard-page.js";
import type { EmulatorAnswer, HttpServerOptions } from "./http-server.js";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus.js";

export interface EmulatorRouteDeps {
  /** What /_emulator/health reports besides `running`. */
  health(): Record<string, unknown>;
  /** The CA's PEM text; undefined when TLS in transit is unavailable. */
  caPem(): string | undefined;
  reset(): Promise<void>;
  /** Boot-time provisioning: health is 503 (not ready) until every init entry is available. */
  readiness?(): { ready: boolean; provisioning: unknown };
  /** Every resource's endpoints: the JSON listing and the same as `NAME=value` lines. */
  endpoints?(): Promise<{ json: unknown; env: string }>;
  /** The Prometheus text of the latest sampling round. */
  metrics(): Promise<string>;
  /** What the dashboard shows. */
  dashboard(): unknown;
  /** Further route families (each answers undefined for a route it does not own), asked in order after these. */
  more?: EmulatorRouteFamily[];
}

/** A family of `/_emulator/` routes: `name` is the path after `/_emulator/`, `body` the raw request body. */
export type EmulatorRouteFamily = (method: string, name: string, body: Buffer) => Promise<EmulatorAnswer | undefined>;

/** The body as a JSON object, or a 400 answer naming what is wrong. */
export function jsonBody(body: Buffer): { value: Record<string, unknown> } | { refusal: EmulatorAnswer } {
  if (body.length === 0) return { value: {} };
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return { value: value as Record<string, unknown> };
    return { refusal: { status: 400, json: { error: "the body must be a JSON object" } } };
  } catch {
    return { refusal: { status: 400, json: { error: "the body is not valid JSON" } } };
  }
}

export function emulatorRoutes(deps: EmulatorRouteDeps): HttpServerOptions["handleEmulator"] {
  return async (method, name, body) => {
    if (name === "health" && method === "GET") {
      const readiness = deps.readiness?.();
      const ready = readiness?.ready ?? true;
      const provisioning = readiness ? { provisioning: readiness.provisioning } : {};
      return { status: ready ? 200 : 503, json: { status: ready ? "running" : "starting", ready, ...provisioning, ...deps.health() } };
    }
    if ((name === "endpoints" || name === "endpoints.env") && method === "GET" && deps.endpoints) {
      const listing = await deps.endpoints();
      return name === "endpoints" ? { status: 200, json: listing.json } : { status: 200, text: listing.env, contentType: "text/plain; charset=utf-8" };
    }
    if (name === "ca.pem" && method === "GET") {
      const pem = deps.caPem();
      if (pem === undefined) return { status: 404, json: { error: "TLS in transit is unavailable (no openssl command)" } };
      return { status: 200, text: pem, contentType: "application/x-pem-file" };
    }
    if (name === "metrics" && method === "GET") return { status: 200, text: await deps.metrics(), contentType: PROMETHEUS_CONTENT_TYPE };
    if (name === "" && method === "GET") return { status: 200, text: DASHBOARD_HTML, contentType: "text/html; charset=utf-8" };
    if (name === "dashboard.json" && method === "GET") return { status: 200, json: deps.dashboard() };
    if (name.startsWith("assets/") && method === "GET") {
      const asset = await dashboardAsset(name.slice("assets/".length));
      if (asset) return { status: 200, ...asset };
    }
    if (name === "reset" && method === "POST") {
      await deps.reset();
      return { status: 200, json: { status: "reset" } };
    }
    for (const family of deps.more ?? []) {
      const answer = await family(method, name, body);
      if (answer) return answer;
    }
    return undefined;
  };
}
