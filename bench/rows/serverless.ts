/**
 * Row 16: serverless caches. 16a: CreateServerlessCache (valkey) -> the first
 * DescribeServerlessCaches that says `available`, vs spawning a bare TLS redis-server and
 * looping a TLS PING until +PONG; the create adopts the warm pair formed after the one
 * before (16e, info: the same with --serverless-warm-pair off, where each create starts two
 * engines and waits for their one-shard cluster to agree). 16b/16c:
 * redis-benchmark --tls SET/GET through the serverless Endpoint vs a bare TLS
 * redis-server in the same run (no ECPU limit). 16d: the ECPU limit under twice its load
 * (serverless-ecpu.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { CreateServerlessCacheCommand, DeleteServerlessCacheCommand, DescribeServerlessCachesCommand, type ServerlessCache } from "@aws-sdk/client-elasticache";
import { PORTS, type RowContext } from "../lib/context.js";
import { startEmulator, type Harness } from "../lib/emulator.js";
import { REDIS_SERVER, scratchDir } from "../lib/engines.js";
import { freePort, sleep, spawnTracked, stopTracked } from "../lib/procs.js";
import { pairedRuns } from "../lib/paired.js";
import { redisBenchmark, benchCommand, type Rates } from "../lib/redis-bench.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";
import { rowEcpuLimit } from "./serverless-ecpu.js";

const POLL_MS = 1;
const TESTS = ["SET", "GET"];

/** A self-signed certificate for the bare baseline (the emulator's own key stays inside it). */
function bareCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, "bare.crt");
  const key = join(dir, "bare.key");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"], { stdio: "ignore" });
  return { cert, key };
}

function tlsPing(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    let text = "";
    const socket = tls.connect({ host: "127.0.0.1", port, ca, rejectUnauthorized: false }, () => socket.write("PING\r\n"));
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (text.includes("\r\n")) finish(text.startsWith("+PONG"));
    });
    socket.on("error", () => finish(false));
  });
}

async function describe(harness: Harness, name: string): Promise<ServerlessCache | undefined> {
  const out = await harness.client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: name })).catch(() => undefined);
  return out?.ServerlessCaches?.[0];
}

async function createUntilAvailable(harness: Harness, name: string): Promise<{ ms: number; cache: ServerlessCache }> {
  const t0 = performance.now();
  await harness.client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: "valkey" }));
  for (;;) {
    const cache = await describe(harness, name);
    if (cache?.Status === "available") return { ms: performance.now() - t0, cache };
    if (cache?.Status === "create-failed") throw new Error(`serverless cache ${name} failed to create`);
    await sleep(POLL_MS);
  }
}

/**
 * Waits while the emulator forms its warm pair (the engines the next create adopts, started
 * after each create): neither side of the comparison is measured beside that work.
 */
async function warmPairSettled(harness: Harness): Promise<void> {
  for (;;) {
    const health = (await (await fetch(`${harness.url}/_emulator/health`)).json()) as { serverlessWarmPair?: string };
    if (health.serverlessWarmPair !== "forming") return;
    await sleep(5);
  }
}

async function deleteAndWaitGone(harness: Harness, name: string): Promise<void> {
  await harness.client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: name }));
  while (await describe(harness, name)) await sleep(5);
}

/** A bare TLS redis-server on `port` (the baseline of 16a and 16b/16c). */
function spawnBareTls(port: number, cert: { cert: string; key: string }) {
  return spawnTracked(
    REDIS_SERVER,
    ["--port", "0", "--tls-port", String(port), "--tls-cert-file", cert.cert, "--tls-key-file", cert.key, "--tls-ca-cert-file", cert.cert, "--tls-auth-clients", "no", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { cwd: scratchDir() },
  );
}

/**
 * `reps` alternating pairs (after one warm-up of each): CreateServerlessCache -> available
 * (then PING on the Endpoint, delete, gone) vs a bare TLS redis-server spawn -> +PONG.
 */
async function measureCreates(
  ctx: RowContext,
  harness: Harness,
  ca: string,
  reps: number,
  bareCert: { cert: string; key: string },
  label: string,
): Promise<{ ours: number[]; bare: number[] }> {
  let n = 0;
  const runOurs = async () => {
    const name = `bench-sl-${label}-${n++}`;
    await warmPairSettled(harness);
    const { ms, cache } = await createUntilAvailable(harness, name);
    if (!(await tlsPing(cache.Endpoint!.Port!, ca))) throw new Error(`serverless Endpoint ${cache.Endpoint!.Port} does not answer PING`);
    await deleteAndWaitGone(harness, name);
    return ms;
  };
  const runBare = async () => {
    await warmPairSettled(harness);
    const port = await freePort(PORTS.serverless.bare);
    const t0 = performance.now();
    const proc = spawnBareTls(port, bareCert);
    try {
      while (!(await tlsPing(port, bareCert.cert))) await sleep(1);
      return performance.now() - t0;
    } finally {
      await stopTracked(proc);
    }
  };
  return pairedRuns(reps, runOurs, runBare, (i) => ctx.log(`row 16: ${label} repetition ${i}/${reps}`));
}

export async function rowServerless(ctx: RowContext): Promise<RowResult[]> {
  const reps = ctx.quick ? 3 : 7;
  const rounds = ctx.quick ? 1 : 5;
  const requests = ctx.quick ? 20_000 : 100_000;
  const dir = mkdtempSync(join(tmpdir(), "elasticache-local-bench-serverless-"));
  const bareCert = bareCertificate(dir);
  const harness = await startEmulator(PORTS.serverless.emulator, "process");
  const caFile = join(dir, "ca.pem");
  try {
    const ca = await (await fetch(`${harness.url}/_emulator/ca.pem`)).text();
    writeFileSync(caFile, ca);
    const spawnBare = (port: number) => spawnBareTls(port, bareCert);
    const { ours, bare } = await measureCreates(ctx, harness, ca, reps, bareCert, "create");
    const createPaired = ours.map((x, i) => x / bare[i]!);

    // Throughput: the serverless Endpoint (cluster mode) vs a bare TLS redis-server.
    const { cache } = await createUntilAvailable(harness, "bench-sl-load");
    const barePort = await freePort(PORTS.serverless.bare);
    const bareProc = spawnBare(barePort);
    const oursRates: Rates[] = [];
    const bareRates: Rates[] = [];
    try {
      while (!(await tlsPing(barePort, bareCert.cert))) await sleep(1);
      const runLoad = async (target: "ours" | "bare", record: boolean) => {
        const rates =
          target === "ours"
            ? await redisBenchmark({ port: cache.Endpoint!.Port!, tests: TESTS, requests, cacert: caFile })
            : await redisBenchmark({ port: barePort, tests: TESTS, requests, cacert: bareCert.cert });
        if (record) (target === "ours" ? oursRates : bareRates).push(rates);
      };
      await runLoad("ours", false);
      await runLoad("bare", false);
      for (let r = 0; r < rounds; r++) {
        ctx.log(`row 16: load round ${r + 1}/${rounds}`);
        const order: Array<"ours" | "bare"> = r % 2 === 0 ? ["ours", "bare"] : ["bare", "ours"];
        for (const t of order) await runLoad(t, true);
      }
    } finally {
      await stopTracked(bareProc);
    }
    const load = (test: string, id: string): RowResult => {
      const o = oursRates.map((x) => x[test]!);
      const b = bareRates.map((x) => x[test]!);
      const paired = o.map((x, i) => x / b[i]!);
      return row({
        id,
        name: `redis-benchmark ${test} via the serverless Endpoint (TLS)`,
        unit: "req/s",
        ours: median(o),
        baseline: median(b),
        baselineLabel: "bare TLS redis-server",
        goal: { on: "ratio", op: ">=", value: 0.9 },
        // redis-benchmark --cluster refuses a cluster of one primary ("Invalid cluster: 1 node(s)"); the Endpoint's primary holds every slot, so no request is redirected.
        note: `${benchCommand(TESTS, requests)} --tls (without --cluster, which needs two primaries; the Endpoint holds every slot); ${rounds} alternating rounds, 1 warm-up each; median of paired ratios ${median(paired).toFixed(3)}`,
        samples: { oursRps: o.map(round3), baselineRps: b.map(round3), pairedRatios: paired.map(round3) },
      });
    };
    const ecpu = await rowEcpuLimit(ctx, harness, ca);
    return [
      row({
        id: "16a",
        name: "create->available, Valkey serverless cache",
        unit: "ms",
        ours: median(ours),
        baseline: median(bare),
        baselineLabel: "bare TLS spawn+PING",
        goal: { on: "ratio", op: "<=", value: 2.0 },
        note: `median of ${reps} (1 warm-up dropped; median of paired ratios ${median(createPaired).toFixed(3)}); the create adopts the warm pair (default --serverless-warm-pair on; each run starts once the next pair has formed); cache deleted (and gone) between runs`,
        samples: { oursMs: ours.map(round3), baselineMs: bare.map(round3), pairedRatios: createPaired.map(round3) },
      }),
      load("SET", "16b"),
      load("GET", "16c"),
      ecpu,
      await rowColdCreate(ctx, reps, bareCert),
    ];
  } finally {
    await harness.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** 16e (info): create -> available with --serverless-warm-pair off: two engines started and a one-shard cluster formed per create. */
async function rowColdCreate(ctx: RowContext, reps: number, bareCert: { cert: string; key: string }): Promise<RowResult> {
  const harness = await startEmulator(PORTS.serverless.coldEmulator, "process", { cliArgs: ["--serverless-warm-pair", "off"], options: { serverlessWarmPair: false } });
  try {
    const ca = await (await fetch(`${harness.url}/_emulator/ca.pem`)).text();
    const { ours, bare } = await measureCreates(ctx, harness, ca, reps, bareCert, "cold");
    const paired = ours.map((x, i) => x / bare[i]!);
    return row({
      id: "16e",
      name: "create->available, --serverless-warm-pair off",
      unit: "ms",
      ours: median(ours),
      baseline: median(bare),
      baselineLabel: "bare TLS spawn+PING",
      note: `median of ${reps} (1 warm-up dropped; median of paired ratios ${median(paired).toFixed(3)}); two engines started and a one-shard cluster formed per create (Redis 7.0's 100 ms cluster cron bounds it)`,
      samples: { oursMs: ours.map(round3), baselineMs: bare.map(round3), pairedRatios: paired.map(round3) },
    });
  } finally {
    await harness.stop();
  }
}
