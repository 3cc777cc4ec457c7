/**
 * One resource kept formed ahead of the create that will want it (a serverless cache's engine
 * pair: lifecycle/serverless-lifecycle.ts). `prepare(key)` forms one in the background unless
 * one for that key is ready or forming; `take(key)` hands it over (waiting for one still
 * forming), after which the pool holds nothing until the next `prepare`. At most one is kept:
 * preparing for another key ends the one held. A held one that breaks (`lost`) is ended and
 * not replaced until the next `prepare`, as is one `release`d (to give back what it holds).
 * `stop()` ends what is held and refuses to form more.
 */
import type { Logger } from "../logger.js";

export interface WarmPoolOptions<K, P> {
  /** Forms one for `key`; a rejection leaves the pool empty. */
  form(key: K): Promise<P>;
  /** Ends one that will not be taken (stops its processes, removes its files). */
  discard(pair: P): Promise<void>;
  sameKey(a: K, b: K): boolean;
  logger: Logger;
  /** In logs. */
  label: string;
}

interface Slot<K, P> {
  key: K;
  /** Resolves with the formed one, or undefined when forming failed or the slot was ended first. */
  formed: Promise<P | undefined>;
  /** Set once formed. */
  ready?: P;
  /** Ended (replaced, lost, stopped): what it formed is discarded, never handed over. */
  ended: boolean;
}

export class WarmPool<K, P> {
  private slot: Slot<K, P> | undefined;
  private stopped = false;
  /** Ends in progress (stop waits for them). */
  private readonly ending = new Set<Promise<void>>();

  constructor(private readonly options: WarmPoolOptions<K, P>) {}

  /** Forms one for `key` in the background, unless one for it is ready or forming (or the pool is stopped). */
  prepare(key: K): void {
    if (this.stopped) return;
    if (this.slot && this.options.sameKey(this.slot.key, key)) return;
    this.endSlot(this.slot);
    const slot: Slot<K, P> = { key, formed: Promise.resolve(undefined), ended: false };
    slot.formed = this.options.form(key).then(
      (pair) => {
        slot.ready = pair;
        if (!slot.ended) return pair;
        this.track(this.options.discard(pair));
        return undefined;
      },
      (error: unknown) => {
        this.options.logger.warn(`${this.options.label}: forming one ahead failed`, { error: error instanceof Error ? error.message : String(error) });
        if (this.slot === slot) this.slot = undefined;
        return undefined;
      },
    );
    this.slot = slot;
  }

  /** The one formed for `key`, now the caller's (waits while it forms); undefined when there is none. */
  take(key: K): Promise<P | undefined> {
    const slot = this.slot;
    if (this.stopped || !slot || !this.options.sameKey(slot.key, key)) return Promise.resolve(undefined);
    this.slot = undefined;
    return slot.formed;
  }

  /** What is held: nothing, one forming, or one ready to take. */
  get state(): "none" | "forming" | "ready" {
    if (!this.slot) return "none";
    return this.slot.ready === undefined ? "forming" : "ready";
  }

  /** The held one broke (a process of it ended): it is ended, and none is formed until the next prepare. */
  lost(pair: P): void {
    if (this.slot?.ready !== pair) return;
    this.options.logger.warn(`${this.options.label}: the one formed ahead broke; ending it`);
    this.endSlot(this.slot);
  }

  /** Ends what is held now (formed or forming); the next prepare forms one again. Resolves once it is ended. */
  async release(): Promise<void> {
    this.endSlot(this.slot);
    while (this.ending.size > 0) await Promise.all([...this.ending]);
  }

  /** Ends what is held and forms no more. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.release();
  }

  private endSlot(slot: Slot<K, P> | undefined): void {
    if (!slot) return;
    if (this.slot === slot) this.slot = undefined;
    slot.ended = true;
    if (slot.ready !== undefined) this.track(this.options.discard(slot.ready));
    // Still forming: what it forms is discarded when done (stop waits for that too).
    else this.track(slot.formed.then(() => undefined));
  }

  private track(work: Promise<void>): void {
    const done = work.catch((error: unknown) =>
      this.options.logger.warn(`${this.options.label}: ending one formed ahead failed`, { error: error instanceof Error ? error.message : String(error) }),
    );
    this.ending.add(done);
    void done.finally(() => this.ending.delete(done));
  }
}
