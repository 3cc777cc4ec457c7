/** Runs redis-benchmark (optionally pinned to a CPU) and reads its `--csv` rates. */
import { REDIS_BENCHMARK } from "./engines.js";
import { TASKSET } from "./pin.js";
import { runCommand } from "./procs.js";

/** Requests per second by test name ("SET", "GET"). */
export type Rates = Record<string, number>;

/** `"SET","58823.53",...` lines of `--csv` output (redis-benchmark 7 prints a header line first). */
export function parseRates(stdout: string, tests: string[]): Rates {
  const rates: Rates = {};
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^"([A-Z_]+)","([\d.]+)"/.exec(line.trim());
    if (m) rates[m[1]!] = Number(m[2]);
  }
  for (const t of tests) if (rates[t] === undefined) throw new Error(`no ${t} rate in redis-benchmark output:\n${stdout}`);
  return rates;
}

export interface BenchSpec {
  port: number;
  /** Upper case test names: SET, GET. */
  tests: string[];
  requests: number;
  clients?: number;
  cluster?: boolean;
  /** TLS trusting this CA file (`--tls --cacert`). */
  cacert?: string;
  /** ACL user and password (`--user`, `-a`). */
  user?: string;
  password?: string;
  /** taskset -c cpu, when given. */
  cpu?: number;
  timeoutMs?: number;
}

export async function redisBenchmark(spec: BenchSpec): Promise<Rates> {
  const args = ["-h", "127.0.0.1", "-p", String(spec.port), "-t", spec.tests.map((t) => t.toLowerCase()).join(","), "-n", String(spec.requests), "-c", String(spec.clients ?? 50), "-q", "--csv"];
  if (spec.cluster) args.push("--cluster");
  if (spec.cacert) args.push("--tls", "--cacert", spec.cacert);
  if (spec.user !== undefined) args.push("--user", spec.user);
  if (spec.password !== undefined) args.push("-a", spec.password);
  // redis-benchmark retries a refused connection forever: the timeout ends it.
  const opts = { timeoutMs: spec.timeoutMs ?? 180_000 };
  const out = spec.cpu === undefined ? await runCommand(REDIS_BENCHMARK, args, opts) : await runCommand(TASKSET, ["-c", String(spec.cpu), REDIS_BENCHMARK, ...args], opts);
  if (out.code !== 0) throw new Error(`redis-benchmark -p ${spec.port}${spec.cluster ? " --cluster" : ""} exited ${out.code ?? out.signal}: ${(out.stderr || out.stdout).trim().slice(0, 500)}`);
  return parseRates(out.stdout, spec.tests);
}

/** The `redis-benchmark ...` command line, for notes. */
export function benchCommand(tests: string[], requests: number, cluster = false): string {
  return `redis-benchmark -t ${tests.map((t) => t.toLowerCase()).join(",")} -n ${requests} -c 50 -q --csv${cluster ? " --cluster" : ""}`;
}
