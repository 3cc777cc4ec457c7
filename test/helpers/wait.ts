/** Polls DescribeCacheClusters until a cluster reaches a status (or is gone), for tests. */
import { DescribeCacheClustersCommand, type CacheCluster, type ElastiCacheClient } from "@aws-sdk/client-elasticache";

export async function waitForCluster(
  client: ElastiCacheClient,
  id: string,
  status: string,
  timeoutMs = 30_000,
): Promise<CacheCluster> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const out = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }));
    const cluster = out.CacheClusters![0];
    last = cluster.CacheClusterStatus ?? "";
    if (last === status) return cluster;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`cluster ${id} did not reach ${status} within ${timeoutMs} ms (last status ${last})`);
}

export async function waitForClusterGone(client: ElastiCacheClient, id: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id }));
    } catch (error) {
      if ((error as { name?: string }).name === "CacheClusterNotFoundFault") return;
      throw error;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`cluster ${id} still exists after ${timeoutMs} ms`);
}
