/**
 * The service updates the emulator offers (DescribeServiceUpdates), kept as data. Two kinds
 * of entries:
 * - fixed: AWS's own published entry with its own dates (the aws-cli example of
 *   describe-service-updates), long expired;
 * - relative: dates counted in days from the moment the emulator's clock started, so that a
 *   test with a fast clock (`--clock-scale`) sees the recommended apply-by date and the end
 *   date pass. Their names follow AWS's pattern with the release date in them.
 * Which resources an update applies to: its engines, from its minimum engine version on.
 */
import type { ServiceUpdateSeverity, ServiceUpdateStatus } from "../generated/elasticache.js";

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

export const SERVICE_UPDATE_ENTRIES: ServiceUpdateEntry[] = [
  {
    // AWS's own entry (aws-cli describe-service-updates example).
    fixed: { name: "elc-20191007-001", release: "2019-10-09T16:00:00Z", recommendedApplyBy: "2019-11-08T15:59:59Z", end: "2020-02-09T15:59:59Z" },
    severity: "important",
    type: "security-update",
    description: "Upgrades to improve the security, reliability, and operational performance of your ElastiCache nodes",
    appliesTo: [
      { engine: "redis", fromVersion: "2.6.13" },
      { engine: "memcached", fromVersion: "1.4.5" },
    ],
    engineText: "redis, memcached",
    engineVersionText: "redis 2.6.13 and onwards, memcached 1.4.5 and onwards",
    autoUpdateAfterRecommendedApplyByDate: false,
    estimatedUpdateTime: "30 minutes per node",
  },
  {
    // Critical: due 14 days after release, already past due; applied in the maintenance window.
    relative: { number: 1, releaseDaysBefore: 20, recommendedApplyByDays: 14, endDays: 120 },
    severity: "critical",
    type: "security-update",
    description: "Upgrades to improve the security, reliability, and operational performance of your ElastiCache nodes",
    appliesTo: [
      { engine: "redis", fromVersion: "6.0" },
      { engine: "valkey", fromVersion: "7.2" },
    ],
    engineText: "redis, valkey",
    engineVersionText: "redis 6.0 and onwards, valkey 7.2 and onwards",
    autoUpdateAfterRecommendedApplyByDate: true,
    estimatedUpdateTime: "15 minutes per node",
  },
  {
    relative: { number: 2, releaseDaysBefore: 3, recommendedApplyByDays: 30, endDays: 180 },
    severity: "important",
    type: "security-update",
    description: "Upgrades to improve the security, reliability, and operational performance of your ElastiCache nodes",
    appliesTo: [
      { engine: "redis", fromVersion: "4.0.10" },
      { engine: "valkey", fromVersion: "7.2" },
    ],
    engineText: "redis, valkey",
    engineVersionText: "redis 4.0.10 and onwards, valkey 7.2 and onwards",
    autoUpdateAfterRecommendedApplyByDate: false,
    estimatedUpdateTime: "10 minutes per node",
  },
  {
    relative: { number: 1, releaseDaysBefore: 5, recommendedApplyByDays: 60, endDays: 180 },
    severity: "medium",
    type: "engine-update",
    description: "Engine update with stability fixes for Memcached nodes",
    appliesTo: [{ engine: "memcached", fromVersion: "1.5.16" }],
    engineText: "memcached",
    engineVersionText: "memcached 1.5.16 and onwards",
    autoUpdateAfterRecommendedApplyByDate: false,
    estimatedUpdateTime: "5 minutes per node",
  },
  {
    relative: { number: 3, releaseDaysBefore: 40, recommendedApplyByDays: 90, endDays: 180 },
    severity: "low",
    type: "security-update",
    description: "Withdrawn update for Redis OSS nodes",
    appliesTo: [{ engine: "redis", fromVersion: "5.0.6" }],
    engineText: "redis",
    engineVersionText: "redis 5.0.6 and onwards",
    autoUpdateAfterRecommendedApplyByDate: false,
    estimatedUpdateTime: "10 minutes per node",
    cancelled: true,
  },
];

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
