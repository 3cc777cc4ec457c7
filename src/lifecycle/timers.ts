/**
 * Delays owned by the emulator: every pending wait is cancelled by cancelAll(), so no
 * timer outlives stop().
 */
export class CancelledError extends Error {
  constructor() {
    super("cancelled: the emulator is stopping");
    this.name = "CancelledError";
  }
}

export class Timers {
  private readonly pending = new Set<{ timer: NodeJS.Timeout; reject: (e: Error) => void }>();

  /** Resolves after ms (at once for 0); rejects with CancelledError on cancelAll(). */
  delay(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve();
        }, ms),
        reject,
      };
      this.pending.add(entry);
    });
  }

  /** Waits until at least ms have passed since `since` (a Date.now() value). */
  atLeastSince(since: number, ms: number): Promise<void> {
    return this.delay(since + ms - Date.now());
  }

  cancelAll(): void {
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new CancelledError());
    }
    this.pending.clear();
  }
}
