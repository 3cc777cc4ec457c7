/**
 * Runs one engine child process: explicit argv (no shell), output lines to the logger,
 * the last lines kept to explain an unexpected exit, SIGTERM-then-SIGKILL stop.
 * Any child still running when this Node process exits is SIGKILLed (see killAllOnExit);
 * when the emulator dies without running any code (kill -9, OOM), the kernel sends each child
 * SIGTERM (parent-death.ts), and the pid registry's reapOrphans covers systems without that.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { Logger } from "../logger.js";
import { withParentDeathSignal } from "./parent-death.js";

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the binary could not be started at all (ENOENT, EACCES...). */
  spawnError?: Error;
}

export interface SuperviseOptions {
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Child logger of the node; output lines go to it at debug. */
  logger: Logger;
  /** How many output lines to keep for the exit report (default 50). */
  keepLines?: number;
}

export const DEFAULT_GRACE_MS = 3000;

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
}

/**
 * Nothing we spawned may outlive us. On exit, SIGKILL what is still running (sync, best
 * effort). A fatal signal skips "exit" handlers, so for SIGTERM/SIGINT/SIGHUP we do the
 * same and then die by the signal as the default action would, but only when no one else
 * handles it: a CLI with its own handler stops the nodes gracefully itself.
 */
function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", killAll);
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return;
      killAll();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

export class SupervisedProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private readonly keep: number;
  private readonly exitCbs: Array<(info: ExitInfo, lastLines: string[]) => void> = [];
  private readonly lineCbs: Array<(line: string) => void> = [];
  private exitInfo: ExitInfo | undefined;
  private stopRequested = false;

  constructor(private readonly opts: SuperviseOptions) {
    killAllOnExit();
    this.keep = opts.keepLines ?? 50;
    const { command, args } = withParentDeathSignal(opts.command, opts.args);
    this.child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      shell: false,
    });
    this.pid = this.child.pid;
    if (this.pid !== undefined) live.add(this.child);
    this.pipeLines(this.child.stdout, "stdout");
    this.pipeLines(this.child.stderr, "stderr");

    this.exited = new Promise<ExitInfo>((resolve) => {
      const done = (info: ExitInfo) => {
        if (this.exitInfo) return;
        this.exitInfo = info;
        live.delete(this.child);
        resolve(info);
        if (!this.stopRequested) {
          opts.logger.debug("engine process exited", { pid: this.pid, code: info.code, signal: info.signal });
          for (const cb of this.exitCbs) cb(info, this.lastLines());
        }
      };
      // Prefer "close" so the last output lines are in before we report; but a grandchild
      // holding the pipes open (a fork for BGSAVE) must not delay the exit by much.
      this.child.on("close", (code, signal) => done({ code, signal }));
      this.child.on("exit", (code, signal) => {
        setTimeout(() => done({ code, signal }), 100).unref();
      });
      this.child.on("error", (err) => {
        if (this.child.pid === undefined || this.child.exitCode !== null) {
          this.pushLine(`spawn error: ${err.message}`);
          done({ code: null, signal: null, spawnError: err });
        }
      });
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last output lines (stdout and stderr interleaved as they came). */
  lastLines(): string[] {
    return [...this.lines];
  }

  /** Called once if the process ends without stop() having been asked for. */
  onExit(cb: (info: ExitInfo, lastLines: string[]) => void): void {
    this.exitCbs.push(cb);
  }

  /** Called for every output line (used to probe right away when the engine says something). */
  onLine(cb: (line: string) => void): void {
    this.lineCbs.push(cb);
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  async stop(opts: { graceMs?: number } = {}): Promise<ExitInfo> {
    this.stopRequested = true;
    if (this.exitInfo) return this.exitInfo;
    const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (this.running) {
        this.opts.logger.warn("engine did not stop in time; sending SIGKILL", { pid: this.pid, graceMs });
        this.child.kill("SIGKILL");
      }
    }, graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  private pipeLines(stream: NodeJS.ReadableStream | null, name: string): void {
    if (!stream) return;
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      partial += chunk;
      const parts = partial.split(/\r?\n/);
      partial = parts.pop() ?? "";
      for (const line of parts) if (line) this.pushLine(line, name);
    });
    stream.on("end", () => {
      if (partial) this.pushLine(partial, name);
      partial = "";
    });
  }

  private pushLine(line: string, stream = "spawn"): void {
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
    this.opts.logger.debug(line, { stream, pid: this.pid });
    for (const cb of this.lineCbs) cb(line);
  }
}

export function spawnSupervised(opts: SuperviseOptions): SupervisedProcess {
  return new SupervisedProcess(opts);
}
