/**
 * Purchased reserved cache nodes through AWS's states (resource-machine.ts): a purchase is
 * `payment-pending`, then `active` once paid. No engine runs for a reservation, and
 * DescribeEvents has no source type for reservations, so AWS reports no event for them.
 */
import type { LifecycleDelays } from "../config.js";
import type { Logger } from "../logger.js";
import type { ReservedCacheNodeRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import { ResourceMachine, type MachineKind, type Step } from "./resource-machine.js";

export interface ReservedNodeLifecycleOptions {
  delays: LifecycleDelays;
  logger: Logger;
  onChange?: () => void;
}

const reservationKind: MachineKind<ReservedCacheNodeRecord, object> = {
  label: "reserved cache node",
  newRuntime: () => ({}),
  readyStatus: "active",
  failed: () => ({ status: "payment-failed" }),
};

/** Payment holds the state `payment-pending` at least the configured create delay (AWS: a few minutes). */
const payment: Step<ReservedCacheNodeRecord> = { delay: "createMs" };

export class ReservedNodeLifecycle {
  private readonly machine: ResourceMachine<ReservedCacheNodeRecord, object>;

  constructor(options: ReservedNodeLifecycleOptions) {
    this.machine = new ResourceMachine(reservationKind, options);
  }

  /** The record is stored `payment-pending`: it becomes `active`. */
  purchased(region: RegionState, reservation: ReservedCacheNodeRecord): void {
    void this.machine.transition(region, reservation, payment, async () => undefined);
  }

  settled(reservation: ReservedCacheNodeRecord): Promise<void> {
    return this.machine.settled(reservation);
  }

  halt(): void {
    this.machine.halt();
  }

  stopAll(): Promise<void> {
    return this.machine.stopAll();
  }
}
