/**
 * The emulator's own HTTP endpoints under `/_emulator/` (never mixed with the AWS API at `/`):
 * health (engines and forwarder in use), the CA certificate of the TLS endpoints, reset.
 */
import type { HttpServerOptions } from "./http-server.js";

export interface EmulatorRouteDeps {
  /** What /_emulator/health reports besides `running`. */
  health(): Record<string, unknown>;
  /** The CA's PEM text; undefined when TLS in transit is unavailable. */
  caPem(): string | undefined;
  reset(): Promise<void>;
}

export function emulatorRoutes(deps: EmulatorRouteDeps): HttpServerOptions["handleEmulator"] {
  return async (method, name) => {
    if (name === "health" && method === "GET") return { status: 200, json: { status: "running", ...deps.health() } };
    if (name === "ca.pem" && method === "GET") {
      const pem = deps.caPem();
      if (pem === undefined) return { status: 404, json: { error: "TLS in transit is unavailable (no openssl command)" } };
      return { status: 200, text: pem, contentType: "application/x-pem-file" };
    }
    if (name === "reset" && method === "POST") {
      await deps.reset();
      return { status: 200, json: { status: "reset" } };
    }
    return undefined;
  };
}
