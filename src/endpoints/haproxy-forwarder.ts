/**
 * A forwarder endpoint served by an haproxy process (`mode tcp`): the same contract as
 * TcpForwarder (round-robin per connection over the target set; connections to a target
 * that leaves the set are closed), with a native data path.
 *
 * The emulator supervises the process like an engine: spawned in the foreground, its pid
 * in the pid registry, stopped at stop(). The target set changes through the runtime API
 * (no reload, so connections to targets that stay are untouched). When haproxy dies it is
 * started again on the same port with the current targets; after repeated deaths, or when
 * it cannot start, a Node TcpForwarder takes the port over.
 */
import { promises as fs } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { PortInUseError } from "../process/ports.js";
import type { PidRegistry } from "../process/pid-registry.js";
import { spawnSupervised, type ExitInfo, type SupervisedProcess } from "../process/supervisor.js";
import type { Logger } from "../logger.js";
import { HaproxyAdmin } from "./haproxy-admin.js";
import { BACKEND, defaultMaxconn, haproxyConfig, serverAddress, type HaproxySlot } from "./haproxy-config.js";
import { TcpForwarder, type ForwardTarget } from "./tcp-forwarder.js";

export interface HaproxyForwarderOptions {
  /** The haproxy binary (2.4 or later: servers are added at runtime). */
  binary: string;
  bindHost: string;
  /** A port to bind (not 0: haproxy binds it itself; EADDRINUSE when taken). */
  port: number;
  logger: Logger;
  /** For logs and the pid registry, e.g. "my-rg primary". */
  name: string;
  /** Holds the config and the runtime API socket; created at start, removed at stop. */
  dir: string;
  pidRegistry?: PidRegistry;
  /** As TcpForwarder's: a target that neither accepts nor refuses within this long counts as refusing. */
  connectTimeoutMs?: number;
  maxconn?: number;
  /** How long start() waits for haproxy to answer. */
  readyTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** More deaths than this within RESTART_WINDOW_MS hand the port to a Node forwarder. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 60_000;
const ADDRESS_IN_USE = /Address already in use/i;
/** A unix socket path longer than this does not fit sockaddr_un (108 bytes with the NUL). */
const MAX_SOCKET_PATH = 100;

const keyOf = (t: ForwardTarget): string => `${t.host}:${t.port}`;
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class HaproxyForwarder {
  private readonly log: Logger;
  private current: readonly ForwardTarget[] = Object.freeze([]);
  private instance: HaproxyInstance | undefined;
  private fallback: TcpForwarder | undefined;
  private recovering: Promise<void> | undefined;
  private readonly deaths: number[] = [];
  private started = false;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  /** Set when the socket path does not fit under `dir` (length, characters): a temp dir, removed at stop. */
  private socketDir: string | undefined;

  constructor(private readonly opts: HaproxyForwarderOptions) {
    this.log = opts.logger.child({ component: "haproxy-forwarder", endpoint: opts.name });
  }

  /** Starts haproxy on the port; rejects with code EADDRINUSE (a PortInUseError) when it is taken. */
  async start(): Promise<void> {
    if (this.started) throw new Error(`forwarder ${this.opts.name} already started`);
    this.started = true;
    await fs.rm(this.opts.dir, { recursive: true, force: true });
    await fs.mkdir(this.opts.dir, { recursive: true });
    try {
      this.instance = await this.launch();
    } catch (error) {
      await this.cleanup();
      throw error;
    }
    this.log.info("forwarder listening (haproxy)", { host: this.opts.bindHost, port: this.opts.port, pid: this.instance.pid });
  }

  get port(): number {
    return this.opts.port;
  }

  get targets(): readonly ForwardTarget[] {
    return this.current;
  }

  /** "haproxy", or "node" once a Node forwarder has taken over the port. */
  get implementation(): "haproxy" | "node" {
    return this.fallback ? "node" : "haproxy";
  }

  /** The haproxy process serving the endpoint now (undefined while restarting or on the Node fallback). */
  get pid(): number | undefined {
    return this.instance?.pid;
  }

  /**
   * Replaces the target set. The runtime API commands are written at once; the promise
   * resolves when haproxy has applied them (callers may ignore it, as with TcpForwarder).
   */
  setTargets(targets: ForwardTarget[]): Promise<void> {
    const valid = targets.filter((t) => {
      if (net.isIP(t.host)) return true;
      this.log.error("target is not an IP address; the haproxy forwarder skips it", { target: keyOf(t) });
      return false;
    });
    this.current = Object.freeze(valid.map((t) => Object.freeze({ host: t.host, port: t.port })));
    if (this.fallback) {
      this.fallback.setTargets([...this.current]);
      return Promise.resolve();
    }
    // While haproxy restarts, the new one is given the set once it is up.
    return this.instance ? this.applyTo(this.instance) : Promise.resolve();
  }

  /** Live client connections (haproxy's CurrConns), for tests and diagnostics. */
  async connectionCount(): Promise<number> {
    if (this.fallback) return this.fallback.connectionCount;
    if (!this.instance) return 0;
    const info = await this.instance.command("show info");
    return Number(/^CurrConns: (\d+)/m.exec(info)?.[1] ?? 0);
  }

  /** Stops haproxy (every connection closes) or the Node forwarder that replaced it. */
  stop(): Promise<void> {
    if (!this.started) return Promise.resolve();
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    await this.recovering;
    await this.instance?.stop();
    this.instance = undefined;
    await this.fallback?.stop();
    await this.cleanup();
    this.log.info("forwarder stopped", { port: this.opts.port });
  }

  private async launch(): Promise<HaproxyInstance> {
    const slots: HaproxySlot[] = this.current.map((target, i) => ({ name: `s${i + 1}`, target }));
    const instance = await HaproxyInstance.launch({ ...this.opts, adminSocket: await this.adminSocketPath(), slots, log: this.log });
    instance.onUnexpectedExit((info, lines) => this.died(instance, info, lines));
    // Died between its first answer and here: a start failure.
    if (!instance.running) {
      await instance.stop();
      throw new Error(`haproxy exited right after its start\n  ${instance.lastLines().join("\n  ")}`);
    }
    instance.onBroken((reason) => {
      // As for a death: once stop() began, or for an instance already replaced, there is nothing to restart.
      if (this.stopping || this.instance !== instance) return;
      this.log.error("haproxy runtime API failed; restarting haproxy", { reason });
      instance.kill();
    });
    // Targets changed while it was starting.
    void this.applyTo(instance);
    return instance;
  }

  private applyTo(instance: HaproxyInstance): Promise<void> {
    return instance.apply(this.current);
  }

  private died(instance: HaproxyInstance, info: ExitInfo, lines: string[]): void {
    if (this.stopping || this.instance !== instance) return;
    this.instance = undefined;
    this.log.error("haproxy exited unexpectedly", { port: this.opts.port, pid: instance.pid, code: info.code, signal: info.signal, lastLines: lines.slice(-10) });
    const now = Date.now();
    this.deaths.push(now);
    while (this.deaths.length && now - this.deaths[0] > RESTART_WINDOW_MS) this.deaths.shift();
    this.recovering = this.recover(this.deaths.length <= MAX_RESTARTS).finally(() => (this.recovering = undefined));
  }

  private async recover(restartHaproxy: boolean): Promise<void> {
    if (restartHaproxy) {
      try {
        const instance = await this.launch();
        if (this.stopping) {
          await instance.stop();
          return;
        }
        this.instance = instance;
        this.log.warn("haproxy restarted", { port: this.opts.port, pid: instance.pid });
        return;
      } catch (error) {
        this.log.error("haproxy could not be restarted", { port: this.opts.port, error: (error as Error).message });
      }
    }
    if (this.stopping) return;
    const node = new TcpForwarder({
      bindHost: this.opts.bindHost,
      port: this.opts.port,
      logger: this.opts.logger,
      name: this.opts.name,
      connectTimeoutMs: this.opts.connectTimeoutMs,
    });
    try {
      await node.start();
    } catch (error) {
      this.log.error("the endpoint is down: neither haproxy nor the Node forwarder could take its port", { port: this.opts.port, error: (error as Error).message });
      return;
    }
    node.setTargets([...this.current]);
    if (this.stopping) {
      await node.stop();
      return;
    }
    this.fallback = node;
    this.log.warn("the Node forwarder serves the endpoint from now on", { port: this.opts.port });
  }

  private async adminSocketPath(): Promise<string> {
    const inDir = path.join(this.opts.dir, "admin.sock");
    // The path goes into the config unquoted: plain characters only.
    if (Buffer.byteLength(inDir) <= MAX_SOCKET_PATH && /^[\w./-]+$/.test(inDir)) return inDir;
    this.socketDir ??= await fs.mkdtemp(path.join(os.tmpdir(), "ecl-haproxy-"));
    return path.join(this.socketDir, "admin.sock");
  }

  private async cleanup(): Promise<void> {
    await fs.rm(this.opts.dir, { recursive: true, force: true }).catch(() => undefined);
    if (this.socketDir) await fs.rm(this.socketDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------
// One haproxy process and its runtime API connection.

interface InstanceOptions extends HaproxyForwarderOptions {
  adminSocket: string;
  slots: HaproxySlot[];
  log: Logger;
}

interface Step {
  command: string;
  /** Whether the reply says the command worked. */
  ok(reply: string): boolean;
}

const EMPTY = (reply: string) => reply.trim() === "";

class HaproxyInstance {
  private admin: HaproxyAdmin | undefined;
  private reconnecting: Promise<HaproxyAdmin> | undefined;
  private readonly brokenCbs: Array<(reason: string) => void> = [];
  private broken = false;
  /** Set by stop(): the runtime API connection is then closed by us, which is no failure. */
  private stopping = false;

  private constructor(
    private readonly proc: SupervisedProcess,
    private readonly opts: InstanceOptions,
    /** Slot by slot as haproxy has them (after the commands written so far). */
    private readonly slots: HaproxySlot[],
  ) {}

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get running(): boolean {
    return this.proc.running;
  }

  static async launch(opts: InstanceOptions): Promise<HaproxyInstance> {
    const configFile = path.join(opts.dir, "haproxy.cfg");
    await fs.rm(opts.adminSocket, { force: true });
    await fs.writeFile(
      configFile,
      haproxyConfig({
        bindHost: opts.bindHost,
        port: opts.port,
        adminSocket: opts.adminSocket,
        connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        maxconn: opts.maxconn ?? defaultMaxconn(),
        slots: opts.slots,
      }),
    );
    // -db: foreground, no daemon, no master process: the pid we spawn is the proxy itself.
    const proc = spawnSupervised({ command: opts.binary, args: ["-db", "-f", configFile], cwd: opts.dir, logger: opts.log });
    const instance = new HaproxyInstance(proc, opts, opts.slots.map((s) => ({ ...s })));
    const recorded = proc.pid !== undefined && opts.pidRegistry
      ? opts.pidRegistry.add({ pid: proc.pid, binary: opts.binary, port: opts.port, nodeName: opts.name })
      : Promise.resolve();
    try {
      instance.admin = await instance.waitReady();
      await recorded;
    } catch (error) {
      await proc.stop({ graceMs: 1000 });
      await recorded;
      if (proc.pid !== undefined) await opts.pidRegistry?.remove(proc.pid);
      throw error;
    }
    proc.onExit(() => {
      instance.admin?.close();
      if (proc.pid !== undefined) void opts.pidRegistry?.remove(proc.pid);
    });
    return instance;
  }

  /** Resolves with a runtime API connection once haproxy answers as our pid (all its binds done). */
  private async waitReady(): Promise<HaproxyAdmin> {
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 10_000);
    for (;;) {
      if (!this.proc.running) throw this.startFailure(await this.proc.exited);
      const admin = await HaproxyAdmin.connect(this.opts.adminSocket, 1000).catch(() => undefined);
      if (admin) {
        const info = await admin.command("show info").catch(() => "");
        const pid = Number(/^Pid: (\d+)/m.exec(info)?.[1]);
        if (pid === this.proc.pid) return admin;
        admin.close();
      }
      if (Date.now() > deadline) {
        throw new Error(`haproxy did not answer on ${this.opts.adminSocket} within ${this.opts.readyTimeoutMs ?? 10_000} ms\n  ${this.proc.lastLines().slice(-10).join("\n  ")}`);
      }
      await delay(20);
    }
  }

  private startFailure(info: ExitInfo): Error {
    const lines = this.proc.lastLines();
    if (lines.some((l) => ADDRESS_IN_USE.test(l))) return Object.assign(new PortInUseError(this.opts.port), { code: "EADDRINUSE" });
    if (info.spawnError) return new Error(`cannot run ${this.opts.binary}: ${info.spawnError.message}`);
    return new Error(`haproxy exited during start (code ${info.code}, signal ${info.signal})\n  ${lines.slice(-10).join("\n  ")}`);
  }

  lastLines(): string[] {
    return this.proc.lastLines().slice(-10);
  }

  onUnexpectedExit(cb: (info: ExitInfo, lines: string[]) => void): void {
    this.proc.onExit(cb);
  }

  /** Called once if a runtime API command fails: haproxy's state is then unknown. */
  onBroken(cb: (reason: string) => void): void {
    this.brokenCbs.push(cb);
  }

  /** Ends the process as a crash would (its exit handler restarts it). */
  kill(): void {
    if (this.proc.pid === undefined || !this.proc.running) return;
    try {
      process.kill(this.proc.pid, "SIGKILL");
    } catch {
      /* gone already */
    }
  }

  /**
   * Makes haproxy's servers the target set: new targets first (a free slot gets the address,
   * else a server is added), then the targets that left go to maintenance and their
   * sessions are shut down. Slots of targets that stay are not touched.
   */
  apply(targets: readonly ForwardTarget[]): Promise<void> {
    const wanted = new Map(targets.map((t) => [keyOf(t), t]));
    const have = new Map(this.slots.filter((s) => s.target).map((s) => [keyOf(s.target!), s]));
    const steps: Step[] = [];
    const server = (slot: HaproxySlot) => `${BACKEND}/${slot.name}`;
    for (const [key, target] of wanted) {
      if (have.has(key)) continue;
      let slot = this.slots.find((s) => !s.target);
      if (slot) {
        steps.push({ command: `set server ${server(slot)} addr ${target.host} port ${target.port}`, ok: (r) => /changed|no need to change/.test(r) });
        steps.push({ command: `set server ${server(slot)} state ready`, ok: EMPTY });
      } else {
        slot = { name: `s${this.slots.length + 1}` };
        this.slots.push(slot);
        steps.push({ command: `add server ${server(slot)} ${serverAddress(target.host, target.port)}`, ok: (r) => /New server registered/.test(r) });
        steps.push({ command: `enable server ${server(slot)}`, ok: EMPTY });
      }
      slot.target = { host: target.host, port: target.port };
    }
    for (const [key, slot] of have) {
      if (wanted.has(key)) continue;
      steps.push({ command: `set server ${server(slot)} state maint`, ok: EMPTY });
      steps.push({ command: `shutdown sessions server ${server(slot)}`, ok: EMPTY });
      slot.target = undefined;
    }
    if (steps.length === 0) return Promise.resolve();
    this.opts.log.debug("targets set", { targets: [...wanted.keys()] });
    return this.run(steps);
  }

  /** One runtime API command (e.g. `show info`). */
  async command(line: string): Promise<string> {
    return (await this.connection()).command(line);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.admin?.close();
    await this.proc.stop();
    if (this.proc.pid !== undefined) await this.opts.pidRegistry?.remove(this.proc.pid);
  }

  /** Writes every step now (when connected) and checks the replies in order. */
  private async run(steps: Step[]): Promise<void> {
    const send = (admin: HaproxyAdmin) => Promise.all(steps.map((step) => admin.command(step.command).then((reply) => ({ step, reply }))));
    const conn = this.connection();
    let results: Array<{ step: Step; reply: string }>;
    try {
      results = await (conn instanceof HaproxyAdmin ? send(conn) : conn.then(send));
    } catch (error) {
      // A connection lost because haproxy died is the exit handler's business; one closed by
      // stop() (target changes still in flight at an ordinary stop) is no failure at all.
      if (this.proc.running && !this.stopping) this.fail((error as Error).message);
      return;
    }
    const bad = results.find(({ step, reply }) => !step.ok(reply));
    if (bad) this.fail(`"${bad.step.command}" answered ${JSON.stringify(bad.reply.trim())}`);
  }

  private fail(reason: string): void {
    if (this.broken) return;
    this.broken = true;
    for (const cb of this.brokenCbs) cb(reason);
  }

  /** The open runtime API connection, or a new one when it was closed (haproxy still running). */
  private connection(): HaproxyAdmin | Promise<HaproxyAdmin> {
    if (this.admin?.open) return this.admin;
    this.reconnecting ??= HaproxyAdmin.connect(this.opts.adminSocket)
      .then((admin) => (this.admin = admin))
      .finally(() => (this.reconnecting = undefined));
    return this.reconnecting;
  }
}
