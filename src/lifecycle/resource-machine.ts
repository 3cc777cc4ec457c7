/**
 * The status machine every resource lifecycle shares (cache clusters, replication groups,
 * users and user groups; serverless caches and global datastores next). Actions store the
 * record in its transitional status (`creating`, `modifying`, `deleting`, ...) and hand it
 * here with a step; the machine runs the step's work in the resource's order, holds the
 * status for the configured minimum time (LifecycleDelays, like dynalite's createTableMs),
 * then ends it: `available` (or `removed`) with AWS's event. A step that fails leaves the
 * kind's failure status (`incompatible-network`, `create-failed`; a failed change returns
 * to `available`) and its event.
 *
 * Work on one resource runs in order, against a runtime object that holds its processes and
 * endpoints. stopAll() detaches every runtime, cancels every pending delay, lets work in
 * flight finish, then stops what it left running.
 */
import type { LifecycleDelays } from "../config.js";
import type { Logger } from "../logger.js";
import type { RegionState } from "../state/store.js";
import { emitEvent, type EventSourceType } from "./events.js";
import { CancelledError, Timers } from "./timers.js";

/** What the machine needs of a record: its key (an ARN, or any key unique among its kind) and its status. */
export interface Resource {
  readonly arn: string;
  status: string;
}

/** One family's part: its runtime, its event source, and what failing and settling mean for it. */
export interface MachineKind<T extends Resource, R> {
  /** In logs: "cache cluster", "replication group". */
  readonly label: string;
  /** DescribeEvents' SourceType; undefined: the family emits no events of its own. */
  readonly sourceType?: EventSourceType;
  /** The event's SourceIdentifier (default: the key). */
  sourceId?(record: T): string;
  newRuntime(): R;
  /** The status a step ends in (default `available`; reservations are `active`). */
  readonly readyStatus?: T["status"];
  /**
   * A step failed: the status it leaves (from the status the record is in; undefined keeps
   * it) and the event, AWS's wording where known.
   */
  failed(record: T, message: string): { status?: T["status"]; event?: string };
  /** The record reaches `available`: sub-statuses and progress of the change end too. */
  settle?(record: T): void;
  /** A deleted record leaves its collection. */
  remove?(region: RegionState, record: T): void;
}

/** A transition: how long the status holds at least, where it ends and what it announces. */
export interface Step<T extends Resource> {
  /** The configured minimum time in the transitional status; none when absent. */
  delay?: keyof LifecycleDelays;
  /** Where the step ends: `available` (the default) or the record removed. */
  ends?: "available" | "removed";
  /** The event once done (the work may return another text, e.g. "Added 2 replica(s)"). */
  event?: string;
  /** Events that come just before the step's own (e.g. each node added). */
  announce?(region: RegionState, record: T): void;
}

export interface ResourceMachineOptions {
  delays: LifecycleDelays;
  logger: Logger;
  /** Runs once each piece of work has ended (records may have changed: the state is committed). */
  onChange?: () => void;
}

export class ResourceMachine<T extends Resource, R> {
  private readonly work: SerialWork<R>;

  constructor(
    private readonly kind: MachineKind<T, R>,
    private readonly options: ResourceMachineOptions,
  ) {
    this.work = new SerialWork(
      () => kind.newRuntime(),
      () => options.onChange?.(),
    );
  }

  /**
   * Queues a step: `work` runs after what is queued already, the status holds at least the
   * step's delay from the moment the work started, then the step ends with its event. A
   * failure leaves the kind's failure status. Resolves when the step is over (done or failed).
   */
  transition(region: RegionState, record: T, step: Step<T>, work: (runtime: R) => Promise<string | void>): Promise<void> {
    return this.run(region, record, async (runtime) => {
      const started = Date.now();
      const event = await work(runtime);
      if (step.delay) await this.pause(record, runtime, started, this.options.delays[step.delay]);
      step.announce?.(region, record);
      if (step.ends === "removed") this.removed(region, record, event ?? step.event);
      else this.finish(region, record, event ?? step.event);
    });
  }

  /** Queues work in the resource's order; a failure leaves the kind's failure status. */
  run(region: RegionState, record: T, work: (runtime: R) => Promise<void>): Promise<void> {
    return this.work.run(record.arn, work, (error) => this.fail(region, record, error));
  }

  /**
   * Runs `work` in the resource's order (after what is queued, before what comes next), e.g.
   * a snapshot before a delete. Its failure is logged only: `work` reports its own outcome.
   */
  exclusive(record: T, work: () => Promise<void>): Promise<void> {
    return this.work.run(record.arn, work, (error) =>
      this.options.logger.error(`${this.kind.label} work failed`, { id: this.sourceId(record), error: messageOf(error) }),
    );
  }

  /** The resource is `available` (or the kind's ready status) again, with `event` when given. */
  finish(region: RegionState, record: T, event?: string): void {
    this.kind.settle?.(record);
    record.status = this.kind.readyStatus ?? "available";
    if (event) this.event(region, record, event);
  }

  /** A step failed: the kind's failure status and event, and a log line. */
  fail(region: RegionState, record: T, error: unknown): void {
    const message = messageOf(error);
    this.options.logger.error(`${this.kind.label} transition failed`, { id: this.sourceId(record), error: message });
    const outcome = this.kind.failed(record, message);
    if (outcome.status !== undefined) record.status = outcome.status;
    if (outcome.event) this.event(region, record, outcome.event);
  }

  /** An event about the resource (DescribeEvents). */
  event(region: RegionState, record: T, message: string): void {
    if (this.kind.sourceType) emitEvent(region, this.kind.sourceType, this.sourceId(record), message, record.arn);
  }

  /** The configured minimum time in a transitional status; throws CancelledError once detached. */
  pause(record: T, runtime: R, since: number, ms: number): Promise<void> {
    return this.work.pause(record.arn, runtime, since, ms);
  }

  runtime(record: T): R | undefined {
    return this.work.runtime(record.arn);
  }

  /** False once the resource was removed, reset or stopped: late callbacks then do nothing. */
  isCurrent(record: T, runtime: R): boolean {
    return this.work.isCurrent(record.arn, runtime);
  }

  /** Resolves when all work queued so far on the resource is done (tests, reset). */
  settled(record: T): Promise<void> {
    return this.work.settled(record.arn);
  }

  /**
   * The first half of stopAll, at once: every runtime is detached and every pending delay
   * cancelled, and new work is refused until stopAll has ended. Halting every machine before
   * stopping any lets work that waits on another machine's (a group on its members) end
   * without sitting out that machine's delays.
   */
  halt(): void {
    this.work.halt();
  }

  /** Stops every runtime with `stop` once its work in flight has ended; pending delays are cancelled. */
  stopAll(stop: (runtime: R) => Promise<void> = async () => undefined): Promise<void> {
    return this.work.stopAll(stop);
  }

  private removed(region: RegionState, record: T, event?: string): void {
    this.work.remove(record.arn);
    this.kind.remove?.(region, record);
    if (event) this.event(region, record, event);
  }

  private sourceId(record: T): string {
    return this.kind.sourceId?.(record) ?? record.arn;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface Entry<R> {
  runtime: R;
  queue: Promise<void>;
}

/** Ordered work per key, against a runtime object; cancellable pauses. */
class SerialWork<R> {
  private readonly entries = new Map<string, Entry<R>>();
  private readonly timers = new Timers();
  /** Set from halt() until stopAll() ends: the detached entries, to stop. */
  private halted: Array<Entry<R>> | undefined;

  /** `afterWork` runs once each piece of work has ended (records may have changed: the state is committed). */
  constructor(
    private readonly newRuntime: () => R,
    private readonly afterWork: () => void = () => undefined,
  ) {}

  runtime(key: string): R | undefined {
    return this.entries.get(key)?.runtime;
  }

  isCurrent(key: string, runtime: R): boolean {
    return this.entries.get(key)?.runtime === runtime;
  }

  /**
   * Queues work after what is queued already. A failure goes to `onError`, unless the work
   * was cancelled or the resource detached meanwhile. Resolves when this work is done.
   */
  run(key: string, work: (runtime: R) => Promise<void>, onError: (error: unknown) => void): Promise<void> {
    if (this.halted) return Promise.resolve();
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { runtime: this.newRuntime(), queue: Promise.resolve() };
      this.entries.set(key, entry);
    }
    const { runtime } = entry;
    entry.queue = entry.queue.then(async () => {
      if (!this.isCurrent(key, runtime)) return;
      try {
        await work(runtime);
      } catch (error) {
        if (error instanceof CancelledError || !this.isCurrent(key, runtime)) return;
        onError(error);
      } finally {
        this.afterWork();
      }
    });
    return entry.queue;
  }

  async pause(key: string, runtime: R, since: number, ms: number): Promise<void> {
    if (!this.isCurrent(key, runtime)) throw new CancelledError();
    await this.timers.atLeastSince(since, ms);
  }

  async settled(key: string): Promise<void> {
    await this.entries.get(key)?.queue;
  }

  /** The resource is gone: its runtime is dropped (call from within its own work). */
  remove(key: string): void {
    this.entries.delete(key);
  }

  halt(): void {
    if (this.halted) return;
    this.halted = [...this.entries.values()];
    this.entries.clear();
    this.timers.cancelAll();
  }

  async stopAll(stop: (runtime: R) => Promise<void>): Promise<void> {
    this.halt();
    const entries = this.halted ?? [];
    try {
      await Promise.all(
        entries.map(async (entry) => {
          await entry.queue;
          await stop(entry.runtime);
        }),
      );
    } finally {
      this.halted = undefined;
    }
  }
}
