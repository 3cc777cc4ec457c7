/**
 * Row 5: resident memory of the emulator, idle and with 20 single-node Redis clusters,
 * with the engines' own memory counted apart. The emulator runs as a child process
 * (`node dist/cli.js`, built by `npm run bench`) so its VmRSS is its own; without dist/
 * it falls back to this process's RSS (harness included, so only the growth means much).
 */
import { CreateCacheClusterCommand, DescribeCacheClustersCommand } from "@aws-sdk/client-elasticache";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PORTS, type RowContext } from "../lib/context.js";
import { sdkClient, startEmulator } from "../lib/emulator.js";
import { spawnBareRedis } from "../lib/engines.js";
import { waitRedisPong } from "../lib/probes.js";
import { alive, engineDescendants, freePort, sleep, spawnTracked, stopTracked, vmRssKb, waitGone, type Tracked } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { median } from "../lib/stats.js";

const NODES = 20;
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

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

function waitForLine(p: Tracked, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms:\n${p.output.join("\n")}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const m = pattern.exec(text);
      if (m) done(undefined, m);
    };
    const onExit = () => done(new Error(`exited before ${pattern}:\n${p.output.join("\n")}`));
    const done = (err?: Error, m?: RegExpExecArray) => {
      clearTimeout(timer);
      p.child.stdout!.off("data", onData);
      p.child.off("exit", onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    p.child.stdout!.on("data", onData);
    p.child.once("exit", onExit);
  });
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
  let mode: string;
  const leaked: number[] = [];

  if (existsSync(CLI)) {
    mode = "child process (node dist/cli.js), VmRSS";
    const { from, to } = PORTS.rss.emulator;
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ELASTICACHE_LOCAL_")));
    const cli = spawnTracked(process.execPath, [CLI, "--port", "0", "--node-ports", `${from}-${to}`, "--log-level", "warn", "--engine", "process"], { cwd: REPO, env });
    let enginePids: number[] = [];
    try {
      const [, url] = await waitForLine(cli, /elasticache-local ready at (\S+)/, 15_000);
      await sleep(settleMs);
      idle = await sampleRssMb(cli.pid);
      await createNodes(url!, ctx);
      await sleep(settleMs);
      loaded = await sampleRssMb(cli.pid);
      engines = enginesRss(cli.pid);
      enginePids = engines.pids;
      if (engines.count !== NODES) throw new Error(`found ${engines.count} engine processes under the emulator, expected ${NODES}`);
    } finally {
      // SIGTERM: the CLI stops every engine before it exits.
      enginePids = enginePids.length ? enginePids : engineDescendants(cli.pid).map((e) => e.pid);
      await stopTracked(cli, 15_000);
      for (const pid of await waitGone(enginePids, 5_000)) {
        leaked.push(pid);
        if (alive(pid)) process.kill(pid, "SIGKILL"); // a grandchild we started, by pid
      }
    }
  } else {
    mode = "in-process fallback (no dist/): this process's RSS, harness included";
    const gc = (globalThis as { gc?: () => void }).gc;
    const harness = await startEmulator(PORTS.rss.emulator, "process");
    try {
      gc?.();
      await sleep(settleMs);
      idle = await sampleRssMb(process.pid);
      await createNodes(harness.emulator.url, ctx);
      gc?.();
      await sleep(settleMs);
      loaded = await sampleRssMb(process.pid);
      engines = enginesRss(process.pid);
    } finally {
      await harness.stop();
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
