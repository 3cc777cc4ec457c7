/**
 * What Linux says of one process (`/proc/<pid>/stat` and `/status`): CPU time, resident and
 * swapped memory. Undefined where /proc is absent or the process is gone.
 */
import { readFile } from "node:fs/promises";

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux ABI). */
const USER_HZ = 100;
const PAGE_SIZE = 4096;

export interface ProcessStats {
  /** User + system CPU time, seconds. */
  cpuSeconds: number;
  rssBytes: number;
  swapBytes: number;
}

export async function processStats(pid: number): Promise<ProcessStats | undefined> {
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, "utf8"), readFile(`/proc/${pid}/status`, "utf8")]);
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const rssPages = Number(fields[21]);
    const swap = /^VmSwap:\s+(\d+) kB/m.exec(status);
    return { cpuSeconds: (utime + stime) / USER_HZ, rssBytes: rssPages * PAGE_SIZE, swapBytes: swap ? Number(swap[1]) * 1024 : 0 };
  } catch {
    return undefined;
  }
}
