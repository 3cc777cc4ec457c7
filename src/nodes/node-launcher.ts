/**
 * What the lifecycles ask of the node layer: engine nodes, and the emulator-owned endpoints
 * (forwarders, Memcached Auto Discovery) in front of them. nodes/launcher.ts implements it.
 */
import type { EngineKind, EngineNode, NodeSpec, TransitEncryptionMode } from "../engines/engine.js";
import type { EcpuThrottle } from "../endpoints/ecpu-throttle.js";
import type { IamTokenScope } from "../iam-token.js";
import type { Endpoint } from "../process/connect.js";

/**
 * The cache an IAM-enabled node belongs to, as its tokens must name it. Node-based caches
 * give their replication group id and region; a serverless cache gives its name, region and
 * `resourceType: "ServerlessCache"` (the only difference in its tokens).
 */
export type IamCacheScope = Omit<IamTokenScope, "userName">;

/** A Memcached cluster's Auto Discovery answers now; undefined before its configuration endpoint has a node list. */
export type DiscoveryReplies = () => { config: Buffer; legacy: Buffer } | undefined;

/** A node to start: its spec, and for an IAM-enabled Redis/Valkey cache with TLS, the cache its tokens name. */
export type NodeStartSpec = Omit<NodeSpec, "port" | "bindHost" | "tls"> & {
  /**
   * The node checks IAM tokens (endpoints/iam-front.ts on its public port): set for the nodes
   * of a cache with TLS in transit whose users may be IAM users.
   */
  iam?: IamCacheScope;
  /**
   * A Memcached node of a cluster: its cluster's Auto Discovery answers, which its public
   * port answers too (a MemcachedConfigEndpoint in node mode) unless --memcached-node-discovery off.
   */
  discovery?: DiscoveryReplies;
  /** With `iam`: every client connection on the public port counts against this ECPU budget (a serverless cache's ECPUPerSecond). */
  throttle?: EcpuThrottle;
  /**
   * With `iam` and TLS `required` (a serverless cache's Valkey/Redis engine): the front is on the
   * public port only while the node is asked for it (EngineNode.useFront); otherwise the
   * engine's own TLS listener is (nodes/on-demand-front-node.ts).
   */
  frontOnDemand?: boolean;
};

/** Starts what a cluster needs, on ports from the configured range (nodes/launcher.ts). */
export interface NodeLauncher {
  /** Starts a node on preferredPort when free, else on a port from the range; resolves when it answers. */
  startNode(spec: NodeStartSpec, preferredPort?: number): Promise<EngineNode>;
  /** `transitEncryption`: the endpoint speaks TLS (required) or both (preferred), and reaches the nodes accordingly. */
  startConfigEndpoint(preferredPort?: number, transitEncryption?: TransitEncryptionMode, options?: ConfigEndpointOptions): Promise<ConfigEndpoint>;
  /**
   * Why nodes of this engine and version cannot have TLS in transit (and the ACLs that come
   * with it) here: the embedded engine subset would run them, and it has neither. Undefined
   * when they can.
   */
  tlsUnavailable?(engine: EngineKind, engineVersion: string): string | undefined;
  /** A TCP forwarder (primary, reader or configuration endpoint of a replication group). */
  startForwarder(name: string, preferredPort?: number, options?: ForwarderOptions): Promise<Forwarder>;
}

export interface ConfigEndpointOptions {
  /**
   * Commands the endpoint answers itself instead of passing them on (a serverless cache's
   * refusals): the answer for the command's tokens, or undefined to pass it on.
   */
  refuse?: (tokens: string[]) => Buffer | undefined;
  /** A serverless cache's ECPUPerSecond budget, spent by every client connection. */
  throttle?: EcpuThrottle;
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
  /** What `config get cluster` answers now (the node endpoints answer the same). */
  discoveryReplies(): { config: Buffer; legacy: Buffer } | undefined;
  stop(): Promise<void>;
}
