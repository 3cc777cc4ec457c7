/**
 * The listener that holds a node's public port while a network effect is set on it: each
 * connection is piped to the engine's own listener with the node's current effects applied.
 *
 * - reset: a new connection is reset at once (RST, the client sees ECONNRESET); setting it
 *   resets the open ones too.
 * - blackhole: connections are accepted, what they send is read and dropped, nothing comes back
 *   (and nothing reaches the engine).
 * - latency: every chunk from the engine to the client waits latencyMs ± jitter (order kept),
 *   so each request/answer round trip grows by about latencyMs.
 * - bandwidth: each direction of each connection is paced at kbps kilobits per second.
 *
 * It only exists while an effect is set: with none, the public port is the engine's again.
 */
import net from "node:net";
import type { Logger } from "../../logger.js";
import { listen } from "../../process/listen.js";
import type { CombinedEffect } from "./effects.js";

export interface EffectProxyOptions {
  bindHost: string;
  port: number;
  /** Where the engine listens now. */
  target: { host: string; port: number };
  effect: () => CombinedEffect;
  logger: Logger;
}

/** Above this many bytes waiting in a lane, its source is paused until it drains. */
const HIGH_WATER = 1 << 20;

/**
 * One direction of one connection: chunks released in order at their due time. Times are
 * performance.now() (sub-millisecond): with whole milliseconds and timers that may fire a
 * fraction of a millisecond early, a 120 ms latency could deliver an answer after 119.1 ms.
 */
class Lane {
  private readonly queue: Array<{ chunk: Buffer; at: number }> = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the paced link is free again (bandwidth). */
  private linkFree = 0;
  /** The due time of the last chunk queued: a later chunk never overtakes it. */
  private lastAt = 0;
  /** Waiting for the queue to empty (afterQueued). */
  private readonly emptied: Array<() => void> = [];

  constructor(
    private readonly source: net.Socket,
    private readonly dest: net.Socket,
    private readonly effect: () => CombinedEffect,
    /** Latency applies to the answers only (engine to client). */
    private readonly delayed: boolean,
  ) {}

  push(chunk: Buffer): void {
    const e = this.effect();
    if (e.blackhole) return;
    const now = performance.now();
    let at = now;
    if (this.delayed && e.latencyMs > 0) {
      const jitter = e.jitterMs > 0 ? (Math.random() * 2 - 1) * e.jitterMs : 0;
      at += Math.max(0, e.latencyMs + jitter);
    }
    if (e.kbps === undefined) return this.enqueue(chunk, Math.max(at, this.lastAt));
    // Paced in pieces of about 50 ms of the link, so the bytes trickle rather than burst.
    const bytesPerMs = (e.kbps * 1000) / 8 / 1000;
    const piece = Math.max(1, Math.floor(bytesPerMs * 50));
    for (let offset = 0; offset < chunk.length; offset += piece) {
      const part = chunk.subarray(offset, offset + piece);
      this.linkFree = Math.max(this.linkFree, at) + part.length / bytesPerMs;
      this.enqueue(part, Math.max(this.linkFree, this.lastAt));
    }
  }

  private enqueue(chunk: Buffer, at: number): void {
    this.lastAt = at;
    if (this.queue.length === 0 && at <= performance.now()) {
      this.dest.write(chunk);
      return;
    }
    this.queue.push({ chunk, at });
    this.queued += chunk.length;
    if (this.queued > HIGH_WATER) this.source.pause();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.release();
    }, Math.max(0, this.queue[0]!.at - performance.now()));
  }

  private release(): void {
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const { chunk } = this.queue.shift()!;
      this.queued -= chunk.length;
      if (!this.dest.destroyed) this.dest.write(chunk);
    }
    if (this.queued <= HIGH_WATER && this.source.isPaused()) this.source.resume();
    if (this.queue.length === 0) for (const then of this.emptied.splice(0)) then();
    this.schedule();
  }

  /** Whether everything pushed has been written on. */
  get empty(): boolean {
    return this.queue.length === 0;
  }

  /** Runs `then` once the queue is empty (an end is passed on after the data before it). */
  afterQueued(then: () => void): void {
    if (this.empty) return then();
    this.emptied.push(then);
  }

  /** Drops what waits (the connection ends); whoever waited for it is told. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.queued = 0;
    for (const then of this.emptied.splice(0)) then();
  }
}

interface Piped {
  client: net.Socket;
  upstream?: net.Socket;
  lanes: Lane[];
}

export class EffectProxy {
  private server: net.Server | undefined;
  private readonly open = new Set<Piped>();
  private readonly log: Logger;

  constructor(private readonly opts: EffectProxyOptions) {
    this.log = opts.logger.child({ component: "network-effect", port: opts.port });
  }

  get port(): number {
    return this.opts.port;
  }

  /** Binds the public port; rejects with the listen error (EADDRINUSE when taken). */
  async start(): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => this.accept(client));
    await listen(server, this.opts.port, this.opts.bindHost);
    server.on("error", (error) => this.log.error("listener error", { error: error.message }));
    this.server = server;
  }

  /** The effects changed: a reset now resets every open connection. */
  changed(): void {
    if (!this.opts.effect().reset) return;
    for (const piped of [...this.open]) this.resetConnection(piped);
  }

  /** Frees the public port and ends every connection through it (their clients reconnect to what listens there next). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const piped of [...this.open]) this.end(piped);
    await closed;
  }

  private accept(client: net.Socket): void {
    client.on("error", () => undefined);
    const effect = this.opts.effect();
    if (effect.reset) {
      client.resetAndDestroy();
      return;
    }
    const piped: Piped = { client, lanes: [] };
    this.open.add(piped);
    client.on("close", () => this.end(piped));
    if (effect.blackhole) {
      // Accepted and read, never answered; the engine never hears of it.
      client.on("data", () => undefined);
      return;
    }
    const upstream = net.connect({ host: this.opts.target.host, port: this.opts.target.port, allowHalfOpen: true, noDelay: true });
    piped.upstream = upstream;
    upstream.on("error", () => this.end(piped));
    // The engine's last answers still go out (at their pace) before the client's side ends.
    upstream.on("close", () => piped.lanes[1]!.afterQueued(() => this.end(piped)));
    const up = new Lane(client, upstream, this.opts.effect, false);
    const down = new Lane(upstream, client, this.opts.effect, true);
    piped.lanes = [up, down];
    client.on("data", (chunk: Buffer) => up.push(chunk));
    upstream.on("data", (chunk: Buffer) => down.push(chunk));
    client.on("end", () => up.afterQueued(() => upstream.end()));
    upstream.on("end", () => down.afterQueued(() => client.end()));
  }

  private resetConnection(piped: Piped): void {
    this.open.delete(piped);
    for (const lane of piped.lanes) lane.close();
    if (!piped.client.destroyed) piped.client.resetAndDestroy();
    piped.upstream?.destroy();
  }

  private end(piped: Piped): void {
    if (!this.open.delete(piped)) return;
    for (const lane of piped.lanes) lane.close();
    piped.client.destroy();
    piped.upstream?.destroy();
  }
}
