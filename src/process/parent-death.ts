/**
 * No engine outlives the emulator, even after a kill -9: every child is spawned through
 * `setpriv --pdeathsig SIGTERM -- <binary> <args>` (util-linux, on every Linux distribution),
 * which asks the kernel to send the child SIGTERM when its parent dies, however it dies, and
 * then execs the binary (same pid, same argv for the pid registry's checks). SIGTERM, not
 * SIGKILL: Redis then writes its AOF out, so a data dir loses nothing acknowledged.
 *
 * Why this and not another mechanism: a kill -9 runs no code in the emulator, so only the
 * kernel can act, and PR_SET_PDEATHSIG is the kernel's own "tell me when my parent dies". Node
 * cannot call prctl itself; setpriv is the smallest exec-in-place wrapper that can, and it adds
 * no process (a watchdog process would itself be one more thing to outlive us).
 *
 * What it relies on: the signal fires when the thread that spawned the child ends; libuv spawns
 * from the thread running the JavaScript (the main thread of the emulator). It is cleared when
 * the child changes credentials, which none of ours do (memcached runs `-u root` only as root).
 * Where setpriv or --pdeathsig is missing (macOS, a minimal image), children are spawned
 * directly, a line says so once, and the next start reaps what a killed emulator left behind
 * (pid-registry.ts), as it also does for leftovers of older versions.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import type { Logger } from "../logger.js";

const SETPRIV = "setpriv";
const SIGNAL = "SIGTERM";

/** undefined: not looked for yet; null: not available here. */
let found: string | null | undefined;
let told = false;

/** The argv that runs `command args` under the parent-death signal, or the plain command where that is unavailable. */
export function withParentDeathSignal(command: string, args: string[]): { command: string; args: string[] } {
  const setpriv = findSetpriv();
  // A binary that cannot run is spawned as it is, so the spawn error is Node's own (ENOENT, EACCES).
  if (!setpriv || !onPath(command)) return { command, args };
  return { command: setpriv, args: ["--pdeathsig", SIGNAL, "--", command, ...args] };
}

/**
 * Whether children end with the emulator after a kill -9. Says once (per process) when they do
 * not, with the logger of whoever asks first (the emulator at its start).
 */
export function parentDeathSignalAvailable(logger?: Logger): boolean {
  const available = findSetpriv() !== undefined;
  if (!available && logger && !told) {
    told = true;
    logger.info(
      "setpriv --pdeathsig (util-linux) is not available: engines and haproxy endpoints end with the emulator when it stops, " +
        "but after a kill -9 they run until the next start with the same run dir stops them",
    );
  }
  return available;
}

function findSetpriv(): string | undefined {
  if (found === undefined) found = process.platform === "linux" ? (lookUp() ?? null) : null;
  return found ?? undefined;
}

/** `command` as execvp finds it: a path that is executable, or a name on PATH. */
function onPath(command: string): string | undefined {
  if (command.includes("/")) return isExecutable(command) ? command : undefined;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** setpriv on PATH (or in /usr/bin, /bin) that accepts --pdeathsig: it runs itself under the option once. */
function lookUp(): string | undefined {
  const candidate = onPath(SETPRIV) ?? ["/usr/bin", "/bin"].map((dir) => path.join(dir, SETPRIV)).find(isExecutable);
  if (!candidate) return undefined;
  const run = spawnSync(candidate, ["--pdeathsig", SIGNAL, "--", candidate, "--version"], { timeout: 5000, stdio: "ignore" });
  return run.status === 0 ? candidate : undefined;
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
