/** What every row gets from run.ts. */
export interface RowContext {
  /** BENCH_QUICK=1: fewer repetitions, for a smoke run. */
  quick: boolean;
  /** Progress on stderr (the table goes to stdout). */
  log(message: string): void;
}

/**
 * Port ranges per row: below the kernel's ephemeral range (32768+) and outside 30000-49999,
 * where the test suite's emulators put their nodes, so a bench run beside `npm test` meets
 * nobody's nodes.
 */
export const PORTS = {
  createRedis: { emulator: { from: 21000, to: 21099 }, bare: { from: 21100, to: 21199 } },
  createMemcached: { emulator: { from: 21200, to: 21299 }, bare: { from: 21300, to: 21399 } },
  describe: { emulator: { from: 21400, to: 21699 } },
  redisBenchmark: { emulator: { from: 21700, to: 21799 }, bare: { from: 21800, to: 21899 } },
  rss: { emulator: { from: 21900, to: 21999 }, bare: { from: 22000, to: 22099 } },
} as const;
