/**
 * CPU pinning with taskset, for rows that compare throughput on a 2-core machine: the load
 * generator on one core, the servers and proxies under test on the other, so that every
 * target runs under the same conditions.
 */
import { existsSync } from "node:fs";
import os from "node:os";
import { runCommand } from "./procs.js";

export const TASKSET = "/usr/bin/taskset";

/** taskset is there and there are 2+ CPUs; BENCH_PIN=0 turns pinning off for the rows that use this. */
export function pinningAvailable(): boolean {
  if (process.env.BENCH_PIN === "0") return false;
  return existsSync(TASKSET) && os.availableParallelism() >= 2;
}

/** Pins every thread of a process (one the harness or its emulator started) to `cpu`. */
export async function pin(pid: number, cpu: number): Promise<void> {
  const out = await runCommand(TASKSET, ["-a", "-p", "-c", String(cpu), String(pid)]);
  if (out.code !== 0) throw new Error(`taskset -p ${pid}: ${out.stderr.trim()}`);
}
