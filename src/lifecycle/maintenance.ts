/**
 * Maintenance windows: when the emulator's clock (`--clock-scale`) enters a replication
 * group's or standalone cluster's PreferredMaintenanceWindow (`ddd:hh24:mi-ddd:hh24:mi`,
 * UTC, weekly), the changes left in PendingModifiedValues (ApplyImmediately=false) are
 * applied, and the service updates past their recommended apply-by date with
 * AutoUpdateAfterRecommendedApplyByDate are rolled through the nodes. A resource busy when
 * its window opens gets the work as soon as it is available again within that window.
 */
import type { Logger } from "../logger.js";
import type { CacheClusterRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState, Store } from "../state/store.js";
import type { EmulatorClock } from "./clock.js";
import { targetsOf, type UpdateActions, type UpdateTarget } from "./update-actions.js";

const MINUTE_MS = 60_000;
const WEEK_MS = 7 * 24 * 60 * MINUTE_MS;
/** 1970-01-04T00:00Z, a Sunday: weeks are counted from it. */
const FIRST_SUNDAY_MS = 3 * 24 * 60 * MINUTE_MS;
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** What a window applies; the composition root gives the actions' own apply functions. */
export interface PendingChanges {
  /** Applies a standalone cluster's pending changes; false when it had none. */
  cluster(region: RegionState, cluster: CacheClusterRecord): boolean;
  /** Applies a replication group's (and its members') pending changes; false when it had none. */
  group(region: RegionState, group: ReplicationGroupRecord): boolean;
}

export interface MaintenanceOptions {
  clock: EmulatorClock;
  store: Store;
  updates: UpdateActions;
  pending: PendingChanges;
  logger: Logger;
}

/** `ddd:hh24:mi-ddd:hh24:mi` -> the window's start and end in minutes after Sunday 00:00 UTC; undefined when malformed. */
export function parseMaintenanceWindow(window: string | undefined): { start: number; end: number } | undefined {
  const match = /^([a-z]{3}):(\d{2}):(\d{2})-([a-z]{3}):(\d{2}):(\d{2})$/i.exec(window ?? "");
  if (!match) return undefined;
  const at = (day: string, h: string, m: string) => {
    const d = DAYS.indexOf(day.toLowerCase());
    return d < 0 || Number(h) > 23 || Number(m) > 59 ? undefined : (d * 24 + Number(h)) * 60 + Number(m);
  };
  const start = at(match[1], match[2], match[3]);
  const end = at(match[4], match[5], match[6]);
  return start === undefined || end === undefined ? undefined : { start, end };
}

/** The latest start of a weekly window (minutes after Sunday 00:00) in (after, upTo], or undefined. */
export function windowOpenedBetween(startMinute: number, after: number, upTo: number): number | undefined {
  const offset = FIRST_SUNDAY_MS + startMinute * MINUTE_MS;
  const start = offset + Math.floor((upTo - offset) / WEEK_MS) * WEEK_MS;
  return start > after && start <= upTo ? start : undefined;
}

/** Whether clock time `at` is inside the weekly window. */
function insideWindow(window: { start: number; end: number }, at: number): boolean {
  const minute = Math.floor((((at - FIRST_SUNDAY_MS) % WEEK_MS) + WEEK_MS) % WEEK_MS / MINUTE_MS);
  return window.end > window.start ? minute >= window.start && minute < window.end : minute >= window.start || minute < window.end;
}

export class Maintenance {
  private ticker?: ReturnType<typeof setInterval>;
  /** Clock time each resource was last checked up to, by ARN. */
  private readonly checkedUpTo = new Map<string, number>();
  /** Resources whose window opened while they were busy: the work waits for them, by ARN. */
  private readonly due = new Set<string>();

  constructor(private readonly options: MaintenanceOptions) {}

  start(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), this.options.clock.tickMs());
    this.ticker.unref();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Forgets every resource (reset). */
  reset(): void {
    this.checkedUpTo.clear();
    this.due.clear();
  }

  /** One check of every resource's window (the ticker's; tests may call it). */
  tick(): void {
    const now = this.options.clock.now();
    for (const region of this.options.store.allRegions()) {
      for (const target of targetsOf(region)) {
        try {
          this.check(region, target, now);
        } catch (error) {
          this.options.logger.error("maintenance window work failed", { resource: idOf(target), error: (error as Error).message });
        }
      }
    }
  }

  private check(region: RegionState, target: UpdateTarget, now: number): void {
    const record = target.kind === "replication-group" ? target.group : target.cluster;
    const window = parseMaintenanceWindow(record.settings.preferredMaintenanceWindow);
    const since = this.checkedUpTo.get(record.arn);
    this.checkedUpTo.set(record.arn, now);
    if (!window) return;
    if (since !== undefined && windowOpenedBetween(window.start, since, now) !== undefined) this.due.add(record.arn);
    if (!this.due.has(record.arn)) return;
    if (record.status !== "available") {
      // Busy when the window opened: the work waits, but not past the window's end.
      if (!insideWindow(window, now)) this.due.delete(record.arn);
      return;
    }
    this.due.delete(record.arn);
    this.applyIn(region, target);
  }

  private applyIn(region: RegionState, target: UpdateTarget): void {
    const { pending, updates } = this.options;
    const changed = target.kind === "replication-group" ? pending.group(region, target.group) : pending.cluster(region, target.cluster);
    if (changed) this.options.logger.info("maintenance window: pending changes applied", { resource: idOf(target) });
    for (const update of updates.dueAutomatically(region, target)) {
      updates.apply(region, update, target, "system");
    }
  }
}

function idOf(target: UpdateTarget): string {
  return target.kind === "replication-group" ? target.group.id : target.cluster.id;
}
