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

export function runLoad(spec: LoadSpec): Promise<{ summary: LoadSummary; latenciesMs: number[] }> {
  return new Promise((resolve, reject) => {
    // tsx's loader hooks are inherited through execArgv, so the worker can be TypeScript too.
    const worker = new Worker(new URL("./load-worker.ts", import.meta.url), { workerData: spec });
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
