/**
 * Row 11: API throughput with strict SigV4 verification on, against the same emulator with it
 * off, in the same run. Both get the same signed request (DescribeCacheClusters of 10 clusters,
 * signed once by the SDK's own SigV4 signer, valid for the 15 minutes AWS allows), so the only
 * difference is the server's verification: canonical request, string to sign, HMAC chain.
 */
import { CreateCacheClusterCommand, DescribeCacheClustersCommand } from "@aws-sdk/client-elasticache";
import { SignatureV4 } from "@smithy/signature-v4";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { PORTS, type RowContext } from "../lib/context.js";
import { startEmulator, type Harness } from "../lib/emulator.js";
import { runLoad, type LoadSummary } from "../lib/load.js";
import { sleep } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";

const CLUSTERS = 10;
const CONCURRENCY = 8;
const BODY = "Action=DescribeCacheClusters&Version=2015-02-02";
const KEY = { accessKeyId: "bench", secretAccessKey: "bench" };

const bytes = (data: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  typeof data === "string" ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);

/** SHA-256 for the SDK's signer, over node:crypto. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret ? createHmac("sha256", bytes(this.secret)) : createHash("sha256");
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** The headers of one SigV4-signed POST of BODY to `url`. */
async function signedHeaders(url: string): Promise<Record<string, string>> {
  const target = new URL(url);
  const signer = new SignatureV4({ credentials: KEY, region: "us-east-1", service: "elasticache", sha256: Sha256 });
  const signed = await signer.sign({
    method: "POST",
    protocol: target.protocol,
    hostname: target.hostname,
    port: Number(target.port),
    path: "/",
    headers: { host: target.host, "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: BODY,
  });
  const { host: _host, ...headers } = signed.headers as Record<string, string>;
  return headers;
}

async function fill(harness: Harness): Promise<void> {
  for (let i = 0; i < CLUSTERS; i++) {
    await harness.client.send(new CreateCacheClusterCommand({ CacheClusterId: `auth-${i}`, Engine: "redis", CacheNodeType: "cache.t3.micro" }));
  }
  const deadline = Date.now() + 60_000;
  for (;;) {
    const out = await harness.client.send(new DescribeCacheClustersCommand({}));
    if ((out.CacheClusters ?? []).filter((c) => c.CacheClusterStatus === "available").length === CLUSTERS) return;
    if (Date.now() > deadline) throw new Error("clusters not available after 60 s");
    await sleep(20);
  }
}

export async function rowStrictAuth(ctx: RowContext): Promise<RowResult[]> {
  const rounds = ctx.quick ? 1 : 3;
  const durationMs = ctx.quick ? 1500 : 3000;
  const warmupMs = ctx.quick ? 300 : 500;
  const open = await startEmulator(PORTS.strictAuth.open, "embedded");
  let strict: Harness | undefined;
  const samples: Record<"strict" | "open", LoadSummary[]> = { strict: [], open: [] };
  try {
    strict = await startEmulator(PORTS.strictAuth.strict, "embedded", {
      cliArgs: ["--strict-auth", "--credentials", `${KEY.accessKeyId}:${KEY.secretAccessKey}`],
      options: { strictAuth: true, credentials: [KEY] },
    });
    ctx.log(`row 11: ${CLUSTERS} clusters in each emulator (embedded engines)`);
    await fill(open);
    await fill(strict);
    const targets = { open, strict };
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 ? (["strict", "open"] as const) : (["open", "strict"] as const)) {
        ctx.log(`row 11: round ${r + 1}/${rounds}, strict auth ${name === "strict" ? "on" : "off"}`);
        const url = targets[name].url;
        // Signed afresh per phase: well inside AWS's 15-minute window.
        const headers = await signedHeaders(url);
        const { summary } = await runLoad({ url, mode: "raw", body: BODY, headers, concurrency: CONCURRENCY, warmupMs, durationMs });
        if (summary.errors > 0) throw new Error(`${name}: ${summary.errors} failed requests (${summary.firstError})`);
        samples[name].push(summary);
      }
    }
  } finally {
    await strict?.stop();
    await open.stop();
  }
  const med = (list: LoadSummary[], key: "rps" | "p99Ms") => median(list.map((s) => s[key]));
  const clean = (s: LoadSummary) => ({ rps: round3(s.rps), p50Ms: round3(s.p50Ms), p99Ms: round3(s.p99Ms), requests: s.requests, errors: s.errors });
  return [
    row({
      id: "11",
      name: "DescribeCacheClusters, strict SigV4 on",
      unit: "req/s",
      ours: med(samples.strict, "rps"),
      baseline: med(samples.open, "rps"),
      baselineLabel: "same request, strict auth off",
      note: `the same SigV4-signed request to both; ${CLUSTERS} clusters (embedded engines), concurrency ${CONCURRENCY}, ${rounds} round(s) of ${durationMs / 1000} s; median p99 on ${med(samples.strict, "p99Ms").toFixed(2)} ms, off ${med(samples.open, "p99Ms").toFixed(2)} ms`,
      samples: { rounds, durationMs, warmupMs, concurrency: CONCURRENCY, strict: samples.strict.map(clean), open: samples.open.map(clean) },
    }),
  ];
}
