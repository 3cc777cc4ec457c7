/**
 * A bare Redis Cluster built and resharded with redis-cli's own --cluster tooling: the
 * baseline for the emulator's resharding (what one does by hand without the emulator).
 * Nodes get an explicit cluster-port (the harness's ports sit where port + 10000 does not
 * exist), and a fresh directory for their nodes.conf files.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { REDIS_SERVER, scratchDir } from "./engines.js";
import { waitRedisPong } from "./probes.js";
import { freePort, runCommand, sleep, spawnTracked, stopTracked, type Tracked } from "./procs.js";
import { redisOnce } from "./resp.js";

export const REDIS_CLI = process.env.BENCH_REDIS_CLI ?? "/usr/bin/redis-cli";

type Range = { from: number; to: number };

export interface BareCluster {
  /** Every node's client port, in start order (the first is the entry point). */
  ports: number[];
  /** Adds one primary with `replicas` replicas, then rebalances slots onto it; resolves once consistent. */
  addShard(replicas: number): Promise<void>;
  stop(): Promise<void>;
}

async function cli(args: string[], timeoutMs = 120_000): Promise<string> {
  const out = await runCommand(REDIS_CLI, args, { timeoutMs });
  if (out.code !== 0) throw new Error(`redis-cli ${args.join(" ")} exited ${out.code ?? out.signal}:\n${(out.stdout + out.stderr).trim().slice(-1500)}`);
  return out.stdout;
}

/** `redis-cli --cluster check` until it finds every node agreeing and every slot covered. */
async function waitConsistent(entry: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await runCommand(REDIS_CLI, ["--cluster", "check", `127.0.0.1:${entry}`], { timeoutMs: 30_000 });
    if (out.code === 0 && /\[OK\] All nodes agree/.test(out.stdout) && /\[OK\] All 16384 slots covered/.test(out.stdout)) return;
    if (Date.now() > deadline) throw new Error(`bare cluster not consistent within ${timeoutMs} ms:\n${out.stdout.slice(-1000)}`);
    await sleep(20);
  }
}

/** Until the node at `port` has met node `id` (CLUSTER NODES lists it). */
async function waitKnown(port: number, id: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!String(await redisOnce(port, ["CLUSTER", "NODES"])).includes(id)) {
    if (Date.now() > deadline) throw new Error(`node ${port} does not know ${id} after ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** Until every node lists every other one in CLUSTER NODES (gossip has gone round). */
async function waitMesh(ports: number[], timeoutMs = 30_000): Promise<void> {
  const ids = await Promise.all(ports.map(async (p) => String(await redisOnce(p, ["CLUSTER", "MYID"]))));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const views = await Promise.all(ports.map(async (p) => String(await redisOnce(p, ["CLUSTER", "NODES"]))));
    if (views.every((v) => ids.every((id) => v.includes(id)))) return;
    if (Date.now() > deadline) throw new Error(`bare cluster nodes do not all know each other after ${timeoutMs} ms`);
    await sleep(5);
  }
}

export async function startBareCluster(primaries: number, replicas: number, ports: Range, busPorts: Range): Promise<BareCluster> {
  const dir = mkdtempSync(join(scratchDir(), "cluster-"));
  const procs: Tracked[] = [];
  const nodePorts: number[] = [];
  const spawnNode = async (): Promise<number> => {
    const port = await freePort(ports);
    const bus = await freePort(busPorts);
    procs.push(
      spawnTracked(
        REDIS_SERVER,
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-port", String(bus), "--cluster-config-file", `nodes-${port}.conf`],
        { cwd: dir },
      ),
    );
    nodePorts.push(port);
    return port;
  };
  const stop = async () => {
    await Promise.all(procs.map((p) => stopTracked(p)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const initial: number[] = [];
    for (let i = 0; i < primaries * (1 + replicas); i++) initial.push(await spawnNode());
    await Promise.all(initial.map((p) => waitRedisPong(p)));
    await cli(["--cluster", "create", ...initial.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", String(replicas), "--cluster-yes"]);
    await waitConsistent(initial[0]!);
  } catch (error) {
    await stop();
    throw error;
  }
  const entry = `127.0.0.1:${nodePorts[0]}`;
  return {
    ports: nodePorts,
    async addShard(shardReplicas: number) {
      const primary = await spawnNode();
      const reps: number[] = [];
      for (let i = 0; i < shardReplicas; i++) reps.push(await spawnNode());
      await Promise.all([primary, ...reps].map((p) => waitRedisPong(p, { intervalMs: 1 })));
      await cli(["--cluster", "add-node", `127.0.0.1:${primary}`, entry]);
      const id = String(await redisOnce(primary, ["CLUSTER", "MYID"]));
      await waitKnown(nodePorts[0]!, id);
      await waitConsistent(nodePorts[0]!);
      // Not `add-node --cluster-slave`: it sends CLUSTER REPLICATE before the new node has
      // heard of its master (ERR Unknown node) now and then. The same steps, with the wait.
      for (const r of reps) {
        await cli(["--cluster", "add-node", `127.0.0.1:${r}`, entry]);
        await waitKnown(r, id);
        await redisOnce(r, ["CLUSTER", "REPLICATE", id]);
      }
      await waitConsistent(nodePorts[0]!);
      await waitMesh(nodePorts);
      await waitConsistent(nodePorts[0]!);
      await cli(["--cluster", "rebalance", entry, "--cluster-use-empty-masters"], 600_000);
      await waitConsistent(nodePorts[0]!);
    },
    stop,
  };
}
