/**
 * Row 3: DescribeCacheClusters returning 100 clusters in one page, under concurrency 8.
 * The emulator runs with engineMode "embedded" so that 100 clusters are cheap: this row
 * measures the API (parse, build, serialize), not the engines. Baseline: a trivial
 * node:http server answering a fixed 60 KB XML body to the same load generator; a second
 * one answering a body as large as ours tells how much of the gap is mere size.
 */
import { CreateCacheClusterCommand, DescribeCacheClustersCommand } from "@aws-sdk/client-elasticache";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PORTS, type RowContext } from "../lib/context.js";
import { startEmulator } from "../lib/emulator.js";
import { runLoad, type LoadSpec, type LoadSummary } from "../lib/load.js";
import { sleep } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";

const CLUSTERS = 100;
const CONCURRENCY = 8;
const BODY = "Action=DescribeCacheClusters&Version=2015-02-02&MaxRecords=100";
const BASELINE_BYTES = 60 * 1024;

/** A fixed XML document of exactly `bytes` bytes. */
function fixedXml(bytes: number): string {
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n<DescribeCacheClustersResponse><DescribeCacheClustersResult><CacheClusters>';
  const tail = "</CacheClusters></DescribeCacheClustersResult></DescribeCacheClustersResponse>";
  const member = "<CacheCluster><CacheClusterId>baseline</CacheClusterId></CacheCluster>";
  let body = head;
  while (body.length + member.length + tail.length <= bytes) body += member;
  body += "<!--" + "x".repeat(Math.max(0, bytes - body.length - tail.length - 7)) + "-->";
  return body + tail;
}

function startBaselineServer(bytes: number): Promise<{ url: string; close(): Promise<void> }> {
  const body = Buffer.from(fixedXml(bytes));
  const server = http.createServer((req, res) => {
    // Read the form body as the emulator does, then answer the fixed document.
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/xml", "content-length": body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** One raw POST, for the correctness check before the load. */
function postOnce(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

export async function rowDescribe100(ctx: RowContext): Promise<RowResult[]> {
  const rounds = ctx.quick ? 1 : 3;
  const durationMs = ctx.quick ? 1500 : 3000;
  const warmupMs = ctx.quick ? 300 : 500;
  const harness = await startEmulator(PORTS.describe.emulator, "embedded");
  const baseline = await startBaselineServer(BASELINE_BYTES);
  let sameSize: Awaited<ReturnType<typeof startBaselineServer>> | undefined;
  const samples: Record<"ours" | "baseline" | "sameSize" | "sdk", LoadSummary[]> = { ours: [], baseline: [], sameSize: [], sdk: [] };
  let oursBytes = 0;
  try {
    ctx.log(`row 3: creating ${CLUSTERS} clusters (embedded engines)`);
    const ids = Array.from({ length: CLUSTERS }, (_, i) => `bench-d-${String(i).padStart(3, "0")}`);
    for (let i = 0; i < ids.length; i += 10) {
      await Promise.all(
        ids.slice(i, i + 10).map((id) =>
          harness.client.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 })),
        ),
      );
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const out = await harness.client.send(new DescribeCacheClustersCommand({ MaxRecords: 100 }));
      const ready = (out.CacheClusters ?? []).filter((c) => c.CacheClusterStatus === "available").length;
      if (ready === CLUSTERS && !out.Marker) break;
      if (Date.now() > deadline) throw new Error(`only ${ready}/${CLUSTERS} clusters available after 60 s`);
      await sleep(20);
    }
    const check = await postOnce(harness.url, BODY);
    const count = check.text.match(/<CacheClusterId>/g)?.length ?? 0;
    if (check.status !== 200 || count !== CLUSTERS) throw new Error(`raw DescribeCacheClusters answered ${check.status} with ${count} clusters`);
    oursBytes = Buffer.byteLength(check.text);
    sameSize = await startBaselineServer(oursBytes);

    const spec = (url: string, mode: LoadSpec["mode"]): LoadSpec => ({ url, mode, body: BODY, concurrency: CONCURRENCY, warmupMs, durationMs });
    const phases: Array<[keyof typeof samples, LoadSpec]> = [
      ["ours", spec(harness.url, "raw")],
      ["baseline", spec(baseline.url, "raw")],
      ["sameSize", spec(sameSize.url, "raw")],
      ["sdk", spec(harness.url, "sdk")],
    ];
    for (let r = 0; r < rounds; r++) {
      // Rotate the order so no target always runs first (or right after the heaviest phase).
      for (let k = 0; k < phases.length; k++) {
        const [name, s] = phases[(k + r) % phases.length]!;
        ctx.log(`row 3: round ${r + 1}/${rounds}, ${name}`);
        const { summary } = await runLoad(s);
        if (summary.errors > 0) throw new Error(`${name}: ${summary.errors} failed requests (${summary.firstError})`);
        samples[name].push(summary);
      }
    }
  } finally {
    await baseline.close();
    await sameSize?.close();
    await harness.stop();
  }
  const med = (list: LoadSummary[], key: "rps" | "p99Ms" | "p50Ms") => median(list.map((s) => s[key]));
  const all = {
    rounds,
    durationMs,
    warmupMs,
    concurrency: CONCURRENCY,
    oursResponseBytes: oursBytes,
    baselineResponseBytes: BASELINE_BYTES,
    ours: samples.ours.map(clean),
    baseline: samples.baseline.map(clean),
    sameSizeBaseline: samples.sameSize.map(clean),
    sdk: samples.sdk.map(clean),
  };
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  return [
    row({
      id: "3a",
      name: "DescribeCacheClusters x100, raw HTTP",
      unit: "req/s",
      ours: med(samples.ours, "rps"),
      baseline: med(samples.baseline, "rps"),
      baselineLabel: "fixed 60 KB node:http",
      goal: { on: "ours", op: ">=", value: 2000 },
      note: `engineMode "embedded" (measures the API, not the engines); ${CLUSTERS} clusters, one page of ${kb(oursBytes)}; concurrency ${CONCURRENCY}, ${rounds} round(s) of ${durationMs / 1000} s, load generator in a worker thread; median p50 ours ${med(samples.ours, "p50Ms").toFixed(2)} ms`,
      samples: all,
    }),
    row({
      id: "3b",
      name: "DescribeCacheClusters x100, raw p99",
      unit: "ms",
      ours: med(samples.ours, "p99Ms"),
      baseline: med(samples.baseline, "p99Ms"),
      baselineLabel: "fixed 60 KB node:http",
      goal: { on: "ours", op: "<", value: 10 },
      samples: { see: "3a" },
    }),
    row({
      id: "3c",
      name: "DescribeCacheClusters x100, raw HTTP",
      unit: "req/s",
      ours: med(samples.ours, "rps"),
      baseline: med(samples.sameSize, "rps"),
      baselineLabel: `fixed ${kb(oursBytes)} node:http`,
      note: `baseline body as large as ours (${kb(oursBytes)}): the part of 3a's gap that is not mere response size; its p99 ${med(samples.sameSize, "p99Ms").toFixed(2)} ms`,
      samples: { see: "3a" },
    }),
    row({
      id: "3d",
      name: "DescribeCacheClusters x100, via SDK",
      unit: "req/s",
      ours: med(samples.sdk, "rps"),
      baseline: med(samples.ours, "rps"),
      baselineLabel: "ours, raw HTTP",
      note: `same load through @aws-sdk/client-elasticache (client-side XML parsing included); median p99 ${med(samples.sdk, "p99Ms").toFixed(2)} ms`,
      samples: { see: "3a" },
    }),
  ];
}

function clean(s: LoadSummary) {
  return { rps: round3(s.rps), p50Ms: round3(s.p50Ms), p99Ms: round3(s.p99Ms), requests: s.requests, errors: s.errors, bytesPerResponse: Math.round(s.bytesPerResponse) };
}
