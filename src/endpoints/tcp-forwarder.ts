/**
 * An emulator-owned TCP forwarder: the PrimaryEndpoint and ReaderEndpoint of a replication
 * group (cluster mode disabled) and the ConfigurationEndpoint of a cluster-mode-enabled one.
 *
 * Each accepted connection is a plain byte pipe to one target chosen at connect time
 * (round-robin over the current target set; no protocol parsing). On AWS these endpoints
 * are DNS names that are flipped on failover and clients reconnect; here `setTargets()`
 * closes the connections whose target left the set, so clients reconnect and land on a
 * current target.
 *
 * Speed matters (benchmarks run through it), so the data path is `socket.pipe()` in both
 * directions with Nagle off: no JavaScript work per chunk beyond the stream machinery.
 */
import net from "node:net";
import type { Logger } from "../logger.js";
import { listen } from "../process/listen.js";

export interface ForwardTarget {
  host: string;
  port: number;
}

export interface TcpForwarderOptions {
  bindHost: string;
  /** 0 picks a free port; read it back from `port` after start(). */
  port: number;
  logger: Logger;
  /** For logs, e.g. "my-rg primary". */
  name: string;
  /** A target that neither accepts nor refuses within this long counts as refusing. */
  connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

const keyOf = (t: ForwardTarget): string => `${t.host}:${t.port}`;

export class TcpForwarder {
  private readonly log: Logger;
  private server: net.Server | null = null;
  private boundPort: number | null = null;
  private current: readonly ForwardTarget[] = Object.freeze([]);
  private currentKeys = new Set<string>();
  /** Round-robin cursor over `current`; taken modulo its length. */
  private cursor = 0;
  private readonly connections = new Set<Forward>();
  /** Live connections by the key of the target they are connected (or connecting) to. */
  private readonly byTarget = new Map<string, Set<Forward>>();

  constructor(private readonly opts: TcpForwarderOptions) {
    this.log = opts.logger.child({ component: "tcp-forwarder", endpoint: opts.name });
  }

  /** Listens on bindHost:port; rejects with the listen error (code EADDRINUSE when taken). */
  async start(): Promise<void> {
    if (this.server) throw new Error(`forwarder ${this.opts.name} already started`);
    // allowHalfOpen: a client's FIN is passed on to the target, whose replies still come back.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    await listen(server, this.opts.port, this.opts.bindHost);
    server.on("error", (err) => this.log.error("listener error", { error: err.message }));
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
    this.log.info("forwarder listening", { host: this.opts.bindHost, port: this.boundPort });
  }

  /** The bound port once started (the real one when started with port 0). */
  get port(): number {
    return this.boundPort ?? this.opts.port;
  }

  get targets(): readonly ForwardTarget[] {
    return this.current;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Replaces the target set. Connections to a target no longer in the set are closed (both
   * sides), as a DNS flip makes clients reconnect; the others are left alone.
   */
  setTargets(targets: ForwardTarget[]): void {
    this.current = Object.freeze(targets.map((t) => Object.freeze({ host: t.host, port: t.port })));
    this.currentKeys = new Set(this.current.map(keyOf));
    for (const [key, conns] of this.byTarget) {
      if (this.currentKeys.has(key)) continue;
      if (conns.size > 0) this.log.info("closing connections to a removed target", { target: key, connections: conns.size });
      for (const conn of [...conns]) conn.destroy();
    }
    this.log.debug("targets set", { targets: [...this.currentKeys] });
  }

  /** Closes the listener and every connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const conn of [...this.connections]) conn.destroy();
    await closed;
    this.log.info("forwarder stopped", { port: this.boundPort });
  }

  private accept(client: net.Socket): void {
    const n = this.current.length;
    if (n === 0) {
      this.log.debug("no target: closing new connection");
      client.on("error", () => {});
      client.destroy();
      return;
    }
    const start = this.cursor++ % n;
    if (this.cursor >= Number.MAX_SAFE_INTEGER) this.cursor = 0;
    // Every target once, starting with the round-robin pick.
    const candidates: ForwardTarget[] = [];
    for (let i = 0; i < n; i++) candidates.push(this.current[(start + i) % n]);
    const conn = new Forward(client, candidates, {
      log: this.log,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      isCurrent: (t) => this.currentKeys.has(keyOf(t)),
      attach: (c, key) => this.attach(c, key),
      detach: (c, key) => this.detach(c, key),
      closed: (c) => this.connections.delete(c),
    });
    this.connections.add(conn);
    conn.begin();
  }

  private attach(conn: Forward, key: string): void {
    let set = this.byTarget.get(key);
    if (!set) this.byTarget.set(key, (set = new Set()));
    set.add(conn);
  }

  private detach(conn: Forward, key: string): void {
    const set = this.byTarget.get(key);
    if (!set) return;
    set.delete(conn);
    if (set.size === 0) this.byTarget.delete(key);
  }
}

// ---------------------------------------------------------------------------------------
// One client connection and its target connection.

interface ForwardContext {
  log: Logger;
  connectTimeoutMs: number;
  /** Whether a target is still in the forwarder's set (a retry skips those that left). */
  isCurrent(t: ForwardTarget): boolean;
  attach(conn: Forward, key: string): void;
  detach(conn: Forward, key: string): void;
  closed(conn: Forward): void;
}

class Forward {
  private upstream: net.Socket | null = null;
  private targetKey: string | null = null;
  private next = 0;
  private clientClosed = false;
  private upstreamClosed = true;
  /** Whether `upstream` has connected (false while connecting). */
  private connected = false;
  private done = false;

  constructor(
    private readonly client: net.Socket,
    private readonly candidates: readonly ForwardTarget[],
    private readonly ctx: ForwardContext,
  ) {}

  begin(): void {
    const client = this.client;
    client.on("error", (err) => {
      this.ctx.log.debug("client connection error", { error: err.message });
      this.destroy();
    });
    client.on("close", () => {
      this.clientClosed = true;
      // Nobody left to hear the target: let queued bytes reach it, then close it (a
      // connection still being opened is simply dropped).
      if (this.upstream && !this.upstreamClosed) {
        if (this.connected) this.upstream.destroySoon();
        else this.upstream.destroy();
      }
      this.maybeDone();
    });
    this.tryNext();
  }

  /** Closes both sockets now. */
  destroy(): void {
    this.upstream?.destroy();
    this.client.destroy();
  }

  /** Connects to the next candidate still in the set, or closes the client when none is left. */
  private tryNext(): void {
    if (this.clientClosed || this.client.destroyed) return this.maybeDone();
    let target: ForwardTarget | undefined;
    while (this.next < this.candidates.length) {
      const t = this.candidates[this.next++];
      if (this.ctx.isCurrent(t)) {
        target = t;
        break;
      }
    }
    if (!target) {
      this.ctx.log.debug("no target reachable: closing client");
      this.client.destroy();
      return;
    }
    const key = keyOf(target);
    this.setTargetKey(key);
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    this.upstream = upstream;
    this.upstreamClosed = false;
    this.connected = false;
    upstream.setTimeout(this.ctx.connectTimeoutMs, () => upstream.destroy(new Error("connect timeout")));

    upstream.once("connect", () => {
      this.connected = true;
      upstream.setTimeout(0);
      // The client may have gone while we were connecting.
      if (this.client.destroyed) {
        upstream.destroy();
        return;
      }
      this.client.setNoDelay(true);
      this.client.pipe(upstream);
      upstream.pipe(this.client);
    });
    upstream.on("error", (err: NodeJS.ErrnoException) => {
      if (!this.connected) {
        this.ctx.log.debug("target unreachable", { target: key, error: err.code ?? err.message });
        return; // 'close' follows and moves on to the next target
      }
      this.ctx.log.debug("target connection error", { target: key, error: err.code ?? err.message });
      this.destroy();
    });
    upstream.on("close", () => {
      if (upstream !== this.upstream) return;
      this.upstreamClosed = true;
      if (!this.connected && !this.clientClosed && !this.client.destroyed) {
        this.upstream = null;
        this.tryNext();
        return;
      }
      // The target went away: after what it sent has reached the client, close the client.
      if (!this.clientClosed) this.client.destroySoon();
      this.maybeDone();
    });
  }

  private setTargetKey(key: string | null): void {
    if (this.targetKey !== null) this.ctx.detach(this, this.targetKey);
    this.targetKey = key;
    if (key !== null) this.ctx.attach(this, key);
  }

  private maybeDone(): void {
    if (this.done || !this.clientClosed || !this.upstreamClosed) return;
    this.done = true;
    this.setTargetKey(null);
    this.ctx.closed(this);
  }
}
