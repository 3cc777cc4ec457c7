/**
 * The emulator's own connections to an endpoint (probes, admin commands): plain TCP, or
 * TLS trusting the emulator's CA when the endpoint is TLS-only.
 */
import net from "node:net";
import tls from "node:tls";
import type { Endpoint } from "./engine.js";

export interface EndpointSocket {
  socket: net.Socket;
  /** The event after which the connection can carry requests: "connect", or "secureConnect" for TLS. */
  readyEvent: "connect" | "secureConnect";
}

export function connectEndpoint(endpoint: Endpoint): EndpointSocket {
  if (!endpoint.tls) return { socket: net.connect({ host: endpoint.host, port: endpoint.port }), readyEvent: "connect" };
  const socket = tls.connect({
    host: endpoint.host,
    port: endpoint.port,
    ca: endpoint.tls.ca,
    // SNI carries host names only; an IP is checked against the certificate's IP SANs.
    servername: net.isIP(endpoint.host) ? undefined : endpoint.host,
  });
  return { socket, readyEvent: "secureConnect" };
}
