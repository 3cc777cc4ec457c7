/** What every row gets from run.ts. */
export interface RowContext {
  /** BENCH_QUICK=1: fewer repetitions, for a smoke run. */
  quick: boolean;
  /** Progress on stderr (the table goes to stdout). */
  log(message: string): void;
}

/**
 * Port ranges per row: below the kernel's ephemeral range (32768-60999), so outgoing
 * connections do not take them, and at most 55535 (the emulator's limit: a cluster mode
 * node's bus port is its port + 10000); clear of the default range of an emulator someone
 * runs meanwhile (21000-21999). The test suite (10000-29999) is not run at the same time.
 */
export const PORTS = {
  createRedis: { emulator: { from: 22000, to: 22099 }, bare: { from: 22100, to: 22199 } },
  createMemcached: { emulator: { from: 22200, to: 22299 }, bare: { from: 22300, to: 22399 } },
  describe: { emulator: { from: 22400, to: 22699 } },
  redisBenchmark: { emulator: { from: 22700, to: 22799 }, bare: { from: 22800, to: 22899 } },
  rss: { emulator: { from: 22900, to: 22999 }, bare: { from: 23000, to: 23099 } },
  // Replication groups. Cluster-mode nodes also listen on port + 10000 (the cluster bus);
  // the bare clusters of the baselines get theirs from `bus`.
  rgCreate: { emulator: { from: 23100, to: 23299 }, bare: { from: 23300, to: 23399 } },
  failover: { emulator: { from: 23400, to: 23499 }, bare: { from: 23500, to: 23549 } },
  rgBenchmark: { emulator: { from: 23600, to: 23699 }, proxies: { from: 23700, to: 23749 } },
  clusterBenchmark: { emulator: { from: 23750, to: 23849 } },
  resharding: { emulator: { from: 23900, to: 24099 }, bare: { from: 24100, to: 24199 }, bus: { from: 24200, to: 24299 } },
  strictAuth: { open: { from: 24300, to: 24349 }, strict: { from: 24350, to: 24399 } },
  tls: { emulator: { from: 24400, to: 24499 } },
  snapshots: { emulator: { from: 24500, to: 24599 }, bare: { from: 24600, to: 24649 } },
  iam: { emulator: { from: 24650, to: 24749 } },
  restart: { emulator: { from: 25000, to: 25199 } },
  serverless: { emulator: { from: 25200, to: 25299 }, bare: { from: 25300, to: 25349 }, coldEmulator: { from: 25350, to: 25399 } },
  serviceUpdates: { emulator: { from: 25400, to: 25499 }, bare: { from: 25500, to: 25549 } },
  memcachedNode: { emulator: { from: 25700, to: 25799 }, bare: { from: 25800, to: 25849 } },
} as const;

/** Row 19 (network effects), kept apart from PORTS so rows added side by side do not meet. */
export const PORTS_NETWORK_FAULTS = { emulator: { from: 25600, to: 25699 }, bare: { from: 25700, to: 25749 } } as const;
