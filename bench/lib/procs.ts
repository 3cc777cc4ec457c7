/**
 * Processes the harness starts itself (bare engines for baselines, the emulator CLI):
 * tracked by pid, stopped by pid (SIGTERM, then SIGKILL), never by name. Plus /proc
 * readers for RSS and for the engine processes below this process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import net from "node:net";

export interface Tracked {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Output lines kept to explain a failure. */
  readonly output: string[];
}

const tracked = new Set<Tracked>();

/** Spawns with an explicit argv (no shell) and tracks the pid until it has exited. */
export function spawnTracked(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Tracked {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"], shell: false });
  if (child.pid === undefined) {
    // spawn reports ENOENT asynchronously; make it a synchronous failure here.
    throw new Error(`cannot spawn ${command}`);
  }
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) if (line) output.push(line);
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
  const entry: Tracked = { child, pid: child.pid, exited, output };
  tracked.add(entry);
  void exited.then(() => tracked.delete(entry));
  return entry;
}

/** SIGTERM (or `signal`), SIGKILL after graceMs; resolves when the process has exited. */
export async function stopTracked(p: Tracked, graceMs = 3000, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  try {
    p.child.kill(signal);
  } catch {
    /* gone */
  }
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      try {
        p.child.kill("SIGKILL");
      } catch {
        /* gone */
      }
      resolve();
    }, graceMs);
  });
  await Promise.race([p.exited, killed]);
  clearTimeout(timer);
  await p.exited;
}

/** Stops every process spawnTracked started that is still running. */
export async function stopAllTracked(): Promise<number> {
  const left = [...tracked];
  await Promise.all(left.map((p) => stopTracked(p, 2000)));
  return left.length;
}

/** Synchronous last resort (process "exit"): SIGKILL every tracked pid still running. */
export function killAllTrackedSync(): void {
  for (const p of tracked) {
    try {
      p.child.kill("SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/** Whether 127.0.0.1:port can be bound right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

const cursors = new Map<string, number>();

/** A port of [from, to] that is free now; moves on each call so a just-closed port is not reused at once. */
export async function freePort(range: { from: number; to: number }): Promise<number> {
  const key = `${range.from}-${range.to}`;
  const size = range.to - range.from + 1;
  const start = cursors.get(key) ?? range.from;
  for (let i = 0; i < size; i++) {
    const port = range.from + ((start - range.from + i) % size);
    if (await portFree(port)) {
      cursors.set(key, port + 1 > range.to ? range.from : port + 1);
      return port;
    }
  }
  throw new Error(`no free port in ${key}`);
}

/** VmRSS of a pid in KiB (undefined when the process is gone or there is no /proc). */
export function vmRssKb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Direct children of pid, from /proc/<pid>/task/<tid>/children (every thread may have forked). */
export function childrenOf(pid: number): number[] {
  const out = new Set<number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
        for (const c of text.split(/\s+/)) if (c) out.add(Number(c));
      } catch {
        /* thread gone */
      }
    }
  } catch {
    return [];
  }
  return [...out];
}

/** Every process below pid (children, grandchildren...). */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const c of childrenOf(queue.shift()!)) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** argv[0]'s base name (engines rewrite their title, so only the start counts), else comm. */
export function processName(pid: number): string | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const argv0 = cmdline.split(/[\0 ]/)[0] ?? "";
    if (argv0) return argv0.slice(argv0.lastIndexOf("/") + 1);
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Engines, and the haproxy processes an emulator runs its replication group endpoints on. */
const ENGINE = /^(redis-server|valkey-server|memcached|haproxy)$/;

/** Engine processes below `pid` (default: this process): ours by construction, never anyone else's. */
export function engineDescendants(pid = process.pid): Array<{ pid: number; name: string }> {
  return descendantsOf(pid)
    .map((p) => ({ pid: p, name: processName(p) ?? "" }))
    .filter((p) => ENGINE.test(p.name));
}

/**
 * The haproxy process serving an emulator's endpoint on `port` (the emulator keeps each
 * one's config in `.../_forwarders/<port>/haproxy.cfg`), or undefined on the Node forwarder.
 */
export function forwarderProcess(emulatorPid: number, port: number): number | undefined {
  for (const pid of descendantsOf(emulatorPid)) {
    if (processName(pid) !== "haproxy") continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`/_forwarders/${port}/`)) return pid;
    } catch {
      /* gone */
    }
  }
  return undefined;
}

/** Whether a pid is alive and not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until every pid has exited (or the deadline); returns the ones still alive. */
export async function waitGone(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = pids.filter(alive);
  while (left.length && Date.now() < deadline) {
    await sleep(25);
    left = left.filter(alive);
  }
  return left;
}

/** Runs a command to completion (tracked like the rest), capturing stdout and stderr separately. */
export async function runCommand(
  command: string,
  args: string[],
  opts: { timeoutMs?: number; cwd?: string } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const p = spawnTracked(command, args, { cwd: opts.cwd });
  let stdout = "";
  let stderr = "";
  p.child.stdout!.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
  p.child.stderr!.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
  const timer = setTimeout(() => void stopTracked(p, 1000), opts.timeoutMs ?? 120_000);
  try {
    const { code, signal } = await p.exited;
    // "exit" may come before the pipes are drained.
    await new Promise<void>((resolve) => (p.child.stdout!.readableEnded ? resolve() : p.child.stdout!.once("close", () => resolve())));
    return { code, signal, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The engine process below this one serving `port`: argv `--port P` / `-p P`, or the title
 * redis-server rewrites its command line to (`redis-server 127.0.0.1:P`).
 */
export function engineByPort(port: number): number | undefined {
  const pattern = new RegExp(`(?:(?:--port|-p) ${port}|:${port})(?:\\s|$)`);
  for (const e of engineDescendants()) {
    try {
      const cmdline = readFileSync(`/proc/${e.pid}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      if (pattern.test(cmdline)) return e.pid;
    } catch {
      /* gone */
    }
  }
  return undefined;
}
