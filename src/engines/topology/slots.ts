/**
 * Redis Cluster hash slots: AWS's `Slots` text, even splits, key -> slot, and the plan
 * that moves slots between shards when their number changes. Pure functions.
 */

export const SLOT_COUNT = 16384;

/** An inclusive range of hash slots, `[from, to]`. */
export type SlotRange = [number, number];

/**
 * `n` contiguous ranges covering every slot, split the way `redis-cli --cluster create`
 * does (3 shards: 0-5460, 5461-10922, 10923-16383). One range per shard.
 */
export function evenSlots(n: number): SlotRange[][] {
  if (!Number.isInteger(n) || n < 1 || n > SLOT_COUNT) throw new RangeError(`cannot split the slots in ${n} shards`);
  const per = SLOT_COUNT / n;
  const out: SlotRange[][] = [];
  let first = 0;
  let cursor = 0;
  for (let i = 0; i < n; i++) {
    let last = Math.round(cursor + per - 1);
    if (last > SLOT_COUNT - 1 || i === n - 1) last = SLOT_COUNT - 1;
    if (last < first) last = first;
    out.push([[first, last]]);
    first = last + 1;
    cursor += per;
  }
  return out;
}

/**
 * Parses AWS's `Slots` text: `"0-5460"`, a comma list `"0-100,200-300"`, single slots
 * `"7"`. Throws RangeError on anything else (out of range, reversed, empty parts).
 */
export function parseSlots(text: string): SlotRange[] {
  if (text.trim() === "") throw new RangeError("empty Slots value");
  return normalizeRanges(
    text.split(",").map((part) => {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
      if (!m) throw new RangeError(`invalid Slots value: ${JSON.stringify(text)}`);
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Number(m[2]);
      if (from > to || to >= SLOT_COUNT) throw new RangeError(`invalid Slots value: ${JSON.stringify(text)}`);
      return [from, to] as SlotRange;
    }),
  );
}

/** AWS's `Slots` text for ranges or single slots: merged, sorted, `"0-100,200-300"` (a lone slot is `"7"`). */
export function formatSlots(slots: SlotRange[] | number[]): string {
  return toRanges(slots)
    .map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`))
    .join(",");
}

/** Every slot of the ranges, ascending, once. */
export function expandSlots(slots: SlotRange[] | number[]): number[] {
  const out: number[] = [];
  for (const [a, b] of toRanges(slots)) for (let s = a; s <= b; s++) out.push(s);
  return out;
}

/** Sorted, merged ranges from ranges or single slots. */
export function toRanges(slots: SlotRange[] | number[]): SlotRange[] {
  if (slots.length === 0) return [];
  if (typeof slots[0] === "number") {
    const sorted = [...new Set(slots as number[])].sort((a, b) => a - b);
    return normalizeRanges(sorted.map((s) => [s, s] as SlotRange));
  }
  return normalizeRanges(slots as SlotRange[]);
}

function normalizeRanges(ranges: SlotRange[]): SlotRange[] {
  const sorted = ranges.map(([a, b]) => [a, b] as SlotRange).sort((x, y) => x[0] - y[0]);
  const out: SlotRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

export function countSlots(slots: SlotRange[] | number[]): number {
  return toRanges(slots).reduce((n, [a, b]) => n + b - a + 1, 0);
}

// CRC16-CCITT (XMODEM), the hash of Redis Cluster.
const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

function crc16(buf: Buffer): number {
  let crc = 0;
  for (const byte of buf) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc;
}

/** The hash slot of a key, hash tags (`{user1}:a`) included, as CLUSTER KEYSLOT computes it. */
export function keySlot(key: string | Buffer): number {
  let buf = Buffer.isBuffer(key) ? key : Buffer.from(key);
  const open = buf.indexOf(0x7b /* { */);
  if (open >= 0) {
    const close = buf.indexOf(0x7d /* } */, open + 1);
    if (close > open + 1) buf = buf.subarray(open + 1, close);
  }
  return crc16(buf) % SLOT_COUNT;
}

export interface SlotOwner {
  id: string;
  slots: number[];
}

export interface SlotMove {
  from: string;
  to: string;
  slots: number[];
}

/**
 * The moves that spread the slots evenly over `targetIds` while moving as few slots as
 * possible: owners not in `targetIds` give all their slots away, owners above their fair
 * share give their highest slots, owners below it receive. Fair shares differ by at most
 * one slot; the first targets get the extra ones. Adding a shard thus takes about 1/n of
 * every existing shard; removing shards spreads their slots over the ones that stay.
 */
export function planRebalance(owners: SlotOwner[], targetIds: string[]): SlotMove[] {
  if (targetIds.length === 0) throw new RangeError("no shard to hold the slots");
  if (new Set(targetIds).size !== targetIds.length) throw new RangeError("duplicate target shard ids");
  const total = owners.reduce((n, o) => n + o.slots.length, 0);
  const base = Math.floor(total / targetIds.length);
  const extra = total % targetIds.length;
  const want = new Map(targetIds.map((id, i) => [id, base + (i < extra ? 1 : 0)]));
  const have = new Map(owners.map((o) => [o.id, [...o.slots].sort((a, b) => a - b)]));
  for (const id of targetIds) if (!have.has(id)) have.set(id, []);

  // Slots to give, per donor (highest first, so each donor keeps its low, contiguous part).
  const donors: Array<{ id: string; give: number[] }> = [];
  for (const [id, slots] of have) {
    const keep = want.get(id) ?? 0;
    if (slots.length > keep) donors.push({ id, give: slots.slice(keep) });
  }
  const receivers = targetIds
    .map((id) => ({ id, need: (want.get(id) ?? 0) - (have.get(id)?.length ?? 0) }))
    .filter((r) => r.need > 0);

  const moves = new Map<string, SlotMove>();
  let r = 0;
  for (const donor of donors) {
    let i = 0;
    while (i < donor.give.length) {
      const receiver = receivers[r];
      if (!receiver) throw new Error("slot plan does not add up"); // cannot happen: totals match
      const n = Math.min(receiver.need, donor.give.length - i);
      const key = `${donor.id}>${receiver.id}`;
      const move = moves.get(key) ?? { from: donor.id, to: receiver.id, slots: [] };
      move.slots.push(...donor.give.slice(i, i + n));
      moves.set(key, move);
      i += n;
      receiver.need -= n;
      if (receiver.need === 0) r++;
    }
  }
  return [...moves.values()];
}

/** A key (`prefix{n}`) whose hash slot is one of `ranges`. */
export function keyInSlots(ranges: SlotRange[], prefix = "elasticache-local:"): string {
  const owned = new Uint8Array(SLOT_COUNT);
  for (const [a, b] of ranges) owned.fill(1, a, b + 1);
  if (!owned.includes(1)) throw new RangeError("no slot to put a key in");
  for (let n = 0; ; n++) {
    const key = `${prefix}{${n}}`;
    if (owned[keySlot(key)]) return key;
  }
}
