/**
 * Runs the built `elasticache-local` command (dist/cli.js) as a child process for tests,
 * and looks at processes through /proc: a process's children, whether a pid still runs.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const cliPath = join(repoRoot, "dist", "cli.js");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Compiles src/ to dist/ (`npm run build`) when dist/cli.js is missing or older than a source file. */
export async function ensureBuilt(): Promise<void> {
  if (existsSync(cliPath) && statSync(cliPath).mtimeMs >= newestMtime(join(repoRoot, "src"))) return;
  await new Promise<void>((resolve, reject) =>
    execFile("npm", ["run", "build"], { cwd: repoRoot, timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`npm run build failed:\n${stdout}\n${stderr}`)) : resolve(),
    ),
  );
}

export interface CliRun {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartedCli extends CliRun {
  /** The API URL from the `elasticache-local ready at <url>` line. */
  readonly url: string;
}

/** Spawns `node dist/cli.js args...` with `env` added to (or, with value undefined, removed from) this environment. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): CliRun {
  return runNode([cliPath, ...args], env);
}

/** Spawns `node nodeArgs...` in the repository root, with the environment handling of runCli. */
export function runNode(nodeArgs: string[], env: Record<string, string | undefined> = {}): CliRun {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  // An ELASTICACHE_LOCAL_* variable of the developer's shell must not change what a test sees.
  for (const key of Object.keys(childEnv)) if (key.startsWith("ELASTICACHE_LOCAL_")) delete childEnv[key];
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  const child = spawn(process.execPath, nodeArgs, { cwd: repoRoot, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("close", (code, signal) => {
      running.delete(run);
      resolve({ code, signal });
    }),
  );
  const run: CliRun = { child, pid: child.pid!, stdout: () => out, stderr: () => err, exited };
  running.add(run);
  return run;
}

const running = new Set<CliRun>();

/** SIGKILLs every run of this file that has not ended yet (an afterEach safety net: no test leaves a CLI behind). */
export async function killAllRuns(): Promise<void> {
  await Promise.all([...running].map((run) => killCli(run)));
}

/** Runs to the end, expecting an exit; SIGKILLs the process and rejects if it is still running after timeoutMs. */
export async function runToExit(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 20_000,
): Promise<CliRun & { code: number | null }> {
  const run = runCli(args, env);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.child.kill("SIGKILL");
      reject(new Error(`elasticache-local ${args.join(" ")} still running after ${timeoutMs} ms\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`));
    }, timeoutMs);
  });
  try {
    const { code } = await Promise.race([run.exited, timedOut]);
    return { ...run, code };
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the run printed `text` on stdout; rejects if it exits first or takes too long. */
export function waitForOutput(run: CliRun, text: string, timeoutMs = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms\nstderr: ${run.stderr()}`)), timeoutMs);
    const look = () => {
      if (run.stdout().includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    look();
    run.child.stdout!.on("data", look);
    void run.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`exited (code ${code}, signal ${signal}) before "${text}"\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`));
    });
  });
}

/** Spawns the CLI and resolves once it printed its ready line; rejects (and kills it) if it exits or takes too long. */
export async function startCli(args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 30_000): Promise<StartedCli> {
  const run = runCli(args, env);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      run.child.kill("SIGKILL");
      reject(new Error(`the CLI printed no ready line within ${timeoutMs} ms\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`));
    }, timeoutMs);
    const look = () => {
      const match = /^elasticache-local ready at (\S+)$/m.exec(run.stdout());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    run.child.stdout!.on("data", look);
    void run.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited before it was ready (code ${code}, signal ${signal})\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`));
    });
  });
  return { ...run, url };
}

/** SIGKILLs a CLI run that is still going and waits for it to end (for finally blocks). */
export async function killCli(run: CliRun | undefined): Promise<void> {
  if (!run || run.child.exitCode !== null || run.child.signalCode !== null) return;
  run.child.kill("SIGKILL");
  await run.exited;
}

/** Pids whose parent is `pid`, from /proc/<n>/stat. */
export function childPids(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[1]) === pid) found.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return found;
}

/** The command line of a pid (NULs as spaces), undefined once it is gone. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
  } catch {
    return undefined;
  }
}

/** Running: exists and is not a zombie (a zombie has exited, only its reaping is missing). */
export function isRunning(pid: number): boolean {
  // A multi-threaded process (redis-server) ends thread by thread: its main thread may be a
  // zombie while another still holds the process's files, its listening socket included.
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  return tids.some((tid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      return state !== "Z" && state !== "X";
    } catch {
      return false;
    }
  });
}

/** Polls until `pid` no longer runs; false if it still does after timeoutMs. */
export async function waitUntilGone(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Polls until none of `pids` runs; the ones still running after timeoutMs (empty when all ended). */
export async function waitUntilAllGone(pids: number[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = pids.filter(isRunning);
    if (running.length === 0 || Date.now() > deadline) return running;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGKILLs pids that still run (cleanup of engines a test left orphaned on purpose). */
export async function killPids(pids: number[]): Promise<void> {
  for (const pid of pids) {
    if (!isRunning(pid)) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
  for (const pid of pids) await waitUntilGone(pid, 5_000);
}
