/**
 * How a new group gets a snapshot's data. Each primary starts from the source RDB that
 * covers most of its slots (an RDB loads at engine speed); keys of slots it does not own
 * are dropped before it joins the cluster. Keys no seed brought (another number of shards,
 * several RDBs for one shard) move afterwards from a temporary engine, by slot.
 */
import { parseSlots, SLOT_COUNT } from "../engines/topology/index.js";

export interface PlanSource {
  /** AWS Slots text when the RDB is a cluster mode shard's; undefined: keys of any slot. */
  slots?: string;
}

export interface RestorePlan {
  /** Per target (node group, in order): the index of the source its primary starts from. */
  seedOf: number[];
  /** Per source: the targets that need keys from it by MIGRATE (empty: none). */
  migrateTo: number[][];
}

/** Slots as a bitmap; undefined text means every slot. */
export function slotSet(text: string | undefined): Uint8Array {
  const set = new Uint8Array(SLOT_COUNT);
  if (!text) return set.fill(1);
  for (const [from, to] of parseSlots(text)) set.fill(1, from, to + 1);
  return set;
}

function overlap(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < SLOT_COUNT; i++) if (a[i] && b[i]) n++;
  return n;
}

/** `targets`: each node group's slots (undefined outside cluster mode: every slot). */
export function planRestore(sources: PlanSource[], targets: Array<string | undefined>): RestorePlan {
  const sourceSlots = sources.map((s) => slotSet(s.slots));
  const targetSlots = targets.map((t) => slotSet(t));
  const seedOf = targetSlots.map((t) => {
    let best = 0;
    let bestOverlap = -1;
    sourceSlots.forEach((s, i) => {
      const o = overlap(s, t);
      if (o > bestOverlap) [best, bestOverlap] = [i, o];
    });
    return best;
  });
  const migrateTo = sourceSlots.map((s, i) => targetSlots.flatMap((t, j) => (seedOf[j] !== i && overlap(s, t) > 0 ? [j] : [])));
  return { seedOf, migrateTo };
}
