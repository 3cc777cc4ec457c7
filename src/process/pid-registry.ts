/**
 * Records every engine process we spawn in one JSON file per emulator (several emulators
 * may share one process and one run dir, so the file name is the owner pid plus a
 * per-instance suffix), so that a
 * restart after a crash (kill -9, OOM) can find and stop the engines the dead emulator left.
 * A recorded pid is only killed while its command line still names the recorded binary,
 * so a pid the OS has since reused for something else is never touched.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Logger } from "../logger.js";

export interface EngineRecord {
  pid: number;
  /** The binary as spawned (path or name); matched against /proc/<pid>/cmdline before a kill. */
  binary: string;
  port: number;
  nodeName?: string;
  startedAt: string;
}

export interface PidFile {
  ownerPid: number;
  ownerStartedAt: string;
  engines: EngineRecord[];
}

/** `<dataDir>/run` when a data dir is configured, else `<tmpdir>/elasticache-local/run`. */
export function defaultRunDir(dataDir?: string): string {
  return dataDir ? path.join(dataDir, "run") : path.join(os.tmpdir(), "elasticache-local", "run");
}

export class PidRegistry {
  readonly file: string;
  private readonly engines = new Map<number, EngineRecord>();
  private readonly ownerPid: number;
  private readonly ownerStartedAt = new Date().toISOString();
  private writes: Promise<void> = Promise.resolve();

  /** `ownerPid` is overridable for tests only; the default is this process. */
  constructor(
    readonly runDir: string,
    private readonly opts: { ownerPid?: number; logger?: Logger } = {},
  ) {
    this.ownerPid = opts.ownerPid ?? process.pid;
    // One file per registry: two emulators in one process must not overwrite (or delete) each other's records.
    this.file = path.join(runDir, `engines-${this.ownerPid}-${randomBytes(4).toString("hex")}.json`);
  }

  add(record: Omit<EngineRecord, "startedAt"> & { startedAt?: string }): Promise<void> {
    this.engines.set(record.pid, { ...record, startedAt: record.startedAt ?? new Date().toISOString() });
    return this.flush();
  }

  remove(pid: number): Promise<void> {
    if (!this.engines.delete(pid)) return this.writes;
    return this.flush();
  }

  /** Waits for pending writes; the file is gone once no engine is recorded. */
  async close(): Promise<void> {
    await this.writes;
    if (this.engines.size === 0) await fs.rm(this.file, { force: true }).catch(() => undefined);
  }

  records(): EngineRecord[] {
    return [...this.engines.values()];
  }

  /** Writes are queued so an older state can never be renamed over a newer one. */
  private flush(): Promise<void> {
    const snapshot: PidFile = { ownerPid: this.ownerPid, ownerStartedAt: this.ownerStartedAt, engines: this.records() };
    this.writes = this.writes
      .then(() => writeAtomic(this.file, snapshot))
      .catch((err) => this.opts.logger?.warn("could not write the engine pid file", { file: this.file, error: String(err) }));
    return this.writes;
  }
}

async function writeAtomic(file: string, data: PidFile): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  if (data.engines.length === 0) {
    await fs.rm(file, { force: true });
    return;
  }
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(data, null, 2));
  await fs.rename(tmp, file);
}

/**
 * Kills the engines of emulator processes that are gone, then deletes their files.
 * Returns the number of engine processes stopped.
 */
export async function reapOrphans(runDir: string, logger: Logger): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(runDir);
  } catch {
    return 0;
  }
  let reaped = 0;
  for (const name of names) {
    // A `.tmp` is a write its owner did not get to rename: after a crash it may hold the newest
    // records (an engine spawned just before the crash), so it is read like the file itself.
    const match = /^engines-(\d+)(?:-[0-9a-f]+)?\.json(\.[0-9a-f]+\.tmp)?$/.exec(name);
    if (!match) continue;
    const file = path.join(runDir, name);
    let data: PidFile;
    try {
      data = JSON.parse(await fs.readFile(file, "utf8")) as PidFile;
    } catch {
      // Unreadable: half-written by a live owner (leave it), or a dead owner's partial temp file.
      const owner = Number(match[1]);
      if (match[2] && owner !== process.pid && !(await isAlive(owner))) await fs.rm(file, { force: true });
      continue;
    }
    if (data.ownerPid === process.pid || (await isAlive(data.ownerPid))) continue;
    // All at once: an engine may take a while to end (memcached up to ~1 s, Redis flushing its AOF).
    const stopped = await Promise.all(
      (data.engines ?? []).map(async (rec) => {
        if (!(await isAlive(rec.pid))) return false;
        if (!(await commandMatches(rec.pid, rec.binary))) {
          logger.debug("pid reused by another program; not touching it", { pid: rec.pid, binary: rec.binary });
          return false;
        }
        logger.warn("stopping an engine left behind by a previous emulator run", {
          pid: rec.pid,
          binary: rec.binary,
          port: rec.port,
          node: rec.nodeName,
          ownerPid: data.ownerPid,
        });
        // Memcached keeps nothing on disk and takes up to a second to act on SIGTERM: no grace.
        return killAndWait(rec.pid, path.basename(rec.binary).startsWith("memcached") ? 0 : 2000);
      }),
    );
    reaped += stopped.filter(Boolean).length;
    await fs.rm(file, { force: true });
  }
  return reaped;
}

/** Alive and not a zombie (a zombie has exited; only its parent's wait() is missing). */
export async function isAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return true; // no /proc (macOS): kill(0) said alive
  }
}

/** Whether argv[0] of `pid` is the recorded binary (engines rewrite their title, so only argv[0] counts). */
async function commandMatches(pid: number, binary: string): Promise<boolean> {
  const cmdline = await readCommandLine(pid);
  if (!cmdline) return false;
  const argv0 = cmdline.split(/[\0 ]/)[0] ?? "";
  return argv0 === binary || path.basename(argv0) === path.basename(binary);
}

async function readCommandLine(pid: number): Promise<string | undefined> {
  try {
    return await fs.readFile(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    // No /proc (macOS): ask ps.
    return new Promise((resolve) =>
      execFile("ps", ["-o", "command=", "-p", String(pid)], (err, stdout) => resolve(err ? undefined : stdout.trim() || undefined)),
    );
  }
}

async function killAndWait(pid: number, graceMs: number): Promise<boolean> {
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone already */
    }
  };
  send("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  send("SIGKILL");
  for (let i = 0; i < 50; i++) {
    if (!(await isAlive(pid))) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}
