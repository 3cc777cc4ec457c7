/**
 * The emulator's own HTTP endpoints under `/_emulator/` (never mixed with the AWS API at `/`):
 * health (engines and forwarder in use), the CA certificate of the TLS endpoints, reset,
 * and every resource's endpoints; Prometheus metrics, and the dashboard (its page, the JSON it
 * polls, and its chart library under assets/).
 */
import { dashboardAsset } from "./dashboard-assets.js";
import { DASHBOARD_HTML } from "./dashboard-page.js";
import type { HttpServerOptions } from "./http-server.js";
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
}

export function emulatorRoutes(deps: EmulatorRouteDeps): HttpServerOptions["handleEmulator"] {
  return async (method, name) => {
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
    return undefined;
  };
}
