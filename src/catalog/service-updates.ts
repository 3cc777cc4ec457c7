/**
 * The service updates the emulator offers (DescribeServiceUpdates), kept as data in
 * fixtures/aws/service-updates.json. Two kinds of entries:
 * - fixed: AWS's own published entry with its own dates (the aws-cli example of
 *   describe-service-updates), long expired;
 * - relative: dates counted in days from the moment the emulator's clock started, so that a
 *   test with a fast clock (`--clock-scale`) sees the recommended apply-by date and the end
 *   date pass. Their names follow AWS's pattern with the release date in them.
 * Which resources an update applies to: its engines, from its minimum engine version on.
 */
import { readFileSync } from "node:fs";
import type { ServiceUpdateSeverity, ServiceUpdateStatus } from "../generated/elasticache.js";
import { fixturePath } from "../paths.js";

const DAY_MS = 24 * 60 * 60_000;

/**
 * The model's ServiceUpdateType enum has only `security-update`; AWS's documentation also
 * lists `engine-update` and `engine-major-version-update`, and the SDKs accept any string.
 */
export type ServiceUpdateKind = "security-update" | "engine-update";

interface Common {
  severity: ServiceUpdateSeverity;
  type: ServiceUpdateKind;
  description: string;
  /** The engines it applies to, and from which version on. */
  appliesTo: Array<{ engine: "redis" | "valkey" | "memcached"; fromVersion: string }>;
  /** ServiceUpdate.Engine / EngineVersion, as AWS words them (free text). */
  engineText: string;
  engineVersionText: string;
  autoUpdateAfterRecommendedApplyByDate: boolean;
  estimatedUpdateTime: string;
  cancelled?: boolean;
}

export type ServiceUpdateEntry = Common &
  (
    | { fixed: { name: string; release: string; recommendedApplyBy: string; end: string } }
    | { relative: { number: number; releaseDaysBefore: number; recommendedApplyByDays: number; endDays: number } }
  );

/** One entry with its dates placed on the clock. */
export interface ServiceUpdateView extends Common {
  name: string;
  releaseDate: Date;
  recommendedApplyByDate: Date;
  endDate: Date;
}

/** The catalogue, kept as data: fixtures/aws/service-updates.json. */
export const SERVICE_UPDATE_ENTRIES: ServiceUpdateEntry[] = (
  JSON.parse(readFileSync(fixturePath("aws", "service-updates.json"), "utf8")) as { serviceUpdates: ServiceUpdateEntry[] }
).serviceUpdates;

/** Every entry with its dates placed on a clock that started (clock time) at `clockStart`. */
export function serviceUpdateViews(clockStart: number): ServiceUpdateView[] {
  return SERVICE_UPDATE_ENTRIES.map((entry) => {
    const { fixed: _fixed, relative: _relative, ...common } = entry as Common & { fixed?: unknown; relative?: unknown };
    if ("fixed" in entry) {
      return {
        ...common,
        name: entry.fixed.name,
        releaseDate: new Date(entry.fixed.release),
        recommendedApplyByDate: new Date(entry.fixed.recommendedApplyBy),
        endDate: new Date(entry.fixed.end),
      } as ServiceUpdateView;
    }
    const r = entry.relative;
    // Released at midnight UTC, as AWS's dates are day-aligned.
    const release = Math.floor((clockStart - r.releaseDaysBefore * DAY_MS) / DAY_MS) * DAY_MS;
    const day = new Date(release).toISOString().slice(0, 10).replace(/-/g, "");
    return {
      ...common,
      name: `elasticache-${day}-${String(r.number).padStart(3, "0")}`,
      releaseDate: new Date(release),
      recommendedApplyByDate: new Date(release + r.recommendedApplyByDays * DAY_MS - 1000),
      endDate: new Date(release + r.endDays * DAY_MS - 1000),
    } as ServiceUpdateView;
  });
}

/** available until its end date, then expired; a withdrawn one is cancelled. */
export function serviceUpdateStatus(update: ServiceUpdateView, now: number): ServiceUpdateStatus {
  if (update.cancelled) return "cancelled";
  return now > update.endDate.getTime() ? "expired" : "available";
}

/** Whether the update applies to an engine at a version. */
export function updateApplies(update: ServiceUpdateView, engine: string, version: string): boolean {
  return update.appliesTo.some((a) => a.engine === engine && compareVersions(version, a.fromVersion) >= 0);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
