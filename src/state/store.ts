/**
 * All resources, kept per scope as AWS does: per account and region (RegionState), and per
 * account across regions (AccountState: global datastores, whose ARNs have an empty
 * region). In memory; the lifecycle layer owns the processes, the store only the records.
 * Which collection holds which kind of resource, and which are persisted, is declared once
 * in state/resources.ts.
 */
import { regionDefaults } from "./defaults.js";
import type {
  AccountKey,
  CacheClusterRecord,
  CacheSecurityGroupRecord,
  EventRecord,
  GlobalReplicationGroupRecord,
  ParameterGroupRecord,
  RegionKey,
  ReplicationGroupRecord,
  ReservedCacheNodeRecord,
  ServerlessCacheRecord,
  ServerlessSnapshotRecord,
  SnapshotRecord,
  SubnetGroupRecord,
  Tag,
  UserGroupRecord,
  UserRecord,
} from "./records.js";

export type { AccountKey, RegionKey } from "./records.js";

export class RegionState {
  /** Persisted arrays whose items never change once added: each item is encoded once, not on every write. */
  static readonly appendOnly: readonly string[] = ["events"];

  readonly clusters = new Map<string, CacheClusterRecord>();
  readonly replicationGroups = new Map<string, ReplicationGroupRecord>();
  readonly events: EventRecord[] = [];
  /** Custom cache parameter groups by (lowercase) name (AWS's `default.*` groups come from the catalogue). */
  readonly parameterGroups = new Map<string, ParameterGroupRecord>();
  /** Node-based snapshots by name (they outlive their source). */
  readonly snapshots = new Map<string, SnapshotRecord>();
  /** Tags by resource ARN. */
  readonly tags = new Map<string, Tag[]>();
  /** Cache subnet groups by (lowercase) name, `default` included. */
  readonly subnetGroups = new Map<string, SubnetGroupRecord>();
  /** EC2-Classic cache security groups by (lowercase) name, `default` included. */
  readonly cacheSecurityGroups = new Map<string, CacheSecurityGroupRecord>();
  /** RBAC users by UserId, the seeded `default` user included. */
  readonly users = new Map<string, UserRecord>();
  readonly userGroups = new Map<string, UserGroupRecord>();
  /** Serverless caches by (lowercase) name. */
  readonly serverlessCaches = new Map<string, ServerlessCacheRecord>();
  /** Serverless cache snapshots by (lowercase) name (they outlive their cache). */
  readonly serverlessSnapshots = new Map<string, ServerlessSnapshotRecord>();
  /** Purchased reserved cache nodes by (lowercase) ReservedCacheNodeId. */
  readonly reservedCacheNodes = new Map<string, ReservedCacheNodeRecord>();

  constructor(readonly key: RegionKey) {
    this.seedDefaults();
  }

  private nextEventSeq = 1;

  addEvent(event: Omit<EventRecord, "seq">): void {
    this.events.push({ ...event, seq: this.nextEventSeq++ });
    // AWS keeps 14 days of events; a cap keeps a long-running emulator bounded.
    if (this.events.length > 10_000) this.events.splice(0, this.events.length - 10_000);
  }

  /** Adds AWS's region defaults that are missing (state/defaults.ts): at creation and after a restore. */
  seedDefaults(): void {
    const defaults = regionDefaults(this.key);
    for (const user of defaults.users) if (!this.users.has(user.id)) this.users.set(user.id, user);
    for (const group of defaults.subnetGroups) if (!this.subnetGroups.has(group.name)) this.subnetGroups.set(group.name, group);
    for (const group of defaults.cacheSecurityGroups) {
      if (!this.cacheSecurityGroups.has(group.name)) this.cacheSecurityGroups.set(group.name, group);
    }
  }
}

/** What an account keeps across regions: global datastores, and the tags on their ARNs. */
export class AccountState {
  /** Tags by resource ARN, for resources of this scope. */
  readonly tags = new Map<string, Tag[]>();
  /** Global datastores by id (lowercase). */
  readonly globalReplicationGroups = new Map<string, GlobalReplicationGroupRecord>();

  constructor(readonly key: AccountKey) {}
}

export class Store {
  private readonly regions = new Map<string, RegionState>();
  private readonly accounts = new Map<string, AccountState>();

  region(key: RegionKey): RegionState {
    const id = `${key.accountId}/${key.region}`;
    let state = this.regions.get(id);
    if (!state) {
      state = new RegionState({ accountId: key.accountId, region: key.region });
      this.regions.set(id, state);
    }
    return state;
  }

  account(accountId: string): AccountState {
    let state = this.accounts.get(accountId);
    if (!state) {
      state = new AccountState({ accountId });
      this.accounts.set(accountId, state);
    }
    return state;
  }

  allRegions(): RegionState[] {
    return [...this.regions.values()];
  }

  allAccounts(): AccountState[] {
    return [...this.accounts.values()];
  }

  clear(): void {
    this.regions.clear();
    this.accounts.clear();
  }
}
