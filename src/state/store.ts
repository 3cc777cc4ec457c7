/**
 * All resources, kept per account and region as AWS does. In memory; the lifecycle
 * layer owns the processes, the store only the records.
 */
import type { CacheSecurityGroupRecord, SubnetGroupRecord } from "./network.js";
import type {
  CacheClusterRecord,
  EventRecord,
  ParameterGroupRecord,
  ReplicationGroupRecord,
  SnapshotRecord,
  Tag,
  UserGroupRecord,
  UserRecord,
} from "./records.js";
import { seededDefaultUser } from "./users.js";

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
  static readonly persisted: readonly string[] = [
    "clusters",
    "replicationGroups",
    "events",
    "parameterGroups",
    "snapshots",
    "tags",
    "subnetGroups",
    "cacheSecurityGroups",
    "users",
    "userGroups",
    "nextEventSeq",
  ];
  /** Persisted arrays whose items never change once added: each item is encoded once, not on every write. */
  static readonly appendOnly: readonly string[] = ["events"];

  readonly clusters = new Map<string, CacheClusterRecord>();
  readonly replicationGroups = new Map<string, ReplicationGroupRecord>();
  readonly events: EventRecord[] = [];
  /** Custom cache parameter groups by (lowercase) name. */
  readonly parameterGroups = new Map<string, ParameterGroupRecord>();
  /** Node-based snapshots by name (they outlive their source). */
  readonly snapshots = new Map<string, SnapshotRecord>();
  /** Tags by resource ARN. */
  readonly tags = new Map<string, Tag[]>();
  /** Read through state/network.ts, which adds each region's `default` group. */
  readonly subnetGroups = new Map<string, SubnetGroupRecord>();
  readonly cacheSecurityGroups = new Map<string, CacheSecurityGroupRecord>();
  /** RBAC users by UserId; AWS seeds every region with the `default` user. */
  readonly users = new Map<string, UserRecord>();
  readonly userGroups = new Map<string, UserGroupRecord>();

  constructor(readonly key: RegionKey) {
    this.users.set("default", seededDefaultUser(key));
  }

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
