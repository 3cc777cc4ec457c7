/**
 * Where a listener is reached (an Endpoint), and the emulator's own connections to it (probes,
 * admin commands): plain TCP, or TLS trusting the emulator's CA when the endpoint is TLS-only.
 */
import net from "node:net";
import tls from "node:tls";

export interface Endpoint {
  host: string;
  port: number;
  /** Set when the emulator must speak TLS to reach this endpoint (a TLS-only node): the CA to trust. */
  tls?: { ca: string };
}

/** Where we connect to reach a node bound on `bindHost` (a wildcard bind is reached on loopback). */
export function connectHost(bindHost: string): string {
  if (bindHost === "0.0.0.0" || bindHost === "" ) return "127.0.0.1";
  if (bindHost === "::" ) return "::1";
  return bindHost;
}

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
