/**
 * The one interface every engine backend implements. A cache node is one EngineNode:
 * a real redis-server / valkey-server / memcached process, or the embedded fallback.
 */
import type { EngineKind, TransitEncryptionMode } from "../engine-terms.js";
import type { Endpoint } from "../process/connect.js";

export type { EngineKind, TransitEncryptionMode };

/** What a driver needs to serve TLS (filled in by the launcher from the emulator's certificates). */
export interface NodeTls {
  mode: TransitEncryptionMode;
  certFile: string;
  keyFile: string;
  caFile: string;
  caPem: string;
  /**
   * `preferred`: the engine's TLS port; `spec.port` is then its plaintext port, and a
   * first-byte router on `publicPort` sends each connection to one or the other.
   */
  tlsPort?: number;
  /** The port clients see (announced by cluster mode nodes for MOVED/ASK). */
  publicPort: number;
}

export interface NodeSpec {
  /** e.g. "my-cluster/0001"; used in logs and pid records. */
  nodeName: string;
  engine: EngineKind;
  /** The AWS engine version asked for (e.g. "6.2"); the driver runs the closest binary it has. */
  engineVersion: string;
  /** Port to listen on; the driver tries it and reports EADDRINUSE as PortInUseError. */
  port: number;
  /** Interface to bind (default 127.0.0.1). */
  bindHost: string;
  /** Memory limit in bytes (maxmemory / memcached -m), when known. */
  maxMemoryBytes?: number;
  /** Working directory for the node (rdb files, logs); created by the caller. */
  workDir: string;
  /** Engine parameters to apply at start (redis config directives / memcached settings). */
  params?: Record<string, string>;
  /**
   * Redis-like engines: start with the `default` user off, for nodes whose client users
   * (user groups, AUTH tokens) the emulator sets right after start.
   */
  defaultUserOff?: boolean;
  /** TLS in transit, as the cluster asks for it (the launcher turns it into `tls`). */
  transitEncryption?: TransitEncryptionMode;
  /** Set by the launcher: certificates and ports for TLS. */
  tls?: NodeTls;
  /** Redis-like engines: an RDB file the node loads at start (restore from a snapshot). */
  seedRdbPath?: string;
  /**
   * Redis-like engines in cluster mode: the nodes.conf the node starts from (a cluster written
   * ahead of its nodes' start, topology seedShard), placed as its cluster-config-file.
   */
  seedClusterConfig?: string;
}

export interface EngineNode {
  readonly spec: NodeSpec;
  readonly endpoint: Endpoint;
  readonly pid: number | undefined;
  /** Resolves once the engine answers its protocol probe (PING / version). */
  ready(): Promise<void>;
  /** One protocol probe now. */
  health(): Promise<"ok" | "down">;
  /** SIGTERM, then SIGKILL after graceMs. Resolves when the process is gone. */
  stop(opts?: { graceMs?: number }): Promise<void>;
  /** Called once when the node ends without stop() having been asked for. */
  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /**
   * Runs a command with the emulator's own privileges (the restricted commands
   * such as CONFIG are refused to clients, not to us). Redis-like engines only.
   */
  adminCommand?(args: string[]): Promise<unknown>;
  /**
   * The emulator's privileged engine user (Redis-like process nodes), e.g. for a
   * replica's masteruser/masterauth. Never handed to API clients.
   */
  readonly adminAuth?: { user: string; password: string };
  /**
   * Nodes that check IAM tokens (an IAM front on their public port): the node's IAM users and
   * the password each has in the engine's ACL, set with the ACL. Absent on other nodes, where
   * an IAM user cannot authenticate.
   */
  setIamUsers?(users: ReadonlyMap<string, string>): void;
  /**
   * Where the emulator's own connections (probes, admin commands) reach the engine: its
   * listening socket, which is not `endpoint` while a network effect holds the public port
   * (faults/network). Absent: `endpoint`.
   */
  readonly controlEndpoint?: Endpoint;
  /**
   * Redis-like process nodes: moves the engine's client listener to `port` (undefined: back to
   * its public port), keeping the ports it announces (replica, cluster and bus ports) on the
   * public ones, so the topology clients see does not change. Open connections stay. `gone` is
   * called once, before the engine stops or right after it ends, while the listener is away.
   */
  moveListener?(port: number | undefined, gone?: () => Promise<void>): Promise<void>;
  /**
   * Nodes behind an emulator-owned front on their public port (a TLS router or an IAM front,
   * nodes/routed-node.ts): the engine's own listeners the front passes connections to, and
   * `route`, which has the front pass new connections to `via` instead (one endpoint per target,
   * in order; undefined: the engine's own again). `gone` is called once, when the node stops or
   * its engine ends while routed elsewhere.
   */
  readonly front?: NodeFrontRouting;
  /**
   * Nodes whose front comes and goes (a serverless cache's engines, nodes/on-demand-front-node.ts):
   * `true` puts the IAM front (token checks, the ECPU gate) on the public port and moves the
   * engine's TLS listener to an internal port; `false` gives the public port back to the engine.
   * The client connections open on the public port at that moment are closed (they reconnect).
   */
  useFront?(on: boolean): Promise<void>;
  /** With useFront: whether the front holds the public port now. */
  readonly fronted?: boolean;
}

export interface NodeFrontRouting {
  readonly targets: readonly Endpoint[];
  route(via: readonly Endpoint[] | undefined, gone?: () => Promise<void>): void;
}

export interface EngineDriver {
  /** "redis-server", "valkey-server", "memcached" or "embedded". */
  readonly id: string;
  supports(engine: EngineKind): boolean;
  /** Whether this driver can run here (binary present and executable). */
  available(): Promise<boolean>;
  /** Version of the engine this driver runs, e.g. "7.0.15" (after available()). */
  binaryVersion(): Promise<string | undefined>;
  start(spec: NodeSpec): Promise<EngineNode>;
}
