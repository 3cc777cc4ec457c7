/**
 * Row 5: resident memory of the emulator, idle and with 20 single-node Redis clusters,
 * with the engines' own memory counted apart. The emulator runs as a child process
 * (`node dist/cli.js`, built by `npm run bench`) so its VmRSS is its own; without dist/
 * it falls back to this process's RSS (harness included, so only the growth means much).
 */
import { CreateCacheClusterCommand, DescribeCacheClustersCommand } from "@aws-sdk/client-elasticache";
import { PORTS, type RowContext } from "../lib/context.js";
import { sdkClient, startEmulator, waitForLine } from "../lib/emulator.js";
import { spawnBareRedis } from "../lib/engines.js";
import { waitRedisPong } from "../lib/probes.js";
import { alive, engineDescendants, freePort, sleep, spawnTracked, stopTracked, vmRssKb, waitGone, type Tracked } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { median } from "../lib/stats.js";

const NODES = 20;

/** Median of a few VmRSS readings, in MiB. */
async function sampleRssMb(pid: number, count = 5, gapMs = 100): Promise<{ median: number; samples: number[] }> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const kb = vmRssKb(pid);
    if (kb === undefined) throw new Error(`pid ${pid} is gone`);
    samples.push(kb / 1024);
    if (i < count - 1) await sleep(gapMs);
  }
  return { median: median(samples), samples };
}

/** A child node process doing nothing but listen on HTTP: what Node itself costs. */
async function bareNodeRssMb(): Promise<{ median: number; samples: number[] }> {
  const script = "require('node:http').createServer((q,s)=>s.end()).listen(0,'127.0.0.1',()=>console.log('listening'))";
  const p = spawnTracked(process.execPath, ["-e", script]);
  try {
    await waitForLine(p, /listening/, 10_000);
    await sleep(500);
    return await sampleRssMb(p.pid);
  } finally {
    await stopTracked(p);
  }
}

async function bareRedisRssMb(): Promise<number> {
  const port = await freePort(PORTS.rss.bare);
  const p = spawnBareRedis(port);
  try {
    await waitRedisPong(port);
    await sleep(300);
    return (await sampleRssMb(p.pid)).median;
  } finally {
    await stopTracked(p);
  }
}

async function createNodes(url: string, ctx: RowContext): Promise<void> {
  const client = sdkClient(url);
  try {
    ctx.log(`row 5: creating ${NODES} single-node Redis clusters`);
    await Promise.all(
      Array.from({ length: NODES }, (_, i) =>
        client.send(new CreateCacheClusterCommand({ CacheClusterId: `bench-rss-${i}`, Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 })),
      ),
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const out = await client.send(new DescribeCacheClustersCommand({ MaxRecords: 100 }));
      const ready = (out.CacheClusters ?? []).filter((c) => c.CacheClusterStatus === "available").length;
      if (ready === NODES) return;
      if (Date.now() > deadline) throw new Error(`only ${ready}/${NODES} clusters available after 60 s`);
      await sleep(20);
    }
  } finally {
    client.destroy();
  }
}

function enginesRss(pid: number): { count: number; totalMb: number; pids: number[] } {
  const engines = engineDescendants(pid);
  let kb = 0;
  for (const e of engines) kb += vmRssKb(e.pid) ?? 0;
  return { count: engines.length, totalMb: kb / 1024, pids: engines.map((e) => e.pid) };
}

export async function rowRss(ctx: RowContext): Promise<RowResult[]> {
  const settleMs = ctx.quick ? 500 : 1500;
  const nodeBase = await bareNodeRssMb();
  const redisOne = await bareRedisRssMb();
  let idle: { median: number; samples: number[] };
  let loaded: { median: number; samples: number[] };
  let engines: { count: number; totalMb: number; pids: number[] };
  const leaked: number[] = [];

  const harness = await startEmulator(PORTS.rss.emulator, "process");
  // Run as its own process, the emulator's VmRSS is its own; in process it includes this harness.
  const pid = harness.process?.pid ?? process.pid;
  const mode = harness.process ? "child process (node dist/cli.js), VmRSS" : "in-process fallback (no dist/): this process's RSS, harness included";
  let enginePids: number[] = [];
  try {
    await sleep(settleMs);
    idle = await sampleRssMb(pid);
    await createNodes(harness.url, ctx);
    await sleep(settleMs);
    loaded = await sampleRssMb(pid);
    engines = enginesRss(pid);
    enginePids = engines.pids;
    if (harness.process && engines.count !== NODES) throw new Error(`found ${engines.count} engine processes under the emulator, expected ${NODES}`);
  } finally {
    enginePids = enginePids.length ? enginePids : engineDescendants(pid).map((e) => e.pid);
    await harness.stop();
    for (const gone of await waitGone(enginePids, 5_000)) {
      leaked.push(gone);
      if (alive(gone)) process.kill(gone, "SIGKILL"); // a grandchild we started, by pid
    }
  }
  const perNodeKb = ((loaded.median - idle.median) * 1024) / NODES;
  const samples = { mode, idleMb: idle.samples, loadedMb: loaded.samples, bareNodeMb: nodeBase.samples, bareRedisMb: redisOne, engines, leakedEnginePids: leaked };
  if (leaked.length) throw new Error(`engine pids ${leaked.join(", ")} outlived the emulator's SIGTERM (killed by pid)`);
  return [
    row({
      id: "5a",
      name: "emulator RSS, idle",
      unit: "MB",
      ours: idle.median,
      baseline: nodeBase.median,
      baselineLabel: "bare node http server",
      note: `${mode}; medians of 5 readings after ${settleMs} ms settling; MB = MiB`,
      samples,
    }),
    row({
      id: "5b",
      name: `emulator RSS, ${NODES} Redis nodes`,
      unit: "MB",
      ours: loaded.median,
      baseline: idle.median,
      baselineLabel: "emulator idle",
      note: `engines excluded; growth ${(loaded.median - idle.median).toFixed(1)} MB = ${perNodeKb.toFixed(0)} KB per node`,
      samples: { see: "5a" },
    }),
    row({
      id: "5c",
      name: `engines' RSS, ${NODES} nodes`,
      unit: "MB",
      ours: engines.totalMb,
      baseline: redisOne * NODES,
      baselineLabel: `${NODES} x bare redis-server`,
      note: `sum of VmRSS of the ${engines.count} redis-server processes under the emulator's pid`,
      samples: { see: "5a" },
    }),
  ];
}
