/** Polls Describe* until a cluster or replication group reaches a state (or is gone), for tests. */
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  type CacheCluster,
  type ElastiCacheClient,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";

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

export async function describeReplicationGroup(client: ElastiCacheClient, id: string): Promise<ReplicationGroup> {
  return (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0];
}

/** Polls DescribeReplicationGroups until `accept` holds for the group. */
export async function waitForReplicationGroup(
  client: ElastiCacheClient,
  id: string,
  accept: (group: ReplicationGroup) => boolean,
  timeoutMs = 60_000,
): Promise<ReplicationGroup> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const group = await describeReplicationGroup(client, id);
    if (accept(group)) return group;
    if (Date.now() > deadline) throw new Error(`replication group ${id} did not reach the expected state (status ${group.Status})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
