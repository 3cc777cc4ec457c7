/**
 * Keys in a Redis Cluster for the resharding row: written per primary by slot (pipelined
 * raw RESP, no cluster client), and verified the same way: every primary's DBSIZE, and a
 * GET of every key at the primary that owns its slot now.
 */
import { sleep } from "./procs.js";
import { clusterSlots, keysByOwner, pipelined, redisOnce, RespError, slotTable, type SlotOwner } from "./resp.js";

export const keyName = (i: number): string => `bench:key:${i}`;
export const valueOf = (i: number): string => `value-${i}`;

/** SETs keys 0..n-1 at the primaries that own them, as `entryPort`'s CLUSTER SLOTS says. */
export async function loadKeys(entryPort: number, n: number): Promise<void> {
  const table = slotTable(await clusterSlots(entryPort));
  const keys = Array.from({ length: n }, (_, i) => keyName(i));
  const index = new Map(keys.map((k, i) => [k, i]));
  await Promise.all(
    [...keysByOwner(keys, table)].map(async ([port, owned]) => {
      const replies = await pipelined(port, owned.map((k) => ["SET", k, valueOf(index.get(k)!)]));
      const bad = replies.findIndex((r) => r !== "OK");
      if (bad >= 0) throw new Error(`SET ${owned[bad]} on ${port} answered ${String(replies[bad])}`);
    }),
  );
}

export interface ClusterCensus {
  /** DBSIZE per primary port. */
  dbsize: Map<number, number>;
  total: number;
  slots: SlotOwner[];
}

/** DBSIZE of every primary in `entryPort`'s CLUSTER SLOTS. */
export async function census(entryPort: number): Promise<ClusterCensus> {
  const slots = await clusterSlots(entryPort);
  const dbsize = new Map<number, number>();
  for (const port of new Set(slots.map((s) => s.port))) dbsize.set(port, Number(await redisOnce(port, ["DBSIZE"])));
  return { dbsize, total: [...dbsize.values()].reduce((a, b) => a + b, 0), slots };
}

/**
 * Throws unless the cluster is whole: every slot owned once, `primaries` primaries each
 * with `replicas` replicas, DBSIZEs summing to n, and every key readable with its value at
 * the primary that owns its slot.
 */
export async function verifyKeys(entryPort: number, n: number, layout: { primaries: number; replicas: number }): Promise<ClusterCensus> {
  const c = await census(entryPort);
  const table = slotTable(c.slots);
  const primaries = new Set(c.slots.map((s) => s.port));
  if (primaries.size !== layout.primaries) throw new Error(`CLUSTER SLOTS names ${primaries.size} primaries, expected ${layout.primaries}`);
  const short = c.slots.find((s) => s.replicas.length !== layout.replicas);
  if (short) throw new Error(`slots ${short.from}-${short.to} (primary ${short.port}) have ${short.replicas.length} replicas, expected ${layout.replicas}`);
  if (c.total !== n) throw new Error(`DBSIZE over the primaries sums to ${c.total}, expected ${n} (${JSON.stringify([...c.dbsize])})`);
  const keys = Array.from({ length: n }, (_, i) => keyName(i));
  const index = new Map(keys.map((k, i) => [k, i]));
  let found = 0;
  await Promise.all(
    [...keysByOwner(keys, table)].map(async ([port, owned]) => {
      const replies = await pipelined(port, owned.map((k) => ["GET", k]));
      replies.forEach((r, i) => {
        const key = owned[i]!;
        if (r instanceof RespError) throw new Error(`GET ${key} on ${port}: ${r.message}`);
        if (r !== valueOf(index.get(key)!)) throw new Error(`GET ${key} on ${port} answered ${JSON.stringify(r)}`);
        found++;
      });
    }),
  );
  if (found !== n) throw new Error(`only ${found} of ${n} keys read back`);
  return c;
}

/** Keys that arrived somewhere: the growth of every primary between two censuses (new primaries count whole). */
export function keysMoved(before: ClusterCensus, after: ClusterCensus): number {
  let moved = 0;
  for (const [port, size] of after.dbsize) moved += Math.max(0, size - (before.dbsize.get(port) ?? 0));
  return moved;
}

/**
 * Polls CLUSTER SLOTS until it shows `primaries` primaries with `replicas` replicas each.
 * Redis lists a replica there only once it has synced (a non-zero replication offset), so
 * this is also "every replica is usable".
 */
export async function waitSlotsLayout(entryPort: number, layout: { primaries: number; replicas: number }, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = "";
  for (;;) {
    const slots = await clusterSlots(entryPort);
    const primaries = new Set(slots.map((s) => s.port)).size;
    if (primaries === layout.primaries && slots.every((s) => s.replicas.length === layout.replicas)) return;
    seen = JSON.stringify(slots.map((s) => [s.from, s.to, s.port, s.replicas.length]));
    if (Date.now() > deadline) throw new Error(`CLUSTER SLOTS of ${entryPort} not ${layout.primaries}x(1+${layout.replicas}) within ${timeoutMs} ms: ${seen}`);
    await sleep(5);
  }
}
