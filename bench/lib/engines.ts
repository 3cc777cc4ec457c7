/** Bare engine processes for the baselines: the same binaries the emulator runs, spawned directly. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnTracked, stopTracked, type Tracked } from "./procs.js";

export const REDIS_SERVER = process.env.BENCH_REDIS_SERVER ?? "/usr/bin/redis-server";
export const MEMCACHED = process.env.BENCH_MEMCACHED ?? "/usr/bin/memcached";
export const REDIS_BENCHMARK = process.env.BENCH_REDIS_BENCHMARK ?? "/usr/bin/redis-benchmark";

/** Scratch directory for bare engines (redis-server's cwd); removed by cleanupScratch(). */
let scratch: string | undefined;
export function scratchDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), "elasticache-local-bench-"));
  return scratch;
}
export function cleanupScratch(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/**
 * `redis-server --port P --save "" --appendonly no`, plus `--bind 127.0.0.1` (the default
 * bind is every interface; the harness stays on loopback, as the emulator's nodes do).
 */
export function spawnBareRedis(port: number): Tracked {
  return spawnTracked(REDIS_SERVER, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { cwd: scratchDir() });
}

/** `memcached -p P -l 127.0.0.1 -U 0 -m 64` (+ `-u root` as root: memcached refuses root otherwise). */
export function spawnBareMemcached(port: number): Tracked {
  const args = ["-p", String(port), "-l", "127.0.0.1", "-U", "0", "-m", "64"];
  if (process.getuid?.() === 0) args.push("-u", "root");
  return spawnTracked(MEMCACHED, args, { cwd: scratchDir() });
}

export async function stopAll(procs: Tracked[]): Promise<void> {
  await Promise.all(procs.map((p) => stopTracked(p)));
}
