/**
 * Row 16d: a serverless cache's ECPUPerSecond.Maximum held under a load at twice the limit.
 * A client (ioredis over TLS, straight to the Endpoint, whose primary holds every slot)
 * offers 2x the limit in small SETs (one ECPU each: a command moving well under 1 KiB) for
 * 5 s, paced in 10 ms steps; the rate served is the replies received within those 5 s,
 * divided by 5 s, against the limit. Repeated; the median is reported.
 */
import { CreateServerlessCacheCommand, DeleteServerlessCacheCommand, DescribeServerlessCachesCommand } from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import type { RowContext } from "../lib/context.js";
import type { Harness } from "../lib/emulator.js";
import { sleep } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";

const LIMIT = 2000;
const WINDOW_MS = 5000;
const STEP_MS = 10;

async function available(harness: Harness, name: string): Promise<number> {
  for (;;) {
    const cache = (await harness.client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: name }))).ServerlessCaches?.[0];
    if (cache?.Status === "available") return cache.Endpoint!.Port!;
    if (cache?.Status === "create-failed") throw new Error(`serverless cache ${name} failed to create`);
    await sleep(20);
  }
}

/** ECPUs served per second within a WINDOW_MS load offering `2 * LIMIT` a second. */
async function servedRate(port: number, ca: string): Promise<number> {
  const client = new Redis({ host: "127.0.0.1", port, tls: { ca }, enableAutoPipelining: false });
  try {
    await client.ping();
    let served = 0;
    let end = Number.POSITIVE_INFINITY;
    const pending: Array<Promise<unknown>> = [];
    const perStep = (2 * LIMIT * STEP_MS) / 1000;
    const t0 = performance.now();
    end = t0 + WINDOW_MS;
    for (let step = 0; performance.now() < end; step++) {
      // Catch up on the schedule: the offered rate stays 2x even when a step runs late.
      const due = Math.floor(((performance.now() - t0) / STEP_MS + 1) * perStep);
      const toSend = Math.max(0, due - pending.length);
      for (let i = 0; i < toSend; i++) {
        pending.push(
          client.set(`{b}${pending.length}`, "v").then(() => {
            if (performance.now() <= end) served++;
          }),
        );
      }
      await sleep(STEP_MS);
    }
    await Promise.all(pending);
    return (served * 1000) / WINDOW_MS;
  } finally {
    client.disconnect();
  }
}

export async function rowEcpuLimit(ctx: RowContext, harness: Harness, ca: string): Promise<RowResult> {
  const reps = ctx.quick ? 1 : 3;
  const name = "bench-sl-ecpu";
  await harness.client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: "valkey", CacheUsageLimits: { ECPUPerSecond: { Maximum: LIMIT } } }));
  const rates: number[] = [];
  try {
    const port = await available(harness, name);
    for (let i = 0; i < reps; i++) {
      ctx.log(`row 16: ECPU limit load ${i + 1}/${reps}`);
      rates.push(await servedRate(port, ca));
      // The bucket refills before the next load.
      await sleep(500);
    }
  } finally {
    await harness.client.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: name })).catch(() => undefined);
  }
  return row({
    id: "16d",
    name: "ECPU limit held under a 5 s load at 2x the limit",
    unit: "ECPU/s",
    ours: median(rates),
    baseline: LIMIT,
    baselineLabel: "ECPUPerSecond.Maximum",
    goal: { on: "ratio", op: "within", value: 0.1 },
    note: `ioredis over TLS offering ${2 * LIMIT} one-ECPU SETs/s for ${WINDOW_MS / 1000} s in ${STEP_MS} ms steps; replies within the window / ${WINDOW_MS / 1000} s; median of ${reps}`,
    samples: { servedPerSecond: rates.map(round3) },
  });
}
