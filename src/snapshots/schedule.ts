/**
 * When automatic snapshots happen: once a day, when the snapshot clock enters the
 * source's SnapshotWindow (UTC). The snapshot clock is real time sped up by the
 * configured scale (`--snapshot-clock-scale`), so tests see days pass in seconds.
 */
const DAY_MS = 24 * 60 * 60_000;

export class SnapshotClock {
  private readonly realStart = Date.now();

  constructor(readonly scale: number) {}

  now(): number {
    return this.realStart + (Date.now() - this.realStart) * this.scale;
  }

  /** Real milliseconds for `virtualMs` of snapshot clock time. */
  realMs(virtualMs: number): number {
    return virtualMs / this.scale;
  }
}

/** "05:00-06:00" -> minutes after midnight UTC of the window's start; undefined when malformed. */
export function windowStartMinutes(window: string | undefined): number | undefined {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(window ?? "");
  if (!match) return undefined;
  const [h, m] = [Number(match[1]), Number(match[2])];
  return h < 24 && m < 60 ? h * 60 + m : undefined;
}

/** The window starts in (after, upTo]: the latest such start, or undefined. */
export function windowStartBetween(startMinutes: number, after: number, upTo: number): number | undefined {
  const dayOf = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
  for (let day = dayOf(upTo); day >= dayOf(after) - DAY_MS; day -= DAY_MS) {
    const start = day + startMinutes * 60_000;
    if (start > after && start <= upTo) return start;
  }
  return undefined;
}

/** AWS's name for an automatic snapshot: `automatic.<source id>-YYYY-MM-DD-HH-MM` (UTC). */
export function automaticSnapshotName(sourceId: string, at: number): string {
  const iso = new Date(at).toISOString(); // 2026-11-23T05:00:00.000Z
  return `automatic.${sourceId}-${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}`;
}

/** Whether an automatic snapshot taken at `takenAt` is past a retention of `days` at `now`. */
export function expired(takenAt: number, days: number, now: number): boolean {
  return now - takenAt >= days * DAY_MS;
}
