/**
 * What the lifecycles ask of the node layer: engine nodes, and the emulator-owned endpoints
 * (forwarders, Memcached Auto Discovery) in front of them. nodes/launcher.ts implements it.
 */
import type { EngineNode, NodeSpec, TransitEncryptionMode } from "../engines/engine.js";
import type { Endpoint } from "../process/connect.js";

/** Starts what a cluster needs, on ports from the configured range (nodes/launcher.ts). */
export interface NodeLauncher {
  /** Starts a node on preferredPort when free, else on a port from the range; resolves when it answers. */
  startNode(spec: Omit<NodeSpec, "port" | "bindHost" | "tls">, preferredPort?: number): Promise<EngineNode>;
  /** `transitEncryption`: the endpoint speaks TLS (required) or both (preferred), and reaches the nodes accordingly. */
  startConfigEndpoint(preferredPort?: number, transitEncryption?: TransitEncryptionMode, options?: ConfigEndpointOptions): Promise<ConfigEndpoint>;
  /** A TCP forwarder (primary, reader or configuration endpoint of a replication group). */
  startForwarder(name: string, preferredPort?: number, options?: ForwarderOptions): Promise<Forwarder>;
}

export interface ConfigEndpointOptions {
  /**
   * Commands the endpoint answers itself instead of passing them on (a serverless cache's
   * refusals): the answer for the command's tokens, or undefined to pass it on.
   */
  refuse?: (tokens: string[]) => Buffer | undefined;
}

export interface ForwarderOptions {
  /**
   * The endpoint speaks TLS (to its clients or its targets): only the Node forwarder does,
   * so it serves this endpoint even when haproxy serves the plaintext ones.
   */
  tls?: boolean;
}

/** An emulator-owned endpoint that pipes each new connection to one of its targets. */
export interface Forwarder {
  readonly port: number;
  /**
   * Connections to a target that leaves the set are closed, as a DNS flip makes clients
   * reconnect. The haproxy forwarder applies the set through its runtime API and returns a
   * promise for that; callers need not wait (the commands are already on their way).
   */
  setTargets(targets: Endpoint[]): void | Promise<void>;
  stop(): Promise<void>;
}

/** A Memcached cluster's Auto Discovery endpoint. */
export interface ConfigEndpoint {
  readonly port: number;
  setNodes(nodes: Array<{ host: string; ip: string; port: number }>): void;
  stop(): Promise<void>;
}
