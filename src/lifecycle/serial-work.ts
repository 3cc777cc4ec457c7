/**
 * Work on one resource (a cluster, a replication group) runs in order, against a runtime
 * object that holds its processes and endpoints. stopAll() detaches every runtime, cancels
 * every pending delay, lets work in flight finish, then stops what it left running.
 */
import { CancelledError, Timers } from "./timers.js";

interface Entry<R> {
  runtime: R;
  queue: Promise<void>;
}

export class SerialWork<R> {
  private readonly entries = new Map<string, Entry<R>>();
  private readonly timers = new Timers();

  /** `afterWork` runs once each piece of work has ended (records may have changed: the state is committed). */
  constructor(
    private readonly newRuntime: () => R,
    private readonly afterWork: () => void = () => undefined,
  ) {}

  runtime(key: string): R | undefined {
    return this.entries.get(key)?.runtime;
  }

  /** False once the resource was removed, reset or stopped: late callbacks then do nothing. */
  isCurrent(key: string, runtime: R): boolean {
    return this.entries.get(key)?.runtime === runtime;
  }

  /**
   * Queues work after what is queued already. A failure goes to `onError`, unless the work
   * was cancelled or the resource detached meanwhile. Resolves when this work is done.
   */
  run(key: string, work: (runtime: R) => Promise<void>, onError: (error: unknown) => void): Promise<void> {
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

  /** The configured minimum time in a transitional status; throws CancelledError once detached. */
  async pause(key: string, runtime: R, since: number, ms: number): Promise<void> {
    if (!this.isCurrent(key, runtime)) throw new CancelledError();
    await this.timers.atLeastSince(since, ms);
  }

  /** Resolves when all work queued so far on the resource is done. */
  async settled(key: string): Promise<void> {
    await this.entries.get(key)?.queue;
  }

  /** The resource is gone: its runtime is dropped (call from within its own work). */
  remove(key: string): void {
    this.entries.delete(key);
  }

  async stopAll(stop: (runtime: R) => Promise<void>): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    this.timers.cancelAll();
    await Promise.all(
      entries.map(async (entry) => {
        await entry.queue;
        await stop(entry.runtime);
      }),
    );
  }
}
