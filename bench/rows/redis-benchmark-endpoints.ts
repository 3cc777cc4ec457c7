/**
 * Rows 8 and 9: redis-benchmark through the emulator's replication group endpoints.
 *
 * Row 8 (cluster mode disabled, 1 primary + 2 replicas): SET/GET through the
 * PrimaryEndpoint, GET through the ReaderEndpoint (both emulator-owned forwarders: an
 * haproxy process per endpoint when haproxy is installed, else the Node forwarder;
 * BENCH_FORWARDER=node|haproxy picks one), vs
 *   - haproxy `mode tcp` in front of the same node(s) (the goal: ours/haproxy >= 1.0),
 *   - the node itself (its ReadEndpoint), for the cost of any hop,
 *   - a 20-line node:net pipe() proxy, for what Node by itself costs.
 * For the reader, haproxy balances over the same two replicas as the ReaderEndpoint
 * (round-robin per connection) and "the node itself" is one replica.
 *
 * Row 9 (cluster mode enabled, 3 shards x 1 replica): `redis-benchmark --cluster` given the
 * ConfigurationEndpoint vs given a primary node. redis-benchmark reads the topology
 * (CLUSTER NODES) through the address it is given and talks to the other primaries
 * directly, but it keeps reaching the node that answered ("myself") through the given
 * address when the IPs match (redis-benchmark.c fetchClusterConfiguration): when the
 * forwarder's pick was a primary, that shard's third of the traffic goes through the
 * forwarder, whose connections round-robin over all six nodes. So the ratio is below 1 by
 * design of the client, not a failure; a node-only fallback runs if discovery fails.
 *
 * Every target runs once per round, the order rotating between rounds, after one warm-up
 * each. With taskset, redis-benchmark runs on CPU 0 and everything under test (engines,
 * the emulator process and its forwarder processes, haproxy, the pipe proxy) on CPU 1, where the
 * proxies compete with the engines as they would on a busy host (BENCH_PIN=0: unpinned).
 * Rows 8j/8k also report the CPU time each proxy process spent per request, which moves
 * far less with the neighbours than throughput does.
 */
import { fileURLToPath } from "node:url";
import { PORTS, type RowContext } from "../lib/context.js";
import { startEmulator, waitForLine, type Harness } from "../lib/emulator.js";
import { startHaproxy, type Haproxy } from "../lib/haproxy.js";
import { pin, pinningAvailable } from "../lib/pin.js";
import { waitRedisPong } from "../lib/probes.js";
import { descendantsOf, forwarderProcess, freePort, spawnTracked, stopTracked, type Tracked } from "../lib/procs.js";
import { benchCommand, redisBenchmark, type Rates } from "../lib/redis-bench.js";
import { createGroupUntilAvailable, deleteGroupQuietly } from "../lib/replication.js";
import { row, type RowResult } from "../lib/report.js";
import { cpuMs } from "../lib/cpu.js";
import { clusterSlots, info } from "../lib/resp.js";
import { median, round3 } from "../lib/stats.js";

const PIPE_PROXY = fileURLToPath(new URL("../lib/pipe-proxy.mjs", import.meta.url));
const CLIENT_CPU = 0;
const SERVER_CPU = 1;

interface Target {
  name: string;
  port: number;
  tests: string[];
  cluster?: boolean;
  results: Rates[];
  /** The proxy process(es) behind the target, whose CPU time per request is recorded. */
  cpuPids: number[];
  cpuUsPerRequest: number[];
}

/** The engine behind a node port, checked to be one our emulator started; pinned when asked. */
async function pinEngine(harness: Harness, port: number): Promise<number> {
  const pid = Number((await info(port, "server")).process_id);
  const owner = harness.process?.pid ?? process.pid;
  if (!descendantsOf(owner).includes(pid)) throw new Error(`port ${port} reports process_id ${pid}, not an engine of our emulator`);
  await pin(pid, SERVER_CPU);
  return pid;
}

/** utime + stime of every pid, undefined when one is gone. */
function cpuOf(pids: number[]): number | undefined {
  let sum = 0;
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms === undefined) return undefined;
    sum += ms;
  }
  return sum;
}

/**
 * The emulator's endpoint processes (haproxy) on the given ports, pinned like everything
 * under test; empty on the Node forwarder, which runs in the emulator process itself.
 */
async function endpointProcesses(harness: Harness, ports: number[], pinned: boolean): Promise<Map<number, number>> {
  const owner = harness.process?.pid ?? process.pid;
  const found = new Map<number, number>();
  for (const port of ports) {
    const pid = forwarderProcess(owner, port);
    if (pid === undefined) continue;
    found.set(port, pid);
    if (pinned) await pin(pid, SERVER_CPU);
  }
  return found;
}

const dataPath = (procs: Map<number, number>) => (procs.size ? "emulator endpoints on haproxy (one process per endpoint)" : "emulator endpoints on the Node forwarder");

/** Warm-up once, then `rounds` rounds over every target in rotating order. */
async function runRounds(ctx: RowContext, label: string, targets: Target[], rounds: number, requests: number, pinned: boolean): Promise<void> {
  const run = async (t: Target, record: boolean) => {
    const before = t.cpuPids.length ? cpuOf(t.cpuPids) : undefined;
    const rates = await redisBenchmark({ port: t.port, tests: t.tests, requests, cluster: t.cluster, cpu: pinned ? CLIENT_CPU : undefined });
    const after = t.cpuPids.length ? cpuOf(t.cpuPids) : undefined;
    if (!record) return;
    t.results.push(rates);
    if (before !== undefined && after !== undefined) t.cpuUsPerRequest.push(((after - before) * 1000) / (requests * t.tests.length));
  };
  for (const t of targets) await run(t, false);
  for (let r = 0; r < rounds; r++) {
    ctx.log(`${label}: round ${r + 1}/${rounds}`);
    for (let k = 0; k < targets.length; k++) await run(targets[(k + r) % targets.length]!, true);
  }
}

function compare(
  id: string,
  name: string,
  ours: Target,
  base: Target,
  test: string,
  baselineLabel: string,
  goal: boolean,
  note?: string,
): RowResult {
  const o = ours.results.map((x) => x[test]!);
  const b = base.results.map((x) => x[test]!);
  const paired = o.map((x, i) => x / b[i]!);
  return row({
    id,
    name,
    unit: "req/s",
    ours: median(o),
    baseline: median(b),
    baselineLabel,
    goal: goal ? { on: "ratio", op: ">=", value: 1.0 } : undefined,
    note: `${note ? `${note}; ` : ""}median of paired ratios ${median(paired).toFixed(3)}`,
    samples: { oursRps: o.map(round3), baselineRps: b.map(round3), pairedRatios: paired.map(round3) },
  });
}

/** CPU time the proxy process spent per request (lower is better): robust to the neighbours. */
function cpuRow(id: string, name: string, ours: Target, base: Target, pipe?: Target): RowResult {
  const paired = ours.cpuUsPerRequest.map((x, i) => x / base.cpuUsPerRequest[i]!);
  return row({
    id,
    name,
    unit: "us/req",
    ours: median(ours.cpuUsPerRequest),
    baseline: median(base.cpuUsPerRequest),
    baselineLabel: base.name,
    note:
      `utime+stime of the proxy process (for ours: the emulator process plus the endpoint's haproxy process, if any) over each run / requests; lower is better; median of paired ratios ${median(paired).toFixed(3)}` +
      (pipe?.cpuUsPerRequest.length ? `; the node:net pipe proxy: ${median(pipe.cpuUsPerRequest).toFixed(2)} us/req` : ""),
    samples: { oursUsPerRequest: ours.cpuUsPerRequest.map(round3), baselineUsPerRequest: base.cpuUsPerRequest.map(round3), pairedRatios: paired.map(round3) },
  });
}

export async function rowRedisBenchmarkEndpoints(ctx: RowContext): Promise<RowResult[]> {
  const rounds = ctx.quick ? 1 : 5;
  const requests = ctx.quick ? 20_000 : 100_000;
  const pinned = pinningAvailable();
  const harness = await startEmulator(PORTS.rgBenchmark.emulator, "process");
  const group = "bench-rb";
  let haproxy: Haproxy | undefined;
  let pipe: Tracked | undefined;
  let endpointProcs = new Map<number, number>();
  const targets = {} as Record<"pFwd" | "pHap" | "pNode" | "pPipe" | "rFwd" | "rHap" | "rNode", Target>;
  try {
    const { group: g } = await createGroupUntilAvailable(harness.url, { ReplicationGroupId: group, NumCacheClusters: 3, AutomaticFailoverEnabled: true });
    const ng = g.nodeGroups[0]!;
    const primary = ng.members.find((m) => m.role === "primary")?.port;
    const replicas = ng.members.filter((m) => m.role === "replica").map((m) => m.port!);
    if (primary === undefined || replicas.length !== 2 || ng.primaryPort === undefined || ng.readerPort === undefined) {
      throw new Error(`unexpected group layout: ${JSON.stringify(ng)}`);
    }
    const hapPrimary = await freePort(PORTS.rgBenchmark.proxies);
    const hapReader = await freePort(PORTS.rgBenchmark.proxies);
    const pipePort = await freePort(PORTS.rgBenchmark.proxies);
    haproxy = await startHaproxy([
      { name: "primary", port: hapPrimary, targets: [primary] },
      { name: "reader", port: hapReader, targets: replicas },
    ]);
    pipe = spawnTracked(process.execPath, [PIPE_PROXY, String(pipePort), String(primary)]);
    await waitForLine(pipe, /pipe-proxy ready/, 10_000);
    for (const port of [ng.primaryPort, ng.readerPort, pipePort]) await waitRedisPong(port);
    endpointProcs = await endpointProcesses(harness, [ng.primaryPort, ng.readerPort], pinned);
    if (pinned) {
      for (const port of [primary, ...replicas]) await pinEngine(harness, port);
      if (harness.process) await pin(harness.process.pid, SERVER_CPU);
      await pin(haproxy.proc.pid, SERVER_CPU);
      await pin(pipe.pid, SERVER_CPU);
    }
    const t = (name: string, port: number, tests: string[], cpuPids: Array<number | undefined> = []): Target => ({
      name,
      port,
      tests,
      results: [],
      cpuPids: cpuPids.filter((p): p is number => p !== undefined),
      cpuUsPerRequest: [],
    });
    const emulatorPid = harness.process?.pid;
    // Ours: the emulator process (empty handed on haproxy) plus the endpoint's own process.
    const ours = (port: number) => (emulatorPid === undefined ? [] : [emulatorPid, endpointProcs.get(port)]);
    targets.pFwd = t("PrimaryEndpoint", ng.primaryPort, ["SET", "GET"], ours(ng.primaryPort));
    targets.pHap = t("haproxy -> primary", hapPrimary, ["SET", "GET"], [haproxy.proc.pid]);
    targets.pNode = t("primary node", primary, ["SET", "GET"]);
    targets.pPipe = t("pipe proxy -> primary", pipePort, ["SET", "GET"], [pipe.pid]);
    targets.rFwd = t("ReaderEndpoint", ng.readerPort, ["GET"], ours(ng.readerPort));
    targets.rHap = t("haproxy -> replicas", hapReader, ["GET"], [haproxy.proc.pid]);
    targets.rNode = t("replica node", replicas[0]!, ["GET"]);
    await runRounds(ctx, "row 8", Object.values(targets), rounds, requests, pinned);
  } finally {
    if (haproxy) await haproxy.stop();
    if (pipe) await stopTracked(pipe);
    await deleteGroupQuietly(harness.url, group);
    await harness.stop();
  }
  const how =
    `${dataPath(endpointProcs)}; ` +
    `${benchCommand(["SET", "GET"], requests)} (reader: -t get)${pinned ? ", pinned: redis-benchmark CPU 0, engines + emulator and its endpoint processes + haproxy + pipe proxy CPU 1" : ", unpinned"}; ` +
    `${rounds} round(s) rotating over 7 targets, 1 warm-up each dropped; haproxy 2.6 mode tcp, nbthread 1`;
  const { pFwd, pHap, pNode, pPipe, rFwd, rHap, rNode } = targets;
  return [
    compare("8a", "redis-benchmark SET via PrimaryEndpoint", pFwd, pHap, "SET", "haproxy tcp -> primary", true, how),
    compare("8b", "redis-benchmark GET via PrimaryEndpoint", pFwd, pHap, "GET", "haproxy tcp -> primary", true),
    compare("8c", "redis-benchmark GET via ReaderEndpoint", rFwd, rHap, "GET", "haproxy tcp -> 2 replicas", true, "both balance connections round-robin over the same two replicas"),
    compare("8d", "redis-benchmark SET via PrimaryEndpoint", pFwd, pNode, "SET", "primary node direct", false),
    compare("8e", "redis-benchmark GET via PrimaryEndpoint", pFwd, pNode, "GET", "primary node direct", false),
    compare("8f", "redis-benchmark GET via ReaderEndpoint", rFwd, rNode, "GET", "one replica direct", false),
    compare("8g", "redis-benchmark SET via PrimaryEndpoint", pFwd, pPipe, "SET", "node:net pipe proxy", false, "the pipe proxy is the smallest Node forwarder: the gap to it is the forwarder's own cost"),
    compare("8h", "redis-benchmark GET via PrimaryEndpoint", pFwd, pPipe, "GET", "node:net pipe proxy", false),
    compare("8i", "redis-benchmark SET haproxy (for scale)", pHap, pNode, "SET", "primary node direct", false, "what a haproxy hop costs here"),
    ...(pFwd.cpuUsPerRequest.length
      ? [
          cpuRow("8j", "forwarder CPU per request, PrimaryEndpoint", pFwd, pHap, pPipe),
          cpuRow("8k", "forwarder CPU per request, ReaderEndpoint", rFwd, rHap),
        ]
      : []),
  ];
}

export async function rowRedisBenchmarkCluster(ctx: RowContext): Promise<RowResult[]> {
  const rounds = ctx.quick ? 1 : 5;
  const requests = ctx.quick ? 20_000 : 100_000;
  const pinned = pinningAvailable();
  const nodePorts = PORTS.clusterBenchmark.emulator;
  const harness = await startEmulator(nodePorts, "process");
  const group = "bench-rbc";
  const viaConfig: Target = { name: "ConfigurationEndpoint", port: 0, tests: ["SET", "GET"], cluster: true, results: [], cpuPids: [], cpuUsPerRequest: [] };
  const viaNode: Target = { name: "primary node", port: 0, tests: ["SET", "GET"], cluster: true, results: [], cpuPids: [], cpuUsPerRequest: [] };
  let endpointProcs = new Map<number, number>();
  let configError: string | undefined;
  try {
    const { group: g } = await createGroupUntilAvailable(harness.url, { ReplicationGroupId: group, NumNodeGroups: 3, ReplicasPerNodeGroup: 1 }).catch((error: unknown) => {
      throw error;
    });
    if (g.configurationPort === undefined) throw new Error(`${group} is available without a ConfigurationEndpoint`);
    const slots = await clusterSlots(g.configurationPort);
    viaConfig.port = g.configurationPort;
    viaNode.port = slots[0]!.port;
    endpointProcs = await endpointProcesses(harness, [viaConfig.port], pinned);
    if (pinned) {
      for (const port of slots.flatMap((s) => [s.port, ...s.replicas.map((r) => r.port)])) await pinEngine(harness, port);
      if (harness.process) await pin(harness.process.pid, SERVER_CPU);
    }
    try {
      await redisBenchmark({ port: viaConfig.port, tests: ["SET"], requests: 1000, cluster: true, timeoutMs: 30_000 });
    } catch (error) {
      configError = error instanceof Error ? error.message : String(error);
      ctx.log(`row 9: --cluster through the ConfigurationEndpoint failed, measuring a node only: ${configError}`);
    }
    await runRounds(ctx, "row 9", configError ? [viaNode] : [viaConfig, viaNode], rounds, requests, pinned);
  } finally {
    await deleteGroupQuietly(harness.url, group);
    await harness.stop();
  }
  const how = `${dataPath(endpointProcs)}; ${benchCommand(["SET", "GET"], requests, true)}, RG cluster mode 3x(1+1)${pinned ? ", pinned as row 8" : ""}; ${rounds} round(s), 1 warm-up each dropped`;
  if (configError) {
    return (["SET", "GET"] as const).map((test, i) =>
      row({
        id: `9${"ab"[i]}`,
        name: `redis-benchmark --cluster ${test} via a node`,
        unit: "req/s",
        ours: median(viaNode.results.map((x) => x[test]!)),
        baseline: Number.NaN,
        baselineLabel: "ConfigurationEndpoint failed",
        note: i === 0 ? `${how}; --cluster through the ConfigurationEndpoint FAILED (${configError.split("\n")[0]}), so only a primary node was measured` : undefined,
        samples: { nodeRps: viaNode.results.map((x) => round3(x[test]!)), configurationEndpointError: configError },
      }),
    );
  }
  return [
    compare("9a", "redis-benchmark --cluster SET via ConfigurationEndpoint", viaConfig, viaNode, "SET", "--cluster via a primary node", false, `${how}; redis-benchmark sends the shard of the node it discovered through to the given address, so about a third of the traffic crosses the forwarder`),
    compare("9b", "redis-benchmark --cluster GET via ConfigurationEndpoint", viaConfig, viaNode, "GET", "--cluster via a primary node", false),
  ];
}
