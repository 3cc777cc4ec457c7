/**
 * Row 20: memcached SET/GET throughput through a Memcached cache node endpoint that answers
 * Auto Discovery (the default, --memcached-node-discovery on: a listener of ours in front of
 * memcached) vs a bare memcached, in the same run. 18b: the same node endpoint with
 * --memcached-node-discovery off (memcached itself). 18c: the smallest Node byte pipe
 * (lib/pipe-proxy.mjs) in front of a bare memcached: what one Node hop costs by itself,
 * without reading the commands. Each of CONNECTIONS connections keeps one
 * request in flight (set, then get of the same key), text protocol; ops/s over the measured
 * window after a warm-up.
 */
import net from "node:net";
import { PORTS, type RowContext } from "../lib/context.js";
import { createUntilAvailable, endpointPorts, startEmulator } from "../lib/emulator.js";
import { spawnBareMemcached } from "../lib/engines.js";
import { waitMemcachedVersion } from "../lib/probes.js";
import { freePort, spawnTracked, stopTracked } from "../lib/procs.js";
import { fileURLToPath } from "node:url";
import { row, type RowResult } from "../lib/report.js";
import { median, round3 } from "../lib/stats.js";

const CONNECTIONS = 8;
const VALUE = "x".repeat(100);

/** One connection's loop: `set k` then `get k`, one request in flight; counts completed requests after `warm`. */
function connectionLoop(port: number, id: number, until: { warm: number; end: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    const key = `bench-${id}`;
    const set = Buffer.from(`set ${key} 0 0 ${VALUE.length}\r\n${VALUE}\r\n`);
    const get = Buffer.from(`get ${key}\r\n`);
    let done = 0;
    let pending = "";
    let expect: "STORED\r\n" | "END\r\n" = "STORED\r\n";
    const send = () => {
      const now = performance.now();
      if (now >= until.end) {
        socket.end();
        return resolve(done);
      }
      expect = expect === "END\r\n" ? "STORED\r\n" : "END\r\n";
      socket.write(expect === "STORED\r\n" ? set : get);
    };
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1");
      if (!pending.endsWith(expect)) return;
      pending = "";
      if (performance.now() >= until.warm) done++;
      send();
    });
    socket.on("error", reject);
    socket.on("connect", () => {
      expect = "END\r\n"; // the first send flips it to a set
      send();
    });
  });
}

async function opsPerSecond(port: number, warmupMs: number, durationMs: number): Promise<number> {
  const start = performance.now();
  const until = { warm: start + warmupMs, end: start + warmupMs + durationMs };
  const counts = await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => connectionLoop(port, i, until)));
  return counts.reduce((a, b) => a + b, 0) / (durationMs / 1000);
}

export async function rowMemcachedNodeEndpoint(ctx: RowContext): Promise<RowResult[]> {
  const reps = ctx.quick ? 2 : 5;
  const warmupMs = 500;
  const durationMs = ctx.quick ? 1000 : 3000;
  const range = PORTS.memcachedNode.emulator;
  const half = Math.floor((range.from + range.to) / 2);
  const on = await startEmulator({ from: range.from, to: half }, "process");
  const off = await startEmulator({ from: half + 1, to: range.to }, "process", { cliArgs: ["--memcached-node-discovery", "off"], options: { memcachedNodeDiscovery: false } });
  const barePort = await freePort(PORTS.memcachedNode.bare);
  const bare = spawnBareMemcached(barePort);
  const pipePort = await freePort(PORTS.memcachedNode.bare);
  const pipe = spawnTracked(process.execPath, [fileURLToPath(new URL("../lib/pipe-proxy.mjs", import.meta.url)), String(pipePort), String(barePort)]);
  const piped: number[] = [];
  const ours: number[] = [];
  const plain: number[] = [];
  const base: number[] = [];
  try {
    const spec = { CacheClusterId: `bench-mcnode-${process.pid}`, Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 };
    const [nodeOn] = endpointPorts((await createUntilAvailable(on, spec, 5)).cluster);
    const [nodeOff] = endpointPorts((await createUntilAvailable(off, spec, 5)).cluster);
    await waitMemcachedVersion(barePort, { intervalMs: 5 });
    await waitMemcachedVersion(pipePort, { intervalMs: 5 });
    for (let i = 0; i < reps; i++) {
      ctx.log(`row 20: repetition ${i + 1}/${reps}`);
      // Rotate the order so that drift on a busy machine hits every side alike.
      const runs: Array<[number[], number]> = [
        [ours, nodeOn!],
        [base, barePort],
        [plain, nodeOff!],
        [piped, pipePort],
      ];
      for (let k = 0; k < runs.length; k++) {
        const [samples, port] = runs[(i + k) % runs.length]!;
        samples.push(await opsPerSecond(port, warmupMs, durationMs));
      }
    }
  } finally {
    await stopTracked(pipe);
    await stopTracked(bare);
    await on.stop();
    await off.stop();
  }
  const note = `median of ${reps} runs of ${durationMs} ms after ${warmupMs} ms warm-up; ${CONNECTIONS} connections, one request in flight each, set+get of a ${VALUE.length}-byte value, text protocol`;
  return [
    row({
      id: "20a",
      name: "memcached set/get via a node endpoint answering Auto Discovery (default)",
      unit: "ops/s",
      ours: median(ours),
      baseline: median(base),
      baselineLabel: "bare memcached",
      goal: { on: "ratio", op: ">=", value: 0.9 },
      note,
      samples: { ours: ours.map(round3), baseline: base.map(round3) },
    }),
    row({
      id: "20b",
      name: "memcached set/get via a node endpoint, --memcached-node-discovery off",
      unit: "ops/s",
      ours: median(plain),
      baseline: median(base),
      baselineLabel: "bare memcached",
      goal: { on: "ratio", op: ">=", value: 0.9 },
      note,
      samples: { ours: plain.map(round3), baseline: base.map(round3) },
    }),
    row({
      id: "20c",
      name: "memcached set/get via a bare Node byte pipe (reference: one Node hop)",
      unit: "ops/s",
      ours: median(piped),
      baseline: median(base),
      baselineLabel: "bare memcached",
      note,
      samples: { ours: piped.map(round3), baseline: base.map(round3) },
    }),
  ];
}
