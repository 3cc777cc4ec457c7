/**
 * Polling for tests: one generic waitFor, and thin uses of it for the resources most tests wait on.
 * A new resource family needs no poller of its own: `waitFor(() => describeIt(), (it) => it.Status === "available")`.
 */
import {
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  type CacheCluster,
  type ElastiCacheClient,
  type ReplicationGroup,
} from "@aws-sdk/client-elasticache";

export interface WaitOptions<T> {
  /** Give up after this long (the last value is in the error). Default 30 s. */
  timeoutMs?: number;
  /** Pause between two reads. Default 20 ms. */
  intervalMs?: number;
  /** What is awaited, for the timeout error ("cluster c1 to be available"). */
  what?: string;
  /** The part of the last value worth showing in the timeout error (default: all of it). */
  show?: (value: T) => unknown;
}

/**
 * Reads with `describe` until `accept` holds for what it returns, and returns that value.
 * It always reads at least once; an error thrown by `describe` ends the wait (a describe
 * that may legitimately fail, e.g. while a resource is going away, maps that to a value).
 */
export async function waitFor<T>(describe: () => Promise<T>, accept: (value: T) => boolean, opts: WaitOptions<T> = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await describe();
    if (accept(value)) return value;
    if (Date.now() > deadline) {
      const shown = opts.show ? opts.show(value) : value;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? "the expected state"}; last value: ${render(shown)}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}

/** Waits until `check` holds (for effects that land asynchronously: a reaped pid, a client gone). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  opts: Omit<WaitOptions<boolean>, "show"> = {},
): Promise<void> {
  await waitFor(async () => check(), (ok) => ok, { timeoutMs: 5_000, intervalMs: 10, ...opts });
}

function render(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}

/** Marks a resource that a describe no longer finds, so a wait for deletion is a waitFor too. */
export const GONE = Symbol("gone");

/** `read()`, or GONE when it fails with the named not-found error; any other error is thrown. */
export function orGone<T>(read: () => Promise<T>, notFound: string): () => Promise<T | typeof GONE> {
  return () =>
    read().catch((error: { name?: string }) => {
      if (error.name === notFound) return GONE;
      throw error;
    });
}

export async function describeCluster(client: ElastiCacheClient, id: string): Promise<CacheCluster> {
  return (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0];
}

export function waitForCluster(client: ElastiCacheClient, id: string, status: string, timeoutMs = 30_000): Promise<CacheCluster> {
  return waitFor(() => describeCluster(client, id), (c) => c.CacheClusterStatus === status, {
    timeoutMs,
    what: `cluster ${id} to be ${status}`,
    show: (c) => ({ status: c.CacheClusterStatus, nodes: c.CacheNodes?.map((n) => n.CacheNodeStatus) }),
  });
}

export async function waitForClusterGone(client: ElastiCacheClient, id: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(orGone(() => describeCluster(client, id), "CacheClusterNotFoundFault"), (c) => c === GONE, {
    timeoutMs,
    what: `cluster ${id} to be deleted`,
    show: (c) => (c === GONE ? "gone" : { status: c.CacheClusterStatus }),
  });
}

export async function describeReplicationGroup(client: ElastiCacheClient, id: string): Promise<ReplicationGroup> {
  return (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups![0];
}

/** Polls DescribeReplicationGroups until `accept` holds for the group. */
export function waitForReplicationGroup(
  client: ElastiCacheClient,
  id: string,
  accept: (group: ReplicationGroup) => boolean,
  timeoutMs = 60_000,
): Promise<ReplicationGroup> {
  return waitFor(() => describeReplicationGroup(client, id), accept, {
    timeoutMs,
    what: `replication group ${id} to reach the expected state`,
    show: (g) => ({ status: g.Status, members: g.MemberClusters, pending: g.PendingModifiedValues }),
  });
}
