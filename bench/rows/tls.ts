/**
 * Row 12: TLS in transit. redis-benchmark SET/GET over TLS (`--tls --cacert` with the CA
 * the emulator serves) vs plaintext against the same node, one replication group member in
 * TransitEncryptionMode `preferred`, whose port takes both (12a, 12b).
 *
 * 12c and 12d measure the first-byte router that makes `preferred` possible (the engine
 * cannot serve TLS and plaintext on one port): plaintext through the router vs a node
 * without TLS (the engine itself), and TLS through the router vs a `required` node (TLS
 * on the engine's own port).
 *
 * Every target runs once per round, the order rotating, after one warm-up each. With
 * taskset, redis-benchmark runs on CPU 0, the emulator (with the router) and its engines on CPU 1.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { PORTS, type RowContext } from "../lib/context.js";
import { createUntilAvailable, endpointPorts, startEmulator } from "../lib/emulator.js";
import { pin, pinningAvailable } from "../lib/pin.js";
import { descendantsOf } from "../lib/procs.js";
import { benchCommand, redisBenchmark, type Rates } from "../lib/redis-bench.js";
import { createGroupUntilAvailable, memberPorts } from "../lib/replication.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";

const CLIENT_CPU = 0;
const SERVER_CPU = 1;
const TESTS = ["SET", "GET"];

interface Target {
  name: string;
  port: number;
  cacert?: string;
  results: Rates[];
}

function compare(id: string, name: string, ours: Target, base: Target, test: string, note?: string): RowResult {
  const o = ours.results.map((x) => x[test]!);
  const b = base.results.map((x) => x[test]!);
  const paired = o.map((x, i) => x / b[i]!);
  return row({
    id,
    name,
    unit: "req/s",
    ours: median(o),
    baseline: median(b),
    baselineLabel: base.name,
    note: `${note ? `${note}; ` : ""}median of paired ratios ${median(paired).toFixed(3)}`,
    samples: { oursRps: o.map(round3), baselineRps: b.map(round3), pairedRatios: paired.map(round3) },
  });
}

export async function rowTls(ctx: RowContext): Promise<RowResult[]> {
  const rounds = ctx.quick ? 1 : 5;
  const requests = ctx.quick ? 20_000 : 100_000;
  const pinned = pinningAvailable();
  const harness = await startEmulator(PORTS.tls.emulator, "process");
  const caFile = join(tmpdir(), `elasticache-local-bench-ca-${process.pid}.pem`);
  try {
    writeFileSync(caFile, await (await fetch(`${harness.url}/_emulator/ca.pem`)).text());

    const { group } = await createGroupUntilAvailable(harness.url, {
      ReplicationGroupId: `bench-tls-${process.pid}`,
      NumCacheClusters: 1,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: "preferred",
    });
    const preferredPort = memberPorts(group)[0]!;
    const { cluster: plainCluster } = await createUntilAvailable(harness, {
      CacheClusterId: `bench-plain-${process.pid}`,
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumCacheNodes: 1,
    });
    const { cluster: requiredCluster } = await createUntilAvailable(harness, {
      CacheClusterId: `bench-required-${process.pid}`,
      Engine: "redis",
      CacheNodeType: "cache.t3.micro",
      NumCacheNodes: 1,
      TransitEncryptionEnabled: true,
    });
    if (pinned) {
      const owner = harness.process?.pid ?? process.pid;
      for (const pid of [...(harness.process ? [owner] : []), ...descendantsOf(owner)]) await pin(pid, SERVER_CPU);
    }

    const tlsSame: Target = { name: "TLS via router", port: preferredPort, cacert: caFile, results: [] };
    const plainSame: Target = { name: "plaintext via router", port: preferredPort, results: [] };
    const plainDirect: Target = { name: "node without TLS", port: endpointPorts(plainCluster)[0]!, results: [] };
    const tlsDirect: Target = { name: "TLS required node", port: endpointPorts(requiredCluster)[0]!, cacert: caFile, results: [] };
    const targets = [tlsSame, plainSame, plainDirect, tlsDirect];
    const run = async (t: Target, record: boolean) => {
      const rates = await redisBenchmark({ port: t.port, tests: TESTS, requests, cacert: t.cacert, cpu: pinned ? CLIENT_CPU : undefined });
      if (record) t.results.push(rates);
    };
    for (const t of targets) await run(t, false);
    for (let r = 0; r < rounds; r++) {
      ctx.log(`row 12: round ${r + 1}/${rounds}`);
      for (let k = 0; k < targets.length; k++) await run(targets[(k + r) % targets.length]!, true);
    }

    const cmd = `${benchCommand(TESTS, requests)} [--tls --cacert ca.pem]; ${rounds} rotating rounds, 1 warm-up each${pinned ? "; client on CPU 0, emulator and engines on CPU 1" : ""}`;
    return [
      compare("12a", "redis-benchmark SET over TLS vs plaintext, same node (preferred)", tlsSame, plainSame, "SET", cmd),
      compare("12b", "redis-benchmark GET over TLS vs plaintext, same node (preferred)", tlsSame, plainSame, "GET"),
      compare("12c", "preferred router cost: plaintext GET via router vs node without TLS", plainSame, plainDirect, "GET"),
      compare("12d", "preferred router cost: TLS GET via router vs TLS required node", tlsSame, tlsDirect, "GET"),
    ];
  } finally {
    await harness.stop();
    rmSync(caFile, { force: true });
  }
}
