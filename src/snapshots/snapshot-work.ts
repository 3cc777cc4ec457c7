/**
 * The background work of a snapshot service (node-based or serverless): saves, copies,
 * exports and restores in flight, the restores that hold a snapshot `restoring`, and the
 * automatic snapshot clock's ticker. `stop()` ends the clock, makes saves give up
 * (`stopped`), and resolves once the work in flight has ended.
 */
import type { SnapshotClock } from "./schedule.js";

export class SnapshotWork {
  private readonly inFlight = new Set<Promise<void>>();
  /** Restores running from each snapshot: it shows `restoring` while there are any. */
  private readonly restores = new Map<{ status: string }, number>();
  private ticker: NodeJS.Timeout | undefined;
  private halted = false;

  /** True once stop() was called: saves in progress give up (saveRdb's isCancelled). */
  get stopped(): boolean {
    return this.halted;
  }

  track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  /** The snapshot shows `restoring` until `done` (the new resource is up, or failed). */
  restoring(snapshot: { status: string }, done: Promise<void>): void {
    this.restores.set(snapshot, (this.restores.get(snapshot) ?? 0) + 1);
    snapshot.status = "restoring";
    void this.track(
      done.finally(() => {
        const left = (this.restores.get(snapshot) ?? 1) - 1;
        if (left > 0) return void this.restores.set(snapshot, left);
        this.restores.delete(snapshot);
        if (snapshot.status === "restoring") snapshot.status = "available";
      }),
    );
  }

  /**
   * Runs `tick` on the clock: fine enough that no window is missed for long, coarse enough
   * to cost nothing at scale 1.
   */
  startTicker(clock: SnapshotClock, tick: () => void): void {
    const everyMs = clock.tickMs();
    this.ticker = setInterval(() => {
      if (!this.halted) tick();
    }, everyMs);
    this.ticker.unref();
  }

  async stop(): Promise<void> {
    this.halted = true;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    await this.settled();
  }

  /** Resolves once the work in flight now has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
