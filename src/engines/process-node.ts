/**
 * An EngineNode backed by a real engine process: spawn, wait for the protocol probe,
 * check that the process answering is OURS (no silent attach to a foreign server that
 * already held the port), record the pid, report unexpected exits.
 */
import type { Logger } from "../logger.js";
import { PortInUseError } from "../process/ports.js";
import { connectHost, type Endpoint } from "../process/connect.js";
import type { EngineNode, NodeSpec } from "./engine.js";
import type { PidRegistry } from "../process/pid-registry.js";
import { waitReady } from "./probes.js";
import { spawnSupervised, type ExitInfo, type SupervisedProcess } from "../process/supervisor.js";

export class EngineStartError extends Error {
  constructor(
    message: string,
    readonly lastLines: string[] = [],
  ) {
    super(lastLines.length ? `${message}\n  ${lastLines.slice(-10).join("\n  ")}` : message);
    this.name = "EngineStartError";
  }
}

export interface ProcessNodeOptions {
  spec: NodeSpec;
  command: string;
  args: string[];
  logger: Logger;
  /** One protocol probe (PING / version). */
  probe: (endpoint: Endpoint, timeoutMs: number) => Promise<boolean>;
  /** The pid of the server answering at endpoint, as it reports itself (INFO / stats). */
  answeringPid: (endpoint: Endpoint) => Promise<number | undefined>;
  pidRegistry?: PidRegistry;
  readyTimeoutMs?: number;
  adminCommand?: (endpoint: Endpoint, args: string[]) => Promise<unknown>;
  adminAuth?: { user: string; password: string };
  /** Moves the engine's client listener from `from` to `to` (commands over `control`), keeping its announced ports on `publicPort`. */
  moveListener?: (control: Endpoint, move: { from: number; to: number; publicPort: number }) => Promise<void>;
  /**
   * For an engine that cannot move its listener at run time (memcached): the arguments of the
   * same node on another port. Moving it starts a new, empty process there and stops this one.
   */
  argsOnPort?: (port: number) => string[];
}

const ADDRESS_IN_USE = /Address already in use|EADDRINUSE/i;
/** How long an engine that lost the port race may take to exit. */
const FOREIGN_CHECK_MS = 2000;

const delay = (ms: number) => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());

export class ProcessNode implements EngineNode {
  readonly spec: NodeSpec;
  readonly endpoint: Endpoint;
  readonly adminAuth?: { user: string; password: string };
  private readonly exitCbs: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];
  private stopping: Promise<void> | undefined;
  /** Exits before launch() returned are start failures, reported by launch() itself. */
  private launched = false;
  private unexpectedExit: ExitInfo | undefined;
  /** Set while the client listener is away from the public port (moveListener). */
  private away: { port: number; gone?: () => Promise<void> } | undefined;

  private constructor(
    private proc: SupervisedProcess,
    private readonly opts: ProcessNodeOptions,
  ) {
    this.spec = opts.spec;
    this.endpoint = { host: connectHost(opts.spec.bindHost), port: opts.spec.port };
    // A TLS-only engine is probed and administered over TLS.
    if (opts.spec.tls?.mode === "required") this.endpoint.tls = { ca: opts.spec.tls.caPem };
    this.adminAuth = opts.adminAuth;
    if (opts.adminCommand) {
      const run = opts.adminCommand;
      this.adminCommand = (args: string[]) => run(this.controlEndpoint, args);
    }
    if (opts.argsOnPort && !opts.moveListener) {
      this.moveListener = async (port, gone) => {
        const to = port ?? this.endpoint.port;
        if (to !== (this.away?.port ?? this.endpoint.port)) await this.respawnOn(to);
        this.away = port === undefined ? undefined : { port, gone };
      };
    }
    if (opts.moveListener) {
      const move = opts.moveListener;
      this.moveListener = async (port, gone) => {
        const from = this.away?.port ?? this.endpoint.port;
        const to = port ?? this.endpoint.port;
        if (from !== to) await move(this.controlEndpoint, { from, to, publicPort: this.endpoint.port });
        this.away = port === undefined ? undefined : { port, gone };
      };
    }
  }

  moveListener?: (port: number | undefined, gone?: () => Promise<void>) => Promise<void>;

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /**
   * Starts the node again on `port` (an empty engine: its items are gone) and stops the
   * current process once the new one answers there as itself.
   */
  private async respawnOn(port: number): Promise<void> {
    const { spec, logger, command, pidRegistry } = this.opts;
    const next = spawnSupervised({ command, args: this.opts.argsOnPort!(port), cwd: spec.workDir, logger });
    const at = { ...this.endpoint, port };
    const exitAbort = new AbortController();
    void next.exited.then(() => exitAbort.abort(new EngineStartError(`${command} exited during its start on port ${port}`, next.lastLines())));
    try {
      await waitReady(() => this.opts.probe(at, 1000), { timeoutMs: this.opts.readyTimeoutMs ?? 30_000, signal: exitAbort.signal, wake: (probeNow) => next.onLine(probeNow) });
      if ((await this.opts.answeringPid(at).catch(() => undefined)) !== next.pid) throw new EngineStartError(`another server answers on port ${port}`);
    } catch (error) {
      await next.stop({ graceMs: 1000 });
      throw exitAbort.signal.aborted ? exitAbort.signal.reason : error;
    }
    const old = this.proc;
    this.proc = next;
    next.onExit((info, lines) => this.exitedUnexpectedly(info, lines));
    if (next.pid !== undefined) await pidRegistry?.add({ pid: next.pid, binary: command, port, nodeName: spec.nodeName });
    await old.stop();
    if (old.pid !== undefined) await pidRegistry?.remove(old.pid);
    logger.info("engine started again on another port", { node: spec.nodeName, pid: next.pid, port });
  }

  /** The engine's listening socket: the public endpoint unless moveListener moved it. */
  get controlEndpoint(): Endpoint {
    return this.away ? { ...this.endpoint, port: this.away.port } : this.endpoint;
  }

  /** What holds the public port while the listener is away gives it back (once). */
  private releasePublicPort(): Promise<void> {
    const gone = this.away?.gone;
    this.away = undefined;
    return gone ? gone().catch(() => undefined) : Promise.resolve();
  }

  adminCommand?: (args: string[]) => Promise<unknown>;

  /** Spawns and resolves once the engine answers as our pid; PortInUseError when the port is taken. */
  static async launch(opts: ProcessNodeOptions): Promise<ProcessNode> {
    const { spec, logger } = opts;
    const proc = spawnSupervised({ command: opts.command, args: opts.args, cwd: spec.workDir, logger });
    const node = new ProcessNode(proc, opts);
    proc.onExit((info, lines) => node.exitedUnexpectedly(info, lines));
    const recorded = proc.pid !== undefined && opts.pidRegistry
      ? opts.pidRegistry.add({ pid: proc.pid, binary: opts.command, port: spec.port, nodeName: spec.nodeName })
      : Promise.resolve();
    try {
      await node.waitOwnReady();
    } catch (err) {
      await proc.stop({ graceMs: 1000 });
      if (proc.pid !== undefined) await opts.pidRegistry?.remove(proc.pid);
      throw err;
    }
    await recorded;
    node.launched = true;
    if (!proc.running) {
      // Died between the probe and here: a start failure, not an "unexpected exit" later.
      await opts.pidRegistry?.remove(proc.pid!);
      throw node.startFailure(await proc.exited);
    }
    logger.info("engine ready", { node: spec.nodeName, pid: proc.pid, port: spec.port });
    return node;
  }

  private async waitOwnReady(): Promise<void> {
    const { spec } = this.opts;
    const timeoutMs = this.opts.readyTimeoutMs ?? 30_000;
    const exitAbort = new AbortController();
    void this.proc.exited.then((info) => exitAbort.abort(this.startFailure(info)));
    try {
      // An engine's output ("Ready to accept connections") is the moment to probe again.
      await waitReady(() => this.opts.probe(this.endpoint, 1000), {
        timeoutMs,
        signal: exitAbort.signal,
        wake: (probeNow) => this.proc.onLine(probeNow),
      });
    } catch (err) {
      if (exitAbort.signal.aborted) throw exitAbort.signal.reason;
      throw new EngineStartError(`${this.opts.command} did not answer on port ${spec.port}: ${(err as Error).message}`, this.proc.lastLines());
    }
    // Something answered; make sure it is our process and not one that already held the port.
    const answering = await this.opts.answeringPid(this.endpoint).catch(() => undefined);
    if (answering !== undefined && answering === this.proc.pid) return;
    // Another server answered. Ours exits right away when it cannot bind: wait for that,
    // so the error says why (PortInUseError from "Address already in use").
    this.opts.logger.debug("another server answers on the port", { port: spec.port, answering, ours: this.proc.pid });
    const info = await Promise.race([this.proc.exited, delay(FOREIGN_CHECK_MS)]);
    if (info) throw this.startFailure(info);
    // Still running, so it holds the port and answered, but could not be verified as
    // itself: a configuration problem, not a port to skip.
    throw new EngineStartError(`${this.opts.command} on port ${spec.port} answers but does not report pid ${this.proc.pid}`, this.proc.lastLines());
  }

  private startFailure(info: ExitInfo): Error {
    const lines = this.proc.lastLines();
    if (lines.some((l) => ADDRESS_IN_USE.test(l))) return new PortInUseError(this.opts.spec.port);
    if (info.spawnError) return new EngineStartError(`cannot run ${this.opts.command}: ${info.spawnError.message}`, lines);
    return new EngineStartError(
      `${this.opts.command} exited during start (code ${info.code}, signal ${info.signal})`,
      lines,
    );
  }

  private exitedUnexpectedly(info: ExitInfo, lines: string[]): void {
    if (!this.launched) return;
    this.unexpectedExit = info;
    this.opts.logger.error("engine exited unexpectedly", {
      node: this.spec.nodeName,
      pid: this.pid,
      code: info.code,
      signal: info.signal,
      lastLines: lines.slice(-20),
    });
    if (this.pid !== undefined) void this.opts.pidRegistry?.remove(this.pid);
    void this.releasePublicPort();
    for (const cb of this.exitCbs) cb(info.code, info.signal);
  }

  ready(): Promise<void> {
    // launch() only hands out nodes that answered already.
    return Promise.resolve();
  }

  async health(): Promise<"ok" | "down"> {
    if (!this.proc.running) return "down";
    return (await this.opts.probe(this.controlEndpoint, 1000)) ? "ok" : "down";
  }

  stop(opts: { graceMs?: number } = {}): Promise<void> {
    this.stopping ??= (async () => {
      await this.releasePublicPort();
      await this.proc.stop(opts);
      if (this.pid !== undefined) await this.opts.pidRegistry?.remove(this.pid);
      this.opts.logger.debug("engine stopped", { node: this.spec.nodeName, pid: this.pid });
    })();
    return this.stopping;
  }

  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    const gone = this.unexpectedExit;
    // A listener added after the exit still hears about it, once.
    if (gone) queueMicrotask(() => cb(gone.code, gone.signal));
    else this.exitCbs.push(cb);
  }
}
