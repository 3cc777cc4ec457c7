/**
 * Lists running engine processes (redis-server, valkey-server, memcached, and the haproxy
 * of the replication group endpoints) by reading /proc.
 */
import { readdirSync, readFileSync } from "node:fs";

const ENGINE_NAMES = ["redis-server", "valkey-server", "memcached", "haproxy"];

export interface EngineProcess {
  pid: number;
  cmdline: string;
}

export function engineProcesses(): EngineProcess[] {
  const found: EngineProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      const exe = cmdline.split(" ")[0] ?? "";
      if (ENGINE_NAMES.some((name) => exe.endsWith(name) || exe.startsWith(`${name} `))) {
        found.push({ pid: Number(entry), cmdline });
      }
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

export function parentPid(pid: number): number | undefined {
  try {
    // The command name in field 2 may hold spaces and parentheses: read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

/**
 * Whether an engine belongs to this test run: a descendant of `root` (still supervised),
 * or an orphan (its parent died without stopping it, so init adopted it). Engines that
 * other programs on the machine run under their own live parents are not ours.
 */
export function belongsToRun(pid: number, root: number): boolean {
  for (let p = parentPid(pid); p !== undefined && p > 0; p = parentPid(p)) {
    if (p === root) return true;
    if (p === 1) return parentPid(pid) === 1;
  }
  return false;
}
