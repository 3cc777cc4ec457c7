/**
 * The ConfigurationEndpoint of a Memcached cluster: an emulator-owned TCP listener that
 * answers ElastiCache Auto Discovery itself (stock memcached has no such command) and
 * passes every other command through to one of the cluster's real memcached nodes.
 *
 * Auto Discovery reply (AWS "Adding Auto Discovery to your client library"):
 *
 *   CONFIG cluster 0 <bytes>\r\n
 *   <version>\n
 *   <host>|<ip>|<port> <host>|<ip>|<port>\n
 *   \r\n
 *   END\r\n
 *
 * <bytes> counts the payload `<version>\n<nodes>\n` only. The header is shaped like a
 * `VALUE <key> <flags> <bytes>` line and AWS's own cluster client (libmemcached fork,
 * textual_config_fetch -> textual_fetch) reads it exactly that way: <bytes> of data
 * followed by the `\r\n` block terminator, then `END`. The legacy `get
 * AmazonElastiCache:cluster` form gets the same payload as an ordinary VALUE reply.
 *
 * Ordering: a client may pipeline data commands and `config get cluster` on one
 * connection. We send memcached's meta no-op (`mn` -> `MN`) to the node in place of the
 * config request and, reading the node's replies at line boundaries (skipping value data
 * blocks), emit the local answer exactly where that `MN` appears.
 *
 * The binary protocol is out of scope: a connection whose first byte is the binary
 * request magic 0x80 is closed.
 */
import net from "node:net";
import tls from "node:tls";
import { connectEndpoint } from "../process/connect.js";
import type { TransitEncryptionMode } from "../engine-terms.js";
import type { Logger } from "../logger.js";
import { listen } from "../process/listen.js";
import {
  LineTooLongError,
  TextStreamFramer,
  clientDataLength,
  replyDataLength,
  tokenize,
} from "./memcached-text-framing.js";

export interface CacheNodeAddress {
  /** Hostname advertised to clients. */
  host: string;
  /** IP advertised to clients; also what the endpoint connects to when proxying. */
  ip: string;
  port: number;
}

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
}

/** The first byte of a TLS handshake record. */
const TLS_HANDSHAKE = 0x16;

const BINARY_REQUEST_MAGIC = 0x80;
const NOOP_REQUEST = Buffer.from("mn\r\n");
const NOOP_REPLY = Buffer.from("MN\r\n");
const NO_NODE_REPLY = Buffer.from("SERVER_ERROR no cache node available\r\n");
const LEGACY_CONFIG_KEY = "AmazonElastiCache:cluster";
const NODE_CONNECT_TIMEOUT_MS = 5_000;

/** `<version>\n<host>|<ip>|<port> ...\n`: the bytes that `CONFIG cluster 0 <bytes>` counts. */
export function clusterConfigPayload(version: number, nodes: readonly CacheNodeAddress[]): Buffer {
  const list = nodes.map((n) => `${n.host}|${n.ip}|${n.port}`).join(" ");
  return Buffer.from(`${version}\n${list}\n`, "latin1");
}

/** Reply to `config get cluster`. */
export function configGetClusterReply(version: number, nodes: readonly CacheNodeAddress[]): Buffer {
  const payload = clusterConfigPayload(version, nodes);
  return Buffer.concat([Buffer.from(`CONFIG cluster 0 ${payload.length}\r\n`), payload, Buffer.from("\r\nEND\r\n")]);
}

/** Reply to the pre-1.4.14 form `get AmazonElastiCache:cluster`. */
export function legacyClusterReply(version: number, nodes: readonly CacheNodeAddress[]): Buffer {
  const payload = clusterConfigPayload(version, nodes);
  return Buffer.concat([
    Buffer.from(`VALUE ${LEGACY_CONFIG_KEY} 0 ${payload.length}\r\n`),
    payload,
    Buffer.from("\r\nEND\r\n"),
  ]);
}

const nodeKey = (n: CacheNodeAddress) => `${n.host}|${n.ip}|${n.port}`;
const targetOf = (n: CacheNodeAddress) => ({ host: n.ip || n.host, port: n.port });
const targetKey = (t: { host: string; port: number }) => `${t.host}:${t.port}`;

export class MemcachedConfigEndpoint {
  private readonly log: Logger;
  private server: net.Server | null = null;
  private boundPort: number | null = null;
  private readonly connections = new Set<ProxyConnection>();
  private readonly secureContext: tls.SecureContext | undefined;
  /** Sockets accepted but not yet handed to a ProxyConnection (TLS first byte pending). */
  private readonly sniffing = new Set<net.Socket>();

  private nodes: CacheNodeAddress[] = [];
  private nodesDefined = false;
  private version = 1;
  private replies = { config: configGetClusterReply(1, []), legacy: legacyClusterReply(1, []) };

  constructor(private readonly opts: MemcachedConfigEndpointOptions) {
    this.log = opts.logger.child({ component: "memcached-config-endpoint" });
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
    this.log.info("memcached configuration endpoint listening", { host: this.opts.bindHost, port: this.boundPort });
  }

  /** The bound port once started (the real one when started with port 0). */
  get port(): number {
    return this.boundPort ?? this.opts.port;
  }

  get configVersion(): number {
    return this.version;
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

  /** Closes the listener and every client and node socket. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const conn of this.connections) conn.destroy();
    for (const socket of this.sniffing) socket.destroy();
    await closed;
    this.log.info("memcached configuration endpoint stopped", { port: this.boundPort });
  }

  private accept(socket: net.Socket): void {
    const mode = this.opts.tls?.mode;
    if (!mode) return this.serve(socket);
    if (mode === "required") return this.serve(this.secure(socket));
    // preferred: look at the first byte, put it back, and serve TLS or plaintext.
    this.sniffing.add(socket);
    socket.on("error", () => socket.destroy());
    socket.once("close", () => this.sniffing.delete(socket));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      this.sniffing.delete(socket);
      socket.unshift(first);
      if (first[0] === TLS_HANDSHAKE) this.serve(this.secure(socket));
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
    const conn = new ProxyConnection(socket, {
      nodeTls,
      log: this.log,
      backendNode: () => this.nodes[0],
      configReply: () => this.replies.config,
      legacyReply: () => this.replies.legacy,
      onClose: () => this.connections.delete(conn),
    });
    this.connections.add(conn);
  }
}

// ---------------------------------------------------------------------------------------
// One client connection and the node connection it is proxied to.

interface ConnectionContext {
  log: Logger;
  /** Set when the nodes are TLS-only: reach them over TLS trusting this CA. */
  nodeTls?: { ca: string };
  /** The node new proxied connections go to (the first of the current list). */
  backendNode(): CacheNodeAddress | undefined;
  configReply(): Buffer;
  legacyReply(): Buffer;
  onClose(): void;
}

/** Stands for one `mn` sent to the node: whose it is decides what its `MN` becomes. */
interface Marker {
  /** The local answer to emit in place of the `MN`; null when the client sent `mn` itself. */
  reply: Buffer | null;
}

/** One piece of client input, with what it means for the node and without one. */
interface Unit {
  /** Bytes to send to the node. */
  toNode: Buffer;
  /** Set when toNode is an `mn` whose `MN` reply must be tracked. */
  marker?: Marker;
  /** The answer when no node can take it (none for data blocks and noreply commands). */
  withoutNode?: Buffer;
  /** Data commands open a node connection; locally answerable units never do. */
  needsNode: boolean;
  /** `quit`: memcached closes the connection after it. */
  quits?: boolean;
}

type State = "detached" | "connecting" | "attached";

class ProxyConnection {
  private state: State = "detached";
  private node: net.Socket | null = null;
  private target: { host: string; port: number } | null = null;
  /** Units received while the node connection is being opened. */
  private pending: Unit[] = [];
  /** `mn` requests in flight on the node connection, oldest first. */
  private readonly markers: Marker[] = [];
  private readonly fromClient = new TextStreamFramer(clientDataLength);
  private readonly fromNode = new TextStreamFramer(replyDataLength);
  /** Output batched per event so a pipelined burst costs one write. */
  private toClient: Buffer[] = [];
  private toNode: Buffer[] = [];
  private sawFirstByte = false;
  private clientEnded = false;
  /** Set once we stop proxying; the client socket may still be flushing. */
  private closed = false;

  constructor(
    private readonly client: net.Socket,
    private readonly ctx: ConnectionContext,
  ) {
    client.on("data", (chunk: Buffer) => this.onClientData(chunk));
    client.on("end", () => this.onClientEnd());
    client.on("error", (err) => {
      ctx.log.debug("client connection error", { error: err.message });
      this.destroy();
    });
    client.on("close", () => {
      this.destroy();
      ctx.onClose();
    });
  }

  /** `host:port` of the node this connection is (being) proxied to, if any. */
  get nodeTarget(): string | null {
    return this.target && this.state !== "detached" ? targetKey(this.target) : null;
  }

  /** Closes both sockets now. */
  destroy(): void {
    this.closed = true;
    this.node?.destroy();
    this.client.destroy();
  }

  /** Stops proxying, lets queued replies reach the client, then closes it. */
  private finish(): void {
    this.flush();
    this.closed = true;
    this.node?.destroy();
    this.client.destroySoon();
  }

  // --- client side ---------------------------------------------------------------------

  private onClientData(chunk: Buffer): void {
    if (this.closed) return;
    if (!this.sawFirstByte) {
      this.sawFirstByte = true;
      if (chunk[0] === BINARY_REQUEST_MAGIC) {
        this.ctx.log.debug("closing binary-protocol connection (unsupported)");
        this.destroy();
        return;
      }
    }
    try {
      this.fromClient.push(
        chunk,
        (line) => this.onCommand(line),
        (data) => this.submit({ toNode: data, needsNode: false }),
      );
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err;
      this.ctx.log.warn("closing client connection: command line too long");
      this.destroy();
      return;
    }
    this.flush();
  }

  private onCommand(line: Buffer): void {
    const t = tokenize(line);
    if (t.length === 3 && t[0] === "config" && t[1] === "get" && t[2] === "cluster") {
      const reply = this.ctx.configReply();
      this.submit({ toNode: NOOP_REQUEST, marker: { reply }, withoutNode: reply, needsNode: false });
    } else if (t.length === 2 && t[0] === "get" && t[1] === LEGACY_CONFIG_KEY) {
      const reply = this.ctx.legacyReply();
      this.submit({ toNode: NOOP_REQUEST, marker: { reply }, withoutNode: reply, needsNode: false });
    } else if (t.length === 1 && t[0] === "mn") {
      this.submit({ toNode: line, marker: { reply: null }, withoutNode: NOOP_REPLY, needsNode: false });
    } else if (t.length === 1 && t[0] === "quit") {
      this.submit({ toNode: line, needsNode: false, quits: true });
    } else {
      const noreply = t[t.length - 1] === "noreply";
      this.submit({ toNode: line, withoutNode: noreply ? undefined : NO_NODE_REPLY, needsNode: true });
    }
  }

  private submit(unit: Unit): void {
    if (this.closed) return;
    if (this.state === "detached" && unit.needsNode) this.openNode();
    switch (this.state) {
      case "attached":
        this.toNode.push(unit.toNode);
        if (unit.marker) this.markers.push(unit.marker);
        break;
      case "connecting":
        this.pending.push(unit);
        break;
      case "detached":
        this.answerLocally(unit);
        break;
    }
  }

  /** What memcached would have said had it been reachable: our best stand-in. */
  private answerLocally(unit: Unit): void {
    if (unit.withoutNode) this.toClient.push(unit.withoutNode);
    if (unit.quits) this.finish();
  }

  private onClientEnd(): void {
    this.clientEnded = true;
    // Half-close towards the node too; the node's own close then ends the client.
    if (this.state === "attached") this.node?.end();
    else if (this.state === "detached") this.finish();
  }

  // --- node side -----------------------------------------------------------------------

  private openNode(): void {
    const node = this.ctx.backendNode();
    if (!node) return;
    const target = targetOf(node);
    this.target = target;
    this.state = "connecting";
    // Hold further client input until we know whether the node is there.
    this.client.pause();
    const { socket, readyEvent } = connectEndpoint({ ...target, tls: this.ctx.nodeTls });
    socket.setNoDelay(true);
    this.node = socket;
    // A node that neither accepts nor refuses counts as refusing.
    socket.setTimeout(NODE_CONNECT_TIMEOUT_MS, () => socket.destroy(new Error("connect timeout")));
    socket.once(readyEvent, () => this.onNodeConnect(socket));
    socket.on("data", (chunk: Buffer) => this.onNodeData(chunk));
    socket.on("error", (err) => this.onNodeError(socket, err));
    socket.on("close", () => this.onNodeClose(socket));
  }

  private onNodeConnect(socket: net.Socket): void {
    if (this.closed || socket !== this.node) return;
    socket.setTimeout(0);
    this.state = "attached";
    for (const unit of this.pending) {
      this.toNode.push(unit.toNode);
      if (unit.marker) this.markers.push(unit.marker);
    }
    this.pending = [];
    this.flush();
    if (this.clientEnded) socket.end();
    this.client.resume();
  }

  private onNodeData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.fromNode.push(
        chunk,
        (line) => this.onReplyLine(line),
        (data) => this.toClient.push(data),
      );
    } catch (err) {
      if (!(err instanceof LineTooLongError)) throw err;
      this.ctx.log.warn("closing connection: node reply line too long");
      this.destroy();
      return;
    }
    this.flush();
  }

  /** Reply lines pass through, except that an `MN` answering our own `mn` becomes the local answer. */
  private onReplyLine(line: Buffer): void {
    const marker = this.markers.length > 0 && line.equals(NOOP_REPLY) ? this.markers.shift() : undefined;
    this.toClient.push(marker?.reply ?? line);
  }

  private onNodeError(socket: net.Socket, err: NodeJS.ErrnoException): void {
    if (this.closed || socket !== this.node) return;
    if (this.state === "connecting") {
      this.ctx.log.warn("cache node unreachable; answering locally", {
        node: this.target ? targetKey(this.target) : undefined,
        error: err.code ?? err.message,
      });
      this.detach();
    } else {
      this.ctx.log.debug("node connection error", { error: err.message });
    }
  }

  private onNodeClose(socket: net.Socket): void {
    if (this.closed || socket !== this.node) return;
    if (this.state === "connecting") {
      this.detach();
      return;
    }
    // The node went away (quit, restart, removal): end the client so it reconnects.
    this.finish();
  }

  /** The node refused: answer everything queued for it locally, in order. */
  private detach(): void {
    this.node?.destroy();
    this.node = null;
    this.state = "detached";
    const queued = this.pending;
    this.pending = [];
    for (const unit of queued) {
      this.answerLocally(unit);
      if (this.closed) return;
    }
    this.flush();
    if (this.clientEnded) this.finish();
    else this.client.resume();
  }

  // --- output --------------------------------------------------------------------------

  private flush(): void {
    if (this.toNode.length > 0 && this.node && this.state === "attached") {
      const out = this.toNode.length === 1 ? this.toNode[0] : Buffer.concat(this.toNode);
      this.toNode = [];
      if (!this.node.write(out)) this.applyBackpressure(this.client, this.node);
    }
    if (this.toClient.length > 0 && !this.client.destroyed) {
      const out = this.toClient.length === 1 ? this.toClient[0] : Buffer.concat(this.toClient);
      this.toClient = [];
      if (!this.client.write(out) && this.node) this.applyBackpressure(this.node, this.client);
    }
  }

  /** Stops reading `source` until `sink` has drained. */
  private applyBackpressure(source: net.Socket, sink: net.Socket): void {
    if (source.isPaused()) return;
    source.pause();
    sink.once("drain", () => {
      if (!this.closed && this.state !== "connecting") source.resume();
    });
  }
}
