/**
 * The state file of a data dir: the persisted fields of every region and every account
 * (which ones, the resource registry says: state/resources.ts persistedFields) as one JSON
 * document, written atomically (temp file, fsync, rename, fsync of the
 * directory) and read back at start.
 *
 * commit() is the durability point: it resolves once a write that began after the call is
 * on disk, so an API answer that awaited it survives a kill -9 of the emulator. Commits
 * that arrive while a write is in flight share the next write (at most one in flight and
 * one queued), so a burst of mutations costs a couple of writes, not one each.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { isAlive } from "../process/pid-registry.js";
import type { Logger } from "../logger.js";
import { persistedFields } from "./resources.js";
import { RegionState, type AccountKey, type AccountState, type RegionKey, type Store } from "./store.js";

export const STATE_FILE = "state.json";
/** Names the emulator that owns a data dir (its pid); one running emulator per data dir. */
export const LOCK_FILE = "emulator.lock";

/** Data dirs held by emulators of this process (a lock file alone cannot tell two of them apart). */
const heldHere = new Set<string>();
const FORMAT_VERSION = 1;

interface StateDocument {
  version: number;
  savedAt: string;
  regions: Array<{ key: RegionKey; fields: Record<string, unknown> }>;
  /** State that spans regions; absent from files written before it existed. */
  accounts?: Array<{ key: AccountKey; fields: Record<string, unknown> }>;
}

const regionFields = persistedFields("region");
const accountFields = persistedFields("account");

/** JSON with Dates, Maps and Sets tagged, so plain records round-trip exactly. */
export function encodeState(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, converted: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { $date: Number.isNaN(raw.getTime()) ? null : raw.toISOString() };
    if (raw instanceof Map) return { $map: [...raw.entries()] };
    if (raw instanceof Set) return { $set: [...raw] };
    return converted;
  });
}

/** Encoded items of append-only arrays (RegionState.appendOnly), by item: a long event log is not re-encoded on every write. */
const encodedItems = new WeakMap<object, string>();

function encodeAppendOnly(items: unknown[]): string {
  return `[${items
    .map((item) => {
      if (item === null || typeof item !== "object") return encodeState(item);
      let text = encodedItems.get(item);
      if (text === undefined) encodedItems.set(item, (text = encodeState(item)));
      return text;
    })
    .join(",")}]`;
}

/** The whole document, field by field (the same JSON encodeState would give). */
function encodeSnapshot(store: Store): string {
  const encodeScope = (scope: RegionState | AccountState, names: readonly string[]) => {
    const fields = names.map((name) => {
      const value = (scope as unknown as Record<string, unknown>)[name];
      const text = RegionState.appendOnly.includes(name) && Array.isArray(value) ? encodeAppendOnly(value) : encodeState(value ?? null);
      return `${JSON.stringify(name)}:${text}`;
    });
    return `{"key":${JSON.stringify(scope.key)},"fields":{${fields.join(",")}}}`;
  };
  const regions = store.allRegions().map((region) => encodeScope(region, regionFields));
  const accounts = store.allAccounts().map((account) => encodeScope(account, accountFields));
  return `{"version":${FORMAT_VERSION},"savedAt":${JSON.stringify(new Date().toISOString())},"regions":[${regions.join(",")}],"accounts":[${accounts.join(",")}]}`;
}

export function decodeState(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    const keys = Object.keys(value);
    if (keys.length !== 1) return value;
    const tagged = value as Record<string, unknown>;
    if (keys[0] === "$date") return new Date(tagged.$date === null ? Number.NaN : String(tagged.$date));
    if (keys[0] === "$map") return new Map(tagged.$map as Array<[unknown, unknown]>);
    if (keys[0] === "$set") return new Set(tagged.$set as unknown[]);
    return value;
  });
}

/** Fills a scope's field in place (its Maps and arrays are readonly members). */
function restoreField(scope: RegionState | AccountState, name: string, value: unknown): void {
  const target = scope as unknown as Record<string, unknown>;
  const current = target[name];
  if (current instanceof Map && value instanceof Map) {
    current.clear();
    for (const [k, v] of value) current.set(k, v);
  } else if (current instanceof Set && value instanceof Set) {
    current.clear();
    for (const v of value) current.add(v);
  } else if (Array.isArray(current) && Array.isArray(value)) {
    current.length = 0;
    for (const v of value) current.push(v);
  } else if (value !== undefined) {
    target[name] = value;
  }
}

export class StatePersister {
  readonly file: string;
  private writing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private closed = false;
  private lockFile: string | undefined;
  /** Nothing is written before the state on disk was read: a failed start must not overwrite it. */
  private loaded = false;

  constructor(
    dataDir: string,
    private readonly store: Store,
    private readonly logger: Logger,
  ) {
    this.file = path.join(dataDir, STATE_FILE);
  }

  /**
   * Claims the data dir: two running emulators on one dir would overwrite each other's
   * state. A lock left by an emulator that is gone (kill -9) is taken over.
   */
  async acquire(): Promise<void> {
    const dir = path.resolve(path.dirname(this.file));
    const lock = path.join(dir, LOCK_FILE);
    if (heldHere.has(dir)) throw new Error(`the data dir ${dir} is in use by another emulator in this process`);
    await fs.mkdir(dir, { recursive: true });
    const [ownerText, startText] = (await fs.readFile(lock, "utf8").catch(() => "")).trim().split(/\s+/);
    const owner = Number(ownerText);
    // A pid reused by another process since (a container restart) started at another time: not the owner.
    const sameProcess = async () => startText === undefined || (await processStartTime(owner)) === startText;
    if (owner > 0 && owner !== process.pid && (await isAlive(owner)) && (await sameProcess())) {
      throw new Error(`the data dir ${dir} is in use by the emulator with pid ${owner} (${lock})`);
    }
    await fs.writeFile(lock, `${process.pid} ${(await processStartTime(process.pid)) ?? ""}\n`);
    heldHere.add(dir);
    this.lockFile = lock;
  }

  /** Reads the state file into the store; false when there is none. A file that cannot be read stops the start. */
  async load(): Promise<boolean> {
    let text: string;
    try {
      text = await fs.readFile(this.file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      this.loaded = true;
      return false;
    }
    let doc: StateDocument;
    try {
      doc = decodeState(text) as StateDocument;
    } catch (error) {
      throw new Error(`the state file ${this.file} is not valid JSON (${(error as Error).message}); move it away to start empty`);
    }
    if (doc?.version !== FORMAT_VERSION || !Array.isArray(doc.regions)) {
      throw new Error(`the state file ${this.file} has an unknown format (version ${String(doc?.version)})`);
    }
    for (const { key, fields } of doc.regions) {
      const region = this.store.region(key);
      for (const name of regionFields) restoreField(region, name, fields[name]);
      region.seedDefaults();
    }
    for (const { key, fields } of doc.accounts ?? []) {
      const account = this.store.account(key.accountId);
      for (const name of accountFields) restoreField(account, name, fields[name]);
    }
    this.loaded = true;
    return true;
  }

  /** Resolves once the state as it is now (or newer) is on disk. */
  commit(): Promise<void> {
    if (this.closed || !this.loaded) return Promise.resolve();
    if (this.queued) return this.queued;
    if (!this.writing) return this.startWrite();
    const after = this.writing;
    this.queued = after.then(() => {
      this.queued = undefined;
      return this.startWrite();
    });
    return this.queued;
  }

  /**
   * Resolves once the writes begun so far are done (at once when none is). Reads wait for
   * it, so what the API shows (a cluster `available` on its ports) is on disk already.
   */
  written(): Promise<void> {
    return this.queued ?? this.writing ?? Promise.resolve();
  }

  /** Writes what is pending, then ignores later commits (the store is about to be cleared) and frees the data dir. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.commit();
    this.closed = true;
    if (this.lockFile) {
      heldHere.delete(path.dirname(this.lockFile));
      await fs.rm(this.lockFile, { force: true });
      this.lockFile = undefined;
    }
  }

  private startWrite(): Promise<void> {
    // The snapshot is taken now, when the write begins: it holds every change made before the commit.
    const text = encodeSnapshot(this.store);
    this.writing = writeAtomic(this.file, text)
      .catch((error) => this.logger.error("could not write the state file", { file: this.file, error: String(error) }))
      .finally(() => {
        this.writing = undefined;
      });
    return this.writing;
  }
}

/** A process's start time (clock ticks since boot, /proc/<pid>/stat field 22); undefined without /proc. */
async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await fs.open(tmp, "w", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
  // The rename itself is durable only once the directory is synced.
  const dirHandle = await fs.open(dir, "r");
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
