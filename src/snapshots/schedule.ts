/**
 * When automatic snapshots happen: once a day, when the snapshot clock enters the
 * source's SnapshotWindow (UTC), on the emulator's clock (`--clock-scale`, lifecycle/clock.ts),
 * so tests see days pass in seconds.
 */
const DAY_MS = 24 * 60 * 60_000;

/** The snapshot clock is the emulator's one clock (lifecycle/clock.ts). */
export { EmulatorClock as SnapshotClock } from "../lifecycle/clock.js";

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
