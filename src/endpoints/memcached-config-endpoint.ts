/**
 * The ConfigurationEndpoint of a Memcached cluster: an emulator-owned TCP listener that
 * answers ElastiCache Auto Discovery itself (auto-discovery.ts; stock memcached has no such
 * command) and passes every other command through to one of the cluster's real memcached
 * nodes (memcached-proxy-connection.ts).
 *
 * The same listener is the public port of each Memcached cache node (`node` option): as on
 * ElastiCache, every node answers Auto Discovery too, with the configuration endpoint's own
 * answers, and passes every other command to its one memcached (setTargets).
 */
import net from "node:net";
import tls from "node:tls";
import type { TransitEncryptionMode } from "../engine-terms.js";
import type { Logger } from "../logger.js";
import { listen } from "../process/listen.js";
import type { EcpuThrottle } from "./ecpu-throttle.js";
import { configGetClusterReply, legacyClusterReply, type CacheNodeAddress } from "./auto-discovery.js";
import { ProxyConnection, targetKey, targetOf } from "./memcached-proxy-connection.js";
import { sniffTls } from "./tls-sniff.js";

export interface MemcachedConfigEndpointOptions {
  bindHost: string;
  /** 0 picks a free port; read it back from `port` after start(). */
  port: number;
  logger: Logger;
  /**
   * TLS in transit: `required` serves TLS only and reaches the (TLS-only) nodes over TLS;
   * `preferred` tells TLS from plaintext by the first byte and reaches the nodes in plaintext.
   */
  tls?: { mode: TransitEncryptionMode; cert: string; key: string; ca: string };
  /** Commands the endpoint refuses itself, before Auto Discovery and the nodes (serverless caches). */
  refuse?: (tokens: string[]) => Buffer | undefined;
  /**
   * A cache node's own endpoint: Auto Discovery answers come from the cluster's configuration
   * endpoint (undefined before it has a node list: the command goes to memcached), and every
   * connection goes to the node set with setTargets.
   */
  node?: { name: string; discovery: () => { config: Buffer; legacy: Buffer } | undefined };
  /** A serverless cache's ECPUPerSecond budget, spent by every client connection. */
  throttle?: EcpuThrottle;
}

const nodeKey = (n: CacheNodeAddress) => `${n.host}|${n.ip}|${n.port}`;

export class MemcachedConfigEndpoint {
  private readonly log: Logger;
  private server: net.Server | null = null;
  private boundPort: number | null = null;
  private readonly connections = new Set<ProxyConnection>();
  private readonly secureContext: tls.SecureContext | undefined;
  /** Sockets accepted but not yet handed to a ProxyConnection (TLS first byte pending). */
  private readonly sniffing = new Set<net.Socket>();

  private nodes: CacheNodeAddress[] = [];
  /** A node endpoint's own memcached. */
  private target: CacheNodeAddress | undefined;
  private nodesDefined = false;
  private version = 1;
  private replies = { config: configGetClusterReply(1, []), legacy: legacyClusterReply(1, []) };

  constructor(private readonly opts: MemcachedConfigEndpointOptions) {
    this.log = opts.logger.child(opts.node ? { component: "memcached-node-endpoint", node: opts.node.name } : { component: "memcached-config-endpoint" });
    if (opts.tls) this.secureContext = tls.createSecureContext({ cert: opts.tls.cert, key: opts.tls.key });
  }

  /** Listens on bindHost:port; rejects with the listen error (code EADDRINUSE when taken). */
  async start(): Promise<void> {
    if (this.server) throw new Error("memcached configuration endpoint already started");
    // allowHalfOpen: a client that half-closes after sending still gets its replies.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    await listen(server, this.opts.port, this.opts.bindHost);
    server.on("error", (err) => this.log.error("listener error", { error: err.message }));
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    if (!this.opts.node) this.log.info("memcached configuration endpoint listening", { host: this.opts.bindHost, port: this.boundPort });
  }

  /** The bound port once started (the real one when started with port 0). */
  get port(): number {
    return this.boundPort ?? this.opts.port;
  }

  get configVersion(): number {
    return this.version;
  }

  /** The Auto Discovery answers now (what every node endpoint answers too); undefined before the first node list. */
  discoveryReplies(): { config: Buffer; legacy: Buffer } | undefined {
    return this.nodesDefined ? this.replies : undefined;
  }

  /**
   * Replaces the node list. The first call defines configuration version 1; every later
   * call that adds or removes a node bumps the version by one (a mere reordering does not,
   * as on AWS the version tracks membership). Connections proxied to a node that is no
   * longer listed are closed so their clients reconnect.
   */
  setNodes(nodes: Array<{ host: string; ip: string; port: number }>): void {
    const next = nodes.map((n) => ({ host: n.host, ip: n.ip, port: n.port }));
    const before = new Set(this.nodes.map(nodeKey));
    const after = new Set(next.map(nodeKey));
    const changed = before.size !== after.size || [...after].some((k) => !before.has(k));
    if (this.nodesDefined && changed) this.version += 1;
    this.nodesDefined = true;
    this.nodes = next;
    this.replies = { config: configGetClusterReply(this.version, next), legacy: legacyClusterReply(this.version, next) };

    const live = new Set(next.map((n) => targetKey(targetOf(n))));
    for (const conn of this.connections) {
      const target = conn.nodeTarget;
      if (target !== null && !live.has(target)) {
        this.log.info("closing connection proxied to removed node", { node: target });
        conn.destroy();
      }
    }
    if (changed) this.log.info("cluster configuration updated", { version: this.version, nodes: [...after] });
  }

  /** A node endpoint: the memcached behind it (its internal port). */
  setTargets(plain: { host: string; port: number }): void {
    this.target = { host: plain.host, ip: plain.host, port: plain.port };
  }

  /** Closes the listener and every client and node socket. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const conn of this.connections) conn.destroy();
    for (const socket of this.sniffing) socket.destroy();
    await closed;
    if (!this.opts.node) this.log.info("memcached configuration endpoint stopped", { port: this.boundPort });
  }

  private accept(socket: net.Socket): void {
    const mode = this.opts.tls?.mode;
    if (!mode) return this.serve(socket);
    if (mode === "required") return this.serve(this.secure(socket));
    // preferred: look at the first byte, put it back, and serve TLS or plaintext.
    this.sniffing.add(socket);
    socket.once("close", () => this.sniffing.delete(socket));
    sniffTls(socket, (first, isTls) => {
      this.sniffing.delete(socket);
      socket.unshift(first);
      if (isTls) this.serve(this.secure(socket));
      else {
        this.serve(socket);
        socket.resume();
      }
    });
  }

  /** Terminates TLS on an accepted socket (bytes it already buffered are read by the TLS layer). */
  private secure(socket: net.Socket): tls.TLSSocket {
    const secured = new tls.TLSSocket(socket, { isServer: true, secureContext: this.secureContext });
    secured.on("error", (err) => {
      this.log.debug("TLS error", { error: err.message });
      secured.destroy();
    });
    return secured;
  }

  private serve(socket: net.Socket): void {
    const nodeTls = this.opts.tls?.mode === "required" ? { ca: this.opts.tls.ca } : undefined;
    const { node } = this.opts;
    const conn = new ProxyConnection(socket, {
      nodeTls,
      log: this.log,
      backendNode: () => (node ? this.target : this.nodes[0]),
      configReply: () => (node ? node.discovery()?.config : this.replies.config),
      legacyReply: () => (node ? node.discovery()?.legacy : this.replies.legacy),
      refuse: this.opts.refuse,
      throttle: this.opts.throttle,
      onClose: () => this.connections.delete(conn),
    });
    this.connections.add(conn);
  }
}
