/**
 * One client connection of a Memcached configuration endpoint and the node connection it is
 * proxied to: Auto Discovery requests are answered locally (auto-discovery.ts), every other
 * command passes through to a real memcached node, replies come back in order.
 *
 * Ordering: a client may pipeline data commands and `config get cluster` on one
 * connection. We send memcached's meta no-op (`mn` -> `MN`) to the node in place of the
 * config request and, reading the node's replies at line boundaries (skipping value data
 * blocks), emit the local answer exactly where that `MN` appears.
 *
 * The binary protocol is out of scope: a connection whose first byte is the binary
 * request magic 0x80 is closed.
 */
import type net from "node:net";
import type { Logger } from "../logger.js";
import { connectEndpoint } from "../process/connect.js";
import { LEGACY_CONFIG_KEY, type CacheNodeAddress } from "./auto-discovery.js";
import { EcpuChunkGate, type EcpuThrottle } from "./ecpu-throttle.js";
import {
  LineTooLongError,
  TextStreamFramer,
  clientDataLength,
  replyDataLength,
  tokenize,
} from "./memcached-text-framing.js";

const BINARY_REQUEST_MAGIC = 0x80;
const NOOP_REQUEST = Buffer.from("mn\r\n");
const NOOP_REPLY = Buffer.from("MN\r\n");
const NO_NODE_REPLY = Buffer.from("SERVER_ERROR no cache node available\r\n");
const NODE_CONNECT_TIMEOUT_MS = 5_000;

const LEGACY_KEY_BYTES = Buffer.from(LEGACY_CONFIG_KEY);

/**
 * A command line this endpoint may answer or must track itself (`config ...`, the legacy
 * `get AmazonElastiCache:cluster`, `mn`): a cheap, conservative test (true may be wrong, false
 * never is) that keeps every other chunk on the fast path.
 */
function mayBeLocal(line: Buffer): boolean {
  const [a, b] = [line[0], line[1]];
  if (a === 0x63 /* c */) return b === 0x6f /* o */;
  if (a === 0x6d /* m */) return b === 0x6e /* n */;
  if (a === 0x67 /* g */) return line.includes(LEGACY_KEY_BYTES);
  return false;
}

/** Where a proxied connection to `node` goes: its IP (the host name is for clients). */
export const targetOf = (n: CacheNodeAddress) => ({ host: n.ip || n.host, port: n.port });
export const targetKey = (t: { host: string; port: number }) => `${t.host}:${t.port}`;

export interface ConnectionContext {
  log: Logger;
  /** Set when the nodes are TLS-only: reach them over TLS trusting this CA. */
  nodeTls?: { ca: string };
  /** The node new proxied connections go to (the first of the current list). */
  backendNode(): CacheNodeAddress | undefined;
  /** Auto Discovery answers; undefined passes the command to the node (which does not know it). */
  configReply(): Buffer | undefined;
  legacyReply(): Buffer | undefined;
  /** Commands this endpoint refuses itself (serverless caches): the answer, in order; undefined passes the command on. */
  refuse?(tokens: string[]): Buffer | undefined;
  /** A serverless cache's ECPUPerSecond budget: the client's input waits while it is spent. */
  throttle?: EcpuThrottle;
  onClose(): void;
}

/** Stands for one `mn` sent to the node: whose it is decides what its `MN` becomes. */
interface Marker {
  /** The local answer to emit in place of the `MN`; null when the client sent `mn` itself. */
  reply: Buffer | null;
  /** The client has ended its side: every reply is in once this `MN` is, so the connection ends. */
  ends?: true;
}

/**
 * Sent to the node when the client ends its side, in place of a half-close: memcached over TLS
 * drops what it has not yet answered when it reads the peer's close_notify, so the node's side
 * stays open until the `MN` of this `mn` shows that every earlier command has its reply.
 */
const CLIENT_ENDED: Unit = { toNode: NOOP_REQUEST, marker: { reply: Buffer.alloc(0), ends: true }, needsNode: false };

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

export class ProxyConnection {
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
  private readonly gate: EcpuChunkGate | undefined;

  constructor(
    private readonly client: net.Socket,
    private readonly ctx: ConnectionContext,
  ) {
    const gate = ctx.throttle ? new EcpuChunkGate(ctx.throttle, client, (chunk) => this.onClientData(chunk)) : undefined;
    this.gate = gate;
    client.on("data", gate ? (chunk: Buffer) => gate.write(chunk) : (chunk: Buffer) => this.onClientData(chunk));
    client.on("end", () => (gate ? gate.end(() => this.onClientEnd()) : this.onClientEnd()));
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
    // Fast path: nothing to answer, refuse or count here in this chunk, the node connection is up: pass it on whole.
    if (this.state === "attached" && !this.ctx.refuse && !this.gate && this.fromClient.skim(chunk, mayBeLocal)) {
      this.toNode.push(chunk);
      this.flush();
      return;
    }
    try {
      this.fromClient.push(
        chunk,
        (line) => {
          this.gate?.counted(1, line.length);
          this.onCommand(line);
        },
        (data) => {
          this.gate?.counted(0, data.length);
          this.submit({ toNode: data, needsNode: false });
        },
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
    const refusal = this.ctx.refuse?.(t);
    if (refusal) {
      this.submit({ toNode: NOOP_REQUEST, marker: { reply: refusal }, withoutNode: refusal, needsNode: false });
    } else if (t.length === 3 && t[0] === "config" && t[1] === "get" && t[2] === "cluster" && this.submitLocalAnswer(this.ctx.configReply())) {
      return;
    } else if (t.length === 2 && t[0] === "get" && t[1] === LEGACY_CONFIG_KEY && this.submitLocalAnswer(this.ctx.legacyReply())) {
      return;
    } else if (t.length === 1 && t[0] === "mn") {
      this.submit({ toNode: line, marker: { reply: null }, withoutNode: NOOP_REPLY, needsNode: false });
    } else if (t.length === 1 && t[0] === "quit") {
      this.submit({ toNode: line, needsNode: false, quits: true });
    } else {
      const noreply = t[t.length - 1] === "noreply";
      this.submit({ toNode: line, withoutNode: noreply ? undefined : NO_NODE_REPLY, needsNode: true });
    }
  }

  /** Submits a locally answered Auto Discovery request in order; false when there is no answer (the node gets the command). */
  private submitLocalAnswer(reply: Buffer | undefined): boolean {
    if (!reply) return false;
    this.submit({ toNode: NOOP_REQUEST, marker: { reply }, withoutNode: reply, needsNode: false });
    return true;
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
    if (this.state === "detached") return this.finish();
    // Replies to everything sent so far, then the end (CLIENT_ENDED); `quit` ends it sooner.
    this.submit({ ...CLIENT_ENDED, marker: { ...CLIENT_ENDED.marker! } });
    this.flush();
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
    this.client.resume();
  }

  private onNodeData(chunk: Buffer): void {
    if (this.closed) return;
    this.gate?.replied(chunk.length);
    // Fast path: no `MN` of ours can be in this chunk (none is awaited): pass it on whole.
    if (this.markers.length === 0 && this.fromNode.skim(chunk)) {
      this.toClient.push(chunk);
      this.flush();
      return;
    }
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
    if (this.closed) return;
    const marker = this.markers.length > 0 && line.equals(NOOP_REPLY) ? this.markers.shift() : undefined;
    if (marker?.ends) return this.finish();
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
