/** Runs one load phase in a worker thread (see load-worker.ts) and summarizes it. */
import { Worker } from "node:worker_threads";
import type { LoadResult, LoadSpec } from "./load-worker.js";
import { median, p99 } from "./stats.js";

export type { LoadResult, LoadSpec };

export interface LoadSummary {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  firstError?: string;
  bytesPerResponse: number;
}

/**
 * The worker is TypeScript: tsx's hooks do not reach worker threads on Node 20 (ERR_UNKNOWN_FILE_EXTENSION),
 * so a small eval'd bootstrap loads it through tsx's tsImport.
 */
function workerBootstrap(): string {
  const api = import.meta.resolve("tsx/esm/api");
  const file = new URL("./load-worker.ts", import.meta.url).href;
  return `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(import.meta.url)}))`;
}

export function runLoad(spec: LoadSpec): Promise<{ summary: LoadSummary; latenciesMs: number[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerBootstrap(), { eval: true, workerData: spec });
    let settled = false;
    worker.once("message", (msg: { ok: boolean; result?: LoadResult; error?: string }) => {
      settled = true;
      void worker.terminate();
      if (!msg.ok || !msg.result) return reject(new Error(`load worker failed: ${msg.error}`));
      const r = msg.result;
      resolve({
        summary: {
          rps: r.requests / (r.elapsedMs / 1000),
          p50Ms: median(r.latenciesMs),
          p99Ms: p99(r.latenciesMs),
          requests: r.requests,
          errors: r.errors,
          firstError: r.firstError,
          bytesPerResponse: r.requests ? r.bytes / r.requests : 0,
        },
        latenciesMs: r.latenciesMs,
      });
    });
    worker.once("error", (error) => {
      if (!settled) reject(error);
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new Error(`load worker exited with code ${code}`));
    });
  });
}
