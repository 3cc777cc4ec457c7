/** The emulator under test, in process through the library API, and SDK helpers around it. */
import {
  CreateCacheClusterCommand,
  DeleteCacheClusterCommand,
  DescribeCacheClustersCommand,
  ElastiCacheClient,
  type CacheCluster,
  type CreateCacheClusterCommandInput,
} from "@aws-sdk/client-elasticache";
import { createEmulator, type Emulator, type EngineMode } from "../../src/index.js";
import { sleep } from "./procs.js";

export interface Harness {
  emulator: Emulator;
  client: ElastiCacheClient;
  stop(): Promise<void>;
}

export function sdkClient(url: string): ElastiCacheClient {
  return new ElastiCacheClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    maxAttempts: 1,
  });
}

/** Starts an emulator on port 0 with its own node port range; stop() is safe to call twice. */
export async function startEmulator(nodePorts: { from: number; to: number }, engineMode: EngineMode = "process"): Promise<Harness> {
  const emulator = createEmulator({ port: 0, logLevel: "warn", nodePorts, engineMode });
  try {
    await emulator.start();
  } catch (error) {
    await emulator.stop().catch(() => undefined);
    throw error;
  }
  const client = sdkClient(emulator.url);
  let stopped = false;
  return {
    emulator,
    client,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await emulator.stop();
    },
  };
}

export async function describeOne(client: ElastiCacheClient, id: string): Promise<CacheCluster | undefined> {
  try {
    const out = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }));
    return out.CacheClusters?.[0];
  } catch (error) {
    if ((error as { name?: string }).name === "CacheClusterNotFoundFault") return undefined;
    throw error;
  }
}

/** Polls every `pollMs` until the cluster is `available`; throws on a failure status or timeout. */
export async function waitAvailable(client: ElastiCacheClient, id: string, pollMs = 2, timeoutMs = 60_000): Promise<CacheCluster> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cluster = await describeOne(client, id);
    const status = cluster?.CacheClusterStatus;
    if (status === "available") return cluster!;
    if (status && !["creating", "modifying", "rebooting cache cluster nodes"].includes(status)) {
      throw new Error(`cluster ${id} went ${status} instead of available`);
    }
    if (Date.now() > deadline) throw new Error(`cluster ${id} not available within ${timeoutMs} ms (last status ${status})`);
    await sleep(pollMs);
  }
}

/**
 * CreateCacheCluster, then DescribeCacheClusters every `pollMs` until it says `available`.
 * Returns the elapsed milliseconds (send of the create -> the reply that says available).
 */
export async function createUntilAvailable(
  client: ElastiCacheClient,
  input: CreateCacheClusterCommandInput,
  pollMs = 2,
): Promise<{ ms: number; cluster: CacheCluster }> {
  const t0 = performance.now();
  await client.send(new CreateCacheClusterCommand(input));
  const cluster = await waitAvailable(client, input.CacheClusterId!, pollMs);
  return { ms: performance.now() - t0, cluster };
}

/** DeleteCacheCluster and wait until DescribeCacheClusters no longer knows it (its processes are stopped by then). */
export async function deleteAndWaitGone(client: ElastiCacheClient, id: string, timeoutMs = 30_000): Promise<void> {
  await client.send(new DeleteCacheClusterCommand({ CacheClusterId: id }));
  const deadline = Date.now() + timeoutMs;
  while ((await describeOne(client, id)) !== undefined) {
    if (Date.now() > deadline) throw new Error(`cluster ${id} still there ${timeoutMs} ms after DeleteCacheCluster`);
    await sleep(5);
  }
}

export function endpointPorts(cluster: CacheCluster): number[] {
  return (cluster.CacheNodes ?? []).map((n) => {
    const port = n.Endpoint?.Port;
    if (!port) throw new Error(`node ${n.CacheNodeId} of ${cluster.CacheClusterId} has no endpoint`);
    return port;
  });
}
