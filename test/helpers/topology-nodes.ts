/** Real redis-server nodes for the topology tests, on ports 33000-34999 (bus ports +10000). */
import { afterAll } from "vitest";
import type { EngineNode } from "../../src/engines/engine.js";
import { PortPool, startOnFreePort, type PortRange } from "../../src/process/ports.js";
import { clusterNodeParams } from "../../src/engines/topology/cluster-params.js";
import { RedisServerDriver } from "../../src/engines/redis-driver.js";
import { REDIS_SERVER, haveRedis, spec } from "./engine-nodes.js";

export { haveRedis };

export const TOPOLOGY_RANGE: PortRange = { from: 33000, to: 34999 };
const pool = new PortPool();
export const driver = new RedisServerDriver(REDIS_SERVER, "redis-server");

/** Every node started here; stopped in afterAll of the importing file. */
const started = new Set<EngineNode>();
afterAll(async () => {
  await Promise.all([...started].map((n) => n.stop({ graceMs: 2000 }).catch(() => undefined)));
  started.clear();
});

export async function startRedis(params: (port: number) => Record<string, string> = () => ({})): Promise<EngineNode> {
  const node = await startOnFreePort(
    TOPOLOGY_RANGE,
    undefined,
    (port) => driver.start(spec("redis", port, { params: { "repl-diskless-sync-delay": "0", ...params(port) } })),
    { pool },
  );
  started.add(node);
  return node;
}

export function startRedisNodes(n: number, params?: (port: number) => Record<string, string>): Promise<EngineNode[]> {
  return Promise.all(Array.from({ length: n }, () => startRedis(params)));
}

export function startClusterNodes(n: number, announceHost = "127.0.0.1", nodeTimeoutMs = 5000): Promise<EngineNode[]> {
  return startRedisNodes(n, (port) => clusterNodeParams({ announceHost, port, nodeTimeoutMs }));
}

export async function stopNode(node: EngineNode): Promise<void> {
  await node.stop({ graceMs: 2000 });
  started.delete(node);
}

/** SIGKILL by pid (only nodes this file started), then wait for the exit to be seen. */
export async function killNode(node: EngineNode): Promise<void> {
  if (node.pid === undefined || !started.has(node)) throw new Error("not a node of this test");
  const exited = new Promise<void>((resolve) => node.onExit(() => resolve()));
  process.kill(node.pid, "SIGKILL");
  await exited;
}
