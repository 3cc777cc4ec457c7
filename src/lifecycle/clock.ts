/**
 * The emulator's one calendar: real time sped up by the configured scale (`--clock-scale`).
 * Maintenance windows, automatic snapshots (node-based and serverless) and service update
 * dates all read it, so a test sees days and weeks pass in seconds, all together.
 */
export class EmulatorClock {
  /** Real time when the clock started; the clock reads the same then. */
  readonly realStart: number;

  constructor(
    readonly scale: number,
    realStart = Date.now(),
  ) {
    this.realStart = realStart;
  }

  /** Clock time, ms since the epoch. */
  now(): number {
    return this.realStart + (Date.now() - this.realStart) * this.scale;
  }

  /** Clock time as a Date. */
  date(): Date {
    return new Date(this.now());
  }

  /** Real milliseconds for `virtualMs` of clock time. */
  realMs(virtualMs: number): number {
    return virtualMs / this.scale;
  }

  /**
   * How often a scheduler ticks: fine enough that no window is missed for long (a tick every
   * five clock minutes), coarse enough to cost nothing at scale 1.
   */
  tickMs(): number {
    return Math.max(20, Math.min(30_000, this.realMs(5 * 60_000)));
  }
}
