/** Lists running engine processes (redis-server, valkey-server, memcached) by reading /proc. */
import { readdirSync, readFileSync } from "node:fs";

const ENGINE_NAMES = ["redis-server", "valkey-server", "memcached"];

export function engineProcesses(): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
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
