/**
 * A node whose front comes and goes (a serverless cache's Valkey/Redis engine). While nothing
 * needs a front, the engine's own TLS listener is on the public port: clients talk to
 * redis-server, no hop of ours. While something does (an ECPUPerSecond limit to meter, IAM
 * users whose tokens to check), an IamFront holds the public port and the engine's TLS
 * listener waits on an internal port. The engine also always listens in plaintext on an
 * internal port: the emulator's own connections (admin, probes, metrics) and the front's
 * metered, token-checked streams go there.
 *
 * A switch is done live, on the running engine: `CONFIG SET tls-port` moves its TLS listener
 * (as a network effect moves a listener, faults/network-faults.ts) and the front starts on the
 * port just freed, or the front stops and the listener moves back. Data, replication and the
 * cluster bus are untouched; the client connections open on the public port at that moment
 * are closed, so every client reconnects through the new path (new connections are refused
 * for the few milliseconds the port changes hands). The engine announces the public port
 * whichever way it listens (cluster-announce-tls-port / cluster-announce-port,
 * replica-announce-port, set at its start), so CLUSTER SLOTS / SHARDS / NODES, ROLE and MOVED
 * keep naming the Endpoint and ReaderEndpoint ports.
 *
 * Network effects move the node's entry (the front, or the engine's TLS listener) off the
 * public port with moveListener, as for any engine; a switch meanwhile happens on the port
 * the entry is at.
 */
import { closeClientConnections } from "../engines/client-connections.js";
import type { EngineNode, NodeSpec } from "../engines/engine.js";
import type { Endpoint } from "../process/connect.js";

/** The front the node puts on its entry port when asked to (an IamFront). */
export interface SwitchedFront {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  setTargets(plain: Endpoint, tls: Endpoint): void;
  setIamUsers(users: ReadonlyMap<string, string>): void;
}

export interface OnDemandFrontOptions {
  /** The engine: TLS on `publicPort`, plaintext on its own endpoint (an internal port), announcing `publicPort`. */
  engine: EngineNode;
  publicPort: number;
  /** The CA of the engine's certificate (the public port speaks TLS only). */
  ca: string;
  /** A front for `port`, not started yet. */
  makeFront(port: number): SwitchedFront;
  /** A port of the range for the engine's TLS listener while the front holds the entry; `release` gives it back. */
  allocatePort(): number;
  releasePort(port: number): void;
  /** Gives back the public port once the node is gone. */
  releasePublic(): void;
}

/** How many internal ports are tried for the engine's TLS listener (a taken one answers an error). */
const MOVE_ATTEMPTS = 5;

export class OnDemandFrontNode implements EngineNode {
  readonly endpoint: Endpoint;
  readonly controlEndpoint: Endpoint;
  private iamFront: SwitchedFront | undefined;
  /** The engine's TLS port while the front holds the entry. */
  private internalTls: number | undefined;
  /** Where the entry (front or engine TLS listener) is: the public port, or where a network effect moved it. */
  private entry: number;
  private away: { gone?: () => Promise<void> } | undefined;
  private iamUsers: ReadonlyMap<string, string> = new Map();
  /** Switches and moves run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Stopping or ended: no more switches. */
  private ended = false;
  private released = false;

  constructor(private readonly opts: OnDemandFrontOptions) {
    const { engine, publicPort, ca } = opts;
    this.endpoint = { host: engine.endpoint.host, port: publicPort, tls: { ca } };
    this.controlEndpoint = engine.endpoint;
    this.entry = publicPort;
    // First listener: the public port is free again before anyone replaces the node on it.
    engine.onExit(() => void this.release());
  }

  get spec(): NodeSpec {
    return this.opts.engine.spec;
  }

  get pid(): number | undefined {
    return this.opts.engine.pid;
  }

  get adminAuth(): { user: string; password: string } | undefined {
    return this.opts.engine.adminAuth;
  }

  /** Whether the front holds the entry now. */
  get fronted(): boolean {
    return this.iamFront !== undefined;
  }

  adminCommand(args: string[]): Promise<unknown> {
    return this.opts.engine.adminCommand!(args);
  }

  ready(): Promise<void> {
    return this.opts.engine.ready();
  }

  health(): Promise<"ok" | "down"> {
    return this.opts.engine.health();
  }

  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.opts.engine.onExit(cb);
  }

  setIamUsers(users: ReadonlyMap<string, string>): void {
    this.iamUsers = users;
    this.iamFront?.setIamUsers(users);
  }

  /** Puts the front on the entry port (`true`) or gives the port back to the engine (`false`); nothing when already so. */
  useFront(on: boolean): Promise<void> {
    return this.serial(async () => {
      if (this.ended || on === this.fronted) return;
      if (on) await this.frontOn();
      else await this.frontOff();
    });
  }

  moveListener(port: number | undefined, gone?: () => Promise<void>): Promise<void> {
    return this.serial(async () => {
      const to = port ?? this.opts.publicPort;
      if (to !== this.entry) {
        if (this.iamFront) {
          // The front follows the entry (its connections end, as a moved listener's clients reconnect).
          await this.iamFront.stop();
          this.iamFront = undefined;
          await this.startFront(to);
        } else {
          await this.setTlsPort(to);
        }
        this.entry = to;
      }
      this.away = port === undefined ? undefined : { gone };
    });
  }

  async stop(opts?: { graceMs?: number }): Promise<void> {
    await this.serial(async () => {
      this.ended = true;
      await this.releaseAway();
      await this.iamFront?.stop();
      this.iamFront = undefined;
    });
    await this.opts.engine.stop(opts);
    this.release();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** The engine's TLS listener to an internal port, the front on the entry, the engine's clients of the entry closed. */
  private async frontOn(): Promise<void> {
    let lastError: unknown;
    for (let attempt = 0; attempt < MOVE_ATTEMPTS && this.internalTls === undefined; attempt++) {
      const port = this.opts.allocatePort();
      try {
        await this.setTlsPort(port);
        this.internalTls = port;
      } catch (error) {
        this.opts.releasePort(port);
        lastError = error;
      }
    }
    if (this.internalTls === undefined) throw lastError instanceof Error ? lastError : new Error("the engine's TLS listener could not move");
    try {
      await this.startFront(this.entry);
    } catch (error) {
      await this.setTlsPort(this.entry).catch(() => undefined);
      this.opts.releasePort(this.internalTls);
      this.internalTls = undefined;
      throw error;
    }
    await closeClientConnections(this.opts.engine, new Set([this.entry]));
  }

  /** The front stops (its connections end) and the engine's TLS listener takes the entry port again. */
  private async frontOff(): Promise<void> {
    await this.iamFront!.stop();
    this.iamFront = undefined;
    try {
      await this.setTlsPort(this.entry);
    } catch (error) {
      // The entry was taken meanwhile: the front keeps it.
      await this.startFront(this.entry).catch(() => undefined);
      throw error;
    }
    this.opts.releasePort(this.internalTls!);
    this.internalTls = undefined;
  }

  private async startFront(port: number): Promise<void> {
    const front = this.opts.makeFront(port);
    await front.start();
    front.setTargets(this.opts.engine.endpoint, { host: this.opts.engine.endpoint.host, port: this.internalTls! });
    front.setIamUsers(this.iamUsers);
    this.iamFront = front;
  }

  private async setTlsPort(port: number): Promise<void> {
    await this.opts.engine.adminCommand!(["CONFIG", "SET", "tls-port", String(port)]);
  }

  /** What holds the public port while the entry is away gives it back (once). */
  private releaseAway(): Promise<void> {
    const gone = this.away?.gone;
    this.away = undefined;
    return gone ? gone().catch(() => undefined) : Promise.resolve();
  }

  /** The engine ended (or stopped): the front, the internal TLS port and the public port go (once). */
  private release(): void {
    if (this.released) return;
    this.released = true;
    this.ended = true;
    void this.releaseAway();
    const front = this.iamFront;
    this.iamFront = undefined;
    void front?.stop();
    if (this.internalTls !== undefined) this.opts.releasePort(this.internalTls);
    this.internalTls = undefined;
    this.opts.releasePublic();
  }
}
