/**
 * Row "restart": persistence with a data dir.
 * restart-a: kill -9 of the emulator with 20 clusters (10 Redis, 10 Memcached), then a new
 *   emulator on the same data dir until all 20 are `available` again (the old engines end on
 *   their own as the emulator dies, nodes restarted from their dirs), vs the same 20 created fresh by a new emulator (CLI spawn
 *   included on both sides).
 * restart-b: the cost of committing the state on every mutation: AddTagsToResource x400
 *   (8 in flight) with a data dir vs without.
 * restart-c: reads never commit: DescribeCacheClusters x2000 (8 in flight) with a data dir vs without.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PORTS, type RowContext } from "../lib/context.js";
import { CLI, sdkClient, waitAvailable, waitForLine } from "../lib/emulator.js";
import { probeOnce } from "../lib/probes.js";
import { sleep, spawnTracked, stopTracked, type Tracked } from "../lib/procs.js";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";

const CLUSTERS = 20;
const REQUESTS = 400;
/** Reads are cheaper: more of them, for a steadier figure. */
const READS = 2000;
const IN_FLIGHT = 8;

interface Cli {
  proc: Tracked;
  url: string;
}

async function startCli(dataDir: string | undefined): Promise<Cli> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ELASTICACHE_LOCAL_")));
  const { from, to } = PORTS.restart.emulator;
  const args = [CLI, "--port", "0", "--node-ports", `${from}-${to}`, "--log-level", "warn"];
  if (dataDir) args.push("--data-dir", dataDir);
  const proc = spawnTracked(process.execPath, args, { env });
  try {
    const [, url] = (await waitForLine(proc, /elasticache-local ready at (\S+)/, 30_000)) as unknown as [string, string];
    return { proc, url };
  } catch (error) {
    await stopTracked(proc, 15_000);
    throw error;
  }
}

async function post(url: string, action: string, params: Record<string, string | number> = {}): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: "2015-02-02", ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) });
  const response = await fetch(`${url}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: body.toString() });
  const text = await response.text();
  if (!response.ok) throw new Error(`${action}: HTTP ${response.status}: ${text}`);
  return text;
}

const clusterId = (i: number) => `restart-${i % 2 ? "mc" : "redis"}-${i}`;

/** Polls DescribeCacheClusters (all) until every one of the 20 is available; returns their node ports. */
async function waitAllAvailable(url: string, timeoutMs = 120_000): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const xml = await post(url, "DescribeCacheClusters", { ShowCacheNodeInfo: "true", MaxRecords: 100 });
    const clusters = xml.split("<CacheCluster>").slice(1);
    const statuses = clusters.map((c) => /<CacheClusterStatus>([^<]*)</.exec(c)?.[1]);
    if (clusters.length === CLUSTERS && statuses.every((s) => s === "available")) {
      return new Map(clusters.map((c) => [/<CacheClusterId>([^<]*)</.exec(c)![1]!, Number(/<Port>(\d+)</.exec(c.slice(c.indexOf("<CacheNodes>")))![1])]));
    }
    const bad = statuses.find((s) => s && !["creating", "available", "rebooting cache cluster nodes"].includes(s));
    if (bad) throw new Error(`a cluster went ${bad}`);
    if (Date.now() > deadline) throw new Error(`not all ${CLUSTERS} clusters available within ${timeoutMs} ms (${statuses.join(",")})`);
    await sleep(5);
  }
}

async function createAll(url: string): Promise<void> {
  await Promise.all(
    Array.from({ length: CLUSTERS }, (_, i) =>
      post(url, "CreateCacheCluster", { CacheClusterId: clusterId(i), Engine: i % 2 ? "memcached" : "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }),
    ),
  );
}

/** `count` requests, IN_FLIGHT at a time; the elapsed ms. */
async function burst(count: number, send: (n: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await send(next++);
    }),
  );
  return performance.now() - t0;
}

const tagBurst = (url: string, arn: string) =>
  burst(REQUESTS, (n) => post(url, "AddTagsToResource", { ResourceName: arn, "Tags.Tag.1.Key": `k${n % 40}`, "Tags.Tag.1.Value": String(n) }));
const describeBurst = (url: string) => burst(READS, () => post(url, "DescribeCacheClusters", { CacheClusterId: "tagged" }));

export async function rowRestart(ctx: RowContext): Promise<RowResult[]> {
  const reps = ctx.quick ? 2 : 5;
  const fresh: number[] = [];
  const restart: number[] = [];
  for (let r = 0; r < reps; r++) {
    ctx.log(`row restart: repetition ${r + 1}/${reps}`);
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-bench-restart-"));
    const clis: Cli[] = [];
    try {
      let t0 = performance.now();
      const first = await startCli(dir);
      clis.push(first);
      await createAll(first.url);
      const ports = await waitAllAvailable(first.url);
      fresh.push(performance.now() - t0);
      // One key per Redis node, to check that the data comes back.
      for (const [id, port] of ports) {
        if (id.includes("redis") && !(await probeOnce(port, `SET restart ${id}\r\n`, /^\+OK/))) throw new Error(`SET on ${id} failed`);
      }
      first.proc.child.kill("SIGKILL");
      await first.proc.exited;

      t0 = performance.now();
      const second = await startCli(dir);
      clis.push(second);
      const back = await waitAllAvailable(second.url);
      restart.push(performance.now() - t0);
      for (const [id, port] of back) {
        if (port !== ports.get(id)) throw new Error(`${id} came back on port ${port}, not ${ports.get(id)}:\n${second.proc.output.join("\n")}`);
        if (id.includes("redis") && !(await probeOnce(port, "GET restart\r\n", new RegExp(`\\$\\d+\\r\\n${id}\\r\\n`)))) {
          throw new Error(`${id} lost its key across the restart`);
        }
      }
    } finally {
      for (const cli of clis) await stopTracked(cli.proc, 15_000);
      await rm(dir, { recursive: true, force: true });
    }
  }

  // Cost of the data dir for mutations and for reads: alternate with and without, one emulator each.
  const withDir: number[] = [];
  const without: number[] = [];
  const readsWithDir: number[] = [];
  const readsWithout: number[] = [];
  const tagReps = ctx.quick ? 3 : 7;
  const dir = await mkdtemp(join(tmpdir(), "elasticache-local-bench-commit-"));
  const persistent = await startCli(dir);
  let ephemeral: Cli | undefined;
  try {
    ephemeral = await startCli(undefined);
    const arn = "arn:aws:elasticache:us-east-1:000000000000:cluster:tagged";
    for (const cli of [persistent, ephemeral]) {
      await post(cli.url, "CreateCacheCluster", { CacheClusterId: "tagged", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 });
      // AWS tags a cluster only once it is available.
      const client = sdkClient(cli.url);
      await waitAvailable(client, "tagged").finally(() => client.destroy());
      await tagBurst(cli.url, arn); // warm-up
      await describeBurst(cli.url);
    }
    for (let i = 0; i < tagReps; i++) {
      if (i % 2 === 0) {
        withDir.push(await tagBurst(persistent.url, arn));
        without.push(await tagBurst(ephemeral.url, arn));
        readsWithDir.push(await describeBurst(persistent.url));
        readsWithout.push(await describeBurst(ephemeral.url));
      } else {
        without.push(await tagBurst(ephemeral.url, arn));
        withDir.push(await tagBurst(persistent.url, arn));
        readsWithout.push(await describeBurst(ephemeral.url));
        readsWithDir.push(await describeBurst(persistent.url));
      }
    }
  } finally {
    await stopTracked(persistent.proc, 15_000);
    if (ephemeral) await stopTracked(ephemeral.proc, 15_000);
    await rm(dir, { recursive: true, force: true });
  }

  return [
    row({
      id: "restart-a",
      name: "kill -9 + restart with 20 clusters -> all available",
      unit: "ms",
      ours: median(restart),
      baseline: median(fresh),
      baselineLabel: "same 20 created fresh",
      goal: { on: "ratio", op: "<=", value: 1.5 },
      note: `median of ${reps}; 10 Redis + 10 Memcached 1-node clusters; both sides from CLI spawn to the Describe that shows all 20 available; the killed emulator's 20 engines end on their own (SIGTERM from the kernel, Redis flushes its AOF) and checks every endpoint port and a Redis key`,
      samples: { restartMs: restart.map(round3), freshMs: fresh.map(round3) },
    }),
    row({
      id: "restart-b",
      name: `AddTagsToResource x${REQUESTS} (${IN_FLIGHT} in flight), data dir`,
      unit: "ms",
      ours: median(withDir),
      baseline: median(without),
      baselineLabel: "no data dir",
      note: `median of ${tagReps}; every mutation awaits an fsynced state write before its answer; concurrent commits share one write`,
      samples: { withDataDirMs: withDir.map(round3), withoutMs: without.map(round3) },
    }),
    row({
      id: "restart-c",
      name: `DescribeCacheClusters x${READS} (${IN_FLIGHT} in flight), data dir`,
      unit: "ms",
      ours: median(readsWithDir),
      baseline: median(readsWithout),
      baselineLabel: "no data dir",
      goal: { on: "ratio", op: "<=", value: 1.2 },
      note: `median of ${tagReps}; reads never write the state`,
      samples: { withDataDirMs: readsWithDir.map(round3), withoutMs: readsWithout.map(round3) },
    }),
  ];
}
