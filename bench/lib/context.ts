/** What every row gets from run.ts. */
export interface RowContext {
  /** BENCH_QUICK=1: fewer repetitions, for a smoke run. */
  quick: boolean;
  /** Progress on stderr (the table goes to stdout). */
  log(message: string): void;
}

/**
 * Port ranges per row: above the kernel's ephemeral range (32768-60999), so they meet
 * neither the test suite's node ranges (10000-29999, 31000-31999), nor the default
 * range of an emulator someone runs meanwhile (21000-21999), nor outgoing connections.
 */
export const PORTS = {
  createRedis: { emulator: { from: 61000, to: 61099 }, bare: { from: 61100, to: 61199 } },
  createMemcached: { emulator: { from: 61200, to: 61299 }, bare: { from: 61300, to: 61399 } },
  describe: { emulator: { from: 61400, to: 61699 } },
  redisBenchmark: { emulator: { from: 61700, to: 61799 }, bare: { from: 61800, to: 61899 } },
  rss: { emulator: { from: 61900, to: 61999 }, bare: { from: 62000, to: 62099 } },
} as const;
