/**
 * Row 19: what the network effects cost when none is set. redis-benchmark SET/GET against
 * (a) a node that never had an effect and (b) a node that had a latency effect set and then
 * cleared, each vs a bare redis-server, the three targets interleaved over several rounds.
 * With no effect set the node's port is the engine's own listener (no proxy of ours), so
 * both ratios are expected at ~1.0. Pinned as row 4: servers on CPU 1, redis-benchmark on CPU 0.
 */
import { PORTS_NETWORK_FAULTS, type RowContext } from "../lib/context.js";
import { createUntilAvailable, endpointPorts, startEmulator } from "../lib/emulator.js";
import { spawnBareRedis } from "../lib/engines.js";
import { pin, pinningAvailable } from "../lib/pin.js";
import { waitRedisPong } from "../lib/probes.js";
import { engineByPort, freePort, stopTracked } from "../lib/procs.js";
import { benchCommand, redisBenchmark, type Rates } from "../lib/redis-bench.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";

const TESTS = ["SET", "GET"];

async function emulatorPost(url: string, path: string, body: unknown): Promise<{ id?: string }> {
  const res = await fetch(`${url}/_emulator/${path}`, { method: "POST", body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST /_emulator/${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id?: string };
}

export async function rowNetworkFaults(ctx: RowContext): Promise<RowResult[]> {
  const rounds = ctx.quick ? 1 : 5;
  const requests = ctx.quick ? 20_000 : 100_000;
  const pinning = pinningAvailable();
  const cpu = pinning ? 0 : undefined;
  const harness = await startEmulator(PORTS_NETWORK_FAULTS.emulator, "process");
  const bare = spawnBareRedis(await freePort(PORTS_NETWORK_FAULTS.bare));
  const samples = { untouched: [] as Rates[], cleared: [] as Rates[], bare: [] as Rates[] };
  try {
    const bareArgs = bare.child.spawnargs;
    const barePort = Number(bareArgs[bareArgs.indexOf("--port") + 1]);
    await waitRedisPong(barePort);
    const ports: Record<"untouched" | "cleared", number> = { untouched: 0, cleared: 0 };
    for (const which of ["untouched", "cleared"] as const) {
      const { cluster } = await createUntilAvailable(harness, { CacheClusterId: `bench-net-${which}-${process.pid}`, Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 });
      ports[which] = endpointPorts(cluster)[0]!;
      if (pinning) {
        const pid = engineByPort(ports[which]);
        if (pid === undefined) throw new Error(`no redis-server of ours on port ${ports[which]}`);
        await pin(pid, 1);
      }
    }
    if (pinning) await pin(bare.pid, 1);
    // (b): an effect set, used, then cleared: the node's port is its engine's again.
    const fault = await emulatorPost(harness.url, `nodes/bench-net-cleared-${process.pid}/0001/faults`, { fault: "latency", latencyMs: 1 });
    await redisBenchmark({ port: ports.cleared, tests: TESTS, requests: 2_000, cpu });
    const cleared = await fetch(`${harness.url}/_emulator/faults/${fault.id}`, { method: "DELETE" });
    if (cleared.status !== 200) throw new Error(`DELETE /_emulator/faults/${fault.id}: ${cleared.status}`);
    const targets = [
      ["untouched", ports.untouched],
      ["cleared", ports.cleared],
      ["bare", barePort],
    ] as const;
    for (const [, port] of targets) await redisBenchmark({ port, tests: TESTS, requests, cpu }); // warm-up, not recorded
    for (let r = 0; r < rounds; r++) {
      ctx.log(`row 21: round ${r + 1}/${rounds}`);
      // The order rotates, so no target always runs first or last.
      for (let k = 0; k < targets.length; k++) {
        const [which, port] = targets[(k + r) % targets.length]!;
        samples[which].push(await redisBenchmark({ port, tests: TESTS, requests, cpu }));
      }
    }
  } finally {
    await stopTracked(bare);
    await harness.stop();
  }
  const cmd = `${benchCommand(TESTS, requests)}${pinning ? " (pinned to CPU 0, servers to CPU 1)" : ""}`;
  const out: RowResult[] = [];
  const variants = [
    ["untouched", "node, no effect ever set"],
    ["cleared", "node, effect set then cleared"],
  ] as const;
  variants.forEach(([which, label], v) => {
    TESTS.forEach((test, i) => {
      const paired = samples[which].map((x, k) => x[test]! / samples.bare[k]![test]!);
      out.push(
        row({
          id: `21${"abcd"[v * 2 + i]}`,
          name: `redis-benchmark ${test}, ${label}`,
          unit: "req/s",
          ours: median(samples[which].map((x) => x[test]!)),
          baseline: median(samples.bare.map((x) => x[test]!)),
          baselineLabel: "bare redis-server",
          goal: { on: "ratio", op: ">=", value: 0.97 },
          note:
            (v === 0 && i === 0 ? `${cmd}; ${rounds} rounds over three targets (order rotates), 1 warm-up each dropped; ` : "") +
            `median of paired ratios ${median(paired).toFixed(3)}`,
          samples: { oursRps: samples[which].map((x) => round3(x[test]!)), baselineRps: samples.bare.map((x) => round3(x[test]!)), pairedRatios: paired.map(round3) },
        }),
      );
    });
  });
  return out;
}
