/**
 * All resources, kept per account and region as AWS does. In memory; the lifecycle
 * layer owns the processes, the store only the records.
 */
import type { CacheClusterRecord, EventRecord, ReplicationGroupRecord, Tag } from "./records.js";

export interface RegionKey {
  accountId: string;
  region: string;
}

export class RegionState {
  /**
   * Every field saved to the data dir and restored at start (state/persistence.ts): a new
   * collection is persisted by adding its name here. Values are plain data (Maps, arrays,
   * Dates, JSON values).
   */
  static readonly persisted: readonly string[] = ["clusters", "replicationGroups", "events", "tags", "nextEventSeq"];
  /** Persisted arrays whose items never change once added: each item is encoded once, not on every write. */
  static readonly appendOnly: readonly string[] = ["events"];

  readonly clusters = new Map<string, CacheClusterRecord>();
  readonly replicationGroups = new Map<string, ReplicationGroupRecord>();
  readonly events: EventRecord[] = [];
  /** Tags by resource ARN. */
  readonly tags = new Map<string, Tag[]>();

  constructor(readonly key: RegionKey) {}

  private nextEventSeq = 1;

  addEvent(event: Omit<EventRecord, "seq">): void {
    this.events.push({ ...event, seq: this.nextEventSeq++ });
    // AWS keeps 14 days of events; a cap keeps a long-running emulator bounded.
    if (this.events.length > 10_000) this.events.splice(0, this.events.length - 10_000);
  }
}

export class Store {
  private readonly regions = new Map<string, RegionState>();

  region(key: RegionKey): RegionState {
    const id = `${key.accountId}/${key.region}`;
    let state = this.regions.get(id);
    if (!state) {
      state = new RegionState(key);
      this.regions.set(id, state);
    }
    return state;
  }

  allRegions(): RegionState[] {
    return [...this.regions.values()];
  }

  clear(): void {
    this.regions.clear();
  }
}
