/**
 * Remembers the XML written for resources that carry an ARN (clusters, groups, users...),
 * so that a Describe page of unchanged resources is mostly copies of earlier text.
 *
 * The cache is keyed by shape and ARN and checked by content: an entry holds a copy of
 * the value it was written from, and is used only while the new value is deep-equal to
 * that copy. Nothing has to tell the cache that a record changed; a deep comparison costs
 * about a sixth of writing the XML again.
 */

/** Entries kept at most; the oldest go first. Enough for every resource of a busy emulator. */
const MAX_ENTRIES = 4096;

interface Entry {
  value: unknown;
  xml: string;
}

export class XmlMemo {
  private readonly entries = new Map<string, Entry>();

  /** The XML remembered for `key` when `value` equals what it was written from. */
  lookup(key: string, value: unknown): string | undefined {
    const entry = this.entries.get(key);
    return entry !== undefined && sameContent(value, entry.value) ? entry.xml : undefined;
  }

  remember(key: string, value: unknown, xml: string): string {
    // A copy: wire values may share arrays and Dates with records that change later.
    const entry = { value: structuredClone(value), xml: flatten(xml) };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
    return entry.xml;
  }
}

/** A text reused in many responses should not stay a rope of thousands of appended pieces. */
function flatten(text: string): string {
  return Buffer.from(text, "utf8").toString("utf8");
}

/** Deep equality of plain output values (objects, arrays, Dates, scalars); undefined members are absent. */
export function sameContent(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (b instanceof Date) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameContent(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let present = 0;
  for (const key in x) {
    const v = x[key];
    if (v === undefined) continue;
    present++;
    if (!sameContent(v, y[key])) return false;
  }
  for (const key in y) if (y[key] !== undefined) present--;
  return present === 0;
}
