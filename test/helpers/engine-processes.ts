/**
 * Lists running engine processes (redis-server, valkey-server, memcached, and the haproxy
 * of the replication group endpoints) by reading /proc.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

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

/** The TCP ports `pid` listens on (from its socket descriptors and /proc/net/tcp{,6}), sorted. */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // the descriptor closed while we looked
      }
    }
  } catch {
    return [];
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode; st 0A is LISTEN.
      if (fields.length < 10 || fields[3] !== "0A" || !inodes.has(fields[9]!)) continue;
      ports.add(parseInt(fields[1]!.split(":")[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}
