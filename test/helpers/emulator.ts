/** Starts an in-process emulator on port 0 with a node port range of its own per test worker. */
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { createEmulator, type Emulator, type EmulatorOptions } from "../../src/index.js";

let started = 0;

/** Node ports per emulator. */
const SLICE = 500;
/** A cluster node's bus listens on its port + 10000 (Redis's default, as the emulator starts them). */
const BUS_OFFSET = 10_000;

/**
 * A slice of node ports for the next emulator of this worker. Workers run in parallel: each
 * cycles through slices no other worker uses, so that one's nodes never take ports another's
 * probes, moves or restarts count on. The slices lie in the lowest 10,000 ports of the span,
 * so no node port is another node's cluster bus port (its port + 10000).
 */
export function nodePortRange(): { from: number; to: number } {
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 1);
  const workers = Math.max(1, Number(process.env.TEST_WORKERS ?? 1));
  // TEST_NODE_PORT_BASE/SPAN let two suites run side by side on disjoint ranges.
  const base = Number(process.env.TEST_NODE_PORT_BASE ?? 10000);
  const span = Number(process.env.TEST_NODE_PORT_SPAN ?? 20000); // default 10000-29999 (buses up to 29999): below the ephemeral range
  const slices = Math.max(workers, Math.floor(Math.min(span, BUS_OFFSET) / SLICE));
  const mine = Math.max(1, Math.floor(slices / workers));
  const slot = (started++ % mine) * workers + ((worker - 1) % workers);
  const from = base + slot * SLICE;
  return { from, to: from + SLICE - 1 };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const emulator = createEmulator({ port: 0, logLevel: "warn", nodePorts: nodePortRange(), ...options });
  await emulator.start();
  return emulator;
}

export function sdkClient(emulator: Emulator, opts: { region?: string; accessKeyId?: string } = {}): ElastiCacheClient {
  return new ElastiCacheClient({
    endpoint: emulator.url,
    region: opts.region ?? "us-east-1",
    credentials: { accessKeyId: opts.accessKeyId ?? "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}
