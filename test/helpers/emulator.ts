/** Starts an in-process emulator on port 0 with a node port range of its own per test worker. */
import { ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { createEmulator, type Emulator, type EmulatorOptions } from "../../src/index.js";

let started = 0;

export function nodePortRange(): { from: number; to: number } {
  // Workers run in parallel: give each its own slice so that probes never meet another worker's node.
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 1);
  // TEST_NODE_PORT_BASE/SPAN let two suites run side by side on disjoint ranges.
  const base = Number(process.env.TEST_NODE_PORT_BASE ?? 10000);
  const span = Number(process.env.TEST_NODE_PORT_SPAN ?? 20000); // default 10000-29999: below the ephemeral range
  const slot = (worker * 7 + started++) % Math.max(1, Math.floor(span / 500));
  const from = base + slot * 500;
  return { from, to: from + 499 };
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
