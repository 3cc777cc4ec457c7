/**
 * The public port of one Memcached cache node: ElastiCache nodes answer Auto Discovery
 * (`config get cluster`, and the legacy `get AmazonElastiCache:cluster`) themselves, with the
 * same configuration version and node list as the cluster's configuration endpoint; stock
 * memcached has no such command. This listener answers it from the cluster's current
 * configuration (shared with the configuration endpoint) and passes every other command, in
 * order, to its own memcached (memcached-proxy-connection.ts).
 */
import net from "node:net";
import type { Logger } from "../logger.js";
import { listen } from "../process/listen.js";
import type { CacheNodeAddress } from "./auto-discovery.js";
import { ProxyConnection } from "./memcached-proxy-connection.js";

/** The cluster's Auto Discovery answers now; undefined before the configuration endpoint has a node list. */
export type DiscoveryReplies = () => { config: Buffer; legacy: Buffer } | undefined;

export interface MemcachedNodeFrontOptions {
  bindHost: string;
  port: number;
  logger: Logger;
  name: string;
  discovery: DiscoveryReplies;
}

export class MemcachedNodeFront {
  private readonly log: Logger;
  private server: net.Server | null = null;
  private boundPort: number | null = null;
  private target: CacheNodeAddress | undefined;
  private readonly connections = new Set<ProxyConnection>();

  constructor(private readonly opts: MemcachedNodeFrontOptions) {
    this.log = opts.logger.child({ component: "memcached-node-front", node: opts.name });
  }

  async start(): Promise<void> {
    if (this.server) throw new Error("memcached node front already started");
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.serve(socket));
    await listen(server, this.opts.port, this.opts.bindHost);
    server.on("error", (err) => this.log.error("listener error", { error: err.message }));
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
  }

  get port(): number {
    return this.boundPort ?? this.opts.port;
  }

  /** The memcached behind this port (its internal plaintext port). */
  setTargets(plain: { host: string; port: number }): void {
    this.target = { host: plain.host, ip: plain.host, port: plain.port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const conn of this.connections) conn.destroy();
    await closed;
  }

  private serve(socket: net.Socket): void {
    const { discovery } = this.opts;
    const conn = new ProxyConnection(socket, {
      log: this.log,
      backendNode: () => this.target,
      configReply: () => discovery()?.config,
      legacyReply: () => discovery()?.legacy,
      onClose: () => this.connections.delete(conn),
    });
    this.connections.add(conn);
  }
}
