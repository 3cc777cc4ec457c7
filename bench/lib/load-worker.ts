/**
 * The load generator, in a worker thread so it has an event loop (and a core) of its own
 * instead of competing with the server under test. `concurrency` loops each keep one
 * request in flight over a keep-alive connection; only requests that start after the
 * warm-up are measured.
 */
import http from "node:http";
import { parentPort, workerData } from "node:worker_threads";

export interface LoadSpec {
  url: string;
  /** raw: node:http POST of `body`; sdk: DescribeCacheClusters through @aws-sdk/client-elasticache. */
  mode: "raw" | "sdk";
  body: string;
  /** Raw mode: extra request headers (e.g. a SigV4 Authorization made once for the fixed body). */
  headers?: Record<string, string>;
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  bytes: number;
  latenciesMs: number[];
}

async function rawLoop(spec: LoadSpec, until: { warm: number; end: number }, out: LoadResult, agent: http.Agent): Promise<void> {
  const target = new URL(spec.url);
  const payload = Buffer.from(spec.body);
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: "/",
          method: "POST",
          agent,
          headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8", "content-length": payload.length, ...spec.headers },
        },
        (res) => {
          let bytes = 0;
          res.on("data", (c: Buffer) => (bytes += c.length));
          res.on("end", () => (res.statusCode === 200 ? resolve(bytes) : reject(new Error(`HTTP ${res.statusCode}`))));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  await loop(until, out, once);
}

async function sdkLoop(spec: LoadSpec, until: { warm: number; end: number }, out: LoadResult): Promise<void> {
  const { ElastiCacheClient, DescribeCacheClustersCommand } = await import("@aws-sdk/client-elasticache");
  const client = new ElastiCacheClient({
    endpoint: spec.url,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    maxAttempts: 1,
  });
  try {
    await loop(until, out, async () => {
      const res = await client.send(new DescribeCacheClustersCommand({ MaxRecords: 100 }));
      return res.CacheClusters?.length ?? 0;
    });
  } finally {
    client.destroy();
  }
}

async function loop(until: { warm: number; end: number }, out: LoadResult, once: () => Promise<number>): Promise<void> {
  for (;;) {
    const t0 = performance.now();
    if (t0 >= until.end) return;
    try {
      const bytes = await once();
      const t1 = performance.now();
      if (t0 >= until.warm && t1 <= until.end) {
        out.requests++;
        out.bytes += bytes;
        out.latenciesMs.push(t1 - t0);
      }
    } catch (error) {
      out.errors++;
      out.firstError ??= String(error);
    }
  }
}

async function main(spec: LoadSpec): Promise<LoadResult> {
  const out: LoadResult = { requests: 0, errors: 0, elapsedMs: spec.durationMs, bytes: 0, latenciesMs: [] };
  const start = performance.now();
  const until = { warm: start + spec.warmupMs, end: start + spec.warmupMs + spec.durationMs };
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  try {
    await Promise.all(
      Array.from({ length: spec.concurrency }, () => (spec.mode === "raw" ? rawLoop(spec, until, out, agent) : sdkLoop(spec, until, out))),
    );
  } finally {
    agent.destroy();
  }
  return out;
}

if (parentPort) {
  main(workerData as LoadSpec).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (error) => parentPort!.postMessage({ ok: false, error: String(error) }),
  );
}
