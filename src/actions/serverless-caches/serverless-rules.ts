/**
 * Rules AWS applies to serverless caches, as pure checks that throw the AwsError AWS answers
 * with: names, engines and major versions, CacheUsageLimits, the snapshot settings, the
 * network ids, the user group, and the state a change needs.
 */
import { createHash } from "node:crypto";
import type { CacheUsageLimits } from "../../generated/elasticache.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { EngineKind } from "../../engine-terms.js";
import type { ServerlessCacheRecord, ServerlessUsageLimits } from "../../state/records.js";
import type { RegionState } from "../../state/store.js";
import { checkEngine, checkClusterId } from "../shared/engine-rules.js";
import { findUserGroup } from "../shared/lookups.js";

/** Major versions a serverless cache runs, newest first, and the full version AWS reports for each. */
const MAJOR_VERSIONS: Record<EngineKind, Array<{ major: string; full: string }>> = {
  valkey: [
    { major: "8", full: "8.1" },
    { major: "7", full: "7.2" },
  ],
  redis: [{ major: "7", full: "7.1" }],
  memcached: [{ major: "1.6", full: "1.6.22" }],
};

/** AWS's hard maxima per cache (RedisConfiguration.html): 5,000 GB of data, 15,000,000 ECPU/s. */
export const MAX_DATA_STORAGE_GB = 5000;
export const MAX_ECPU_PER_SECOND = 15_000_000;
export const MAX_SNAPSHOT_RETENTION_DAYS = 35;
export const MAX_DESCRIPTION_LENGTH = 255;

/** ServerlessCacheName: 1-40 letters, digits or hyphens, a letter first; stored lower-case. */
export function checkServerlessCacheName(name: string): string {
  return checkClusterId(name, "ServerlessCacheName", 40);
}

export function checkServerlessEngine(engine: string | undefined): EngineKind {
  return checkEngine(engine);
}

/** The major version asked for (default: the newest), and the full version AWS reports for it. */
export function checkMajorVersion(engine: EngineKind, major: string | undefined): { major: string; full: string } {
  const versions = MAJOR_VERSIONS[engine];
  if (major === undefined) return versions[0]!;
  const found = versions.find((v) => v.major === major || v.full === major);
  if (!found) {
    throw commonErrors.invalidParameterCombination(
      `Cannot find major version ${major} for engine ${engine}. Valid major versions: ${versions.map((v) => v.major).join(", ")}.`,
    );
  }
  return found;
}

/** Numeric order of two major versions ("7" < "8"). */
export function compareMajor(a: string, b: string): number {
  return Number.parseFloat(a) - Number.parseFloat(b);
}

export function checkDescription(description: string): string {
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw commonErrors.invalidParameterValue(`The parameter Description must be at most ${MAX_DESCRIPTION_LENGTH} characters long.`);
  }
  return description;
}

/**
 * CacheUsageLimits as AWS takes them: Minimum at most Maximum, within the per-cache maxima;
 * a limit with Minimum=Maximum=0 is removed. Returns the limits to keep (undefined: none).
 */
export function checkUsageLimits(limits: CacheUsageLimits): ServerlessUsageLimits | undefined {
  const out: ServerlessUsageLimits = {};
  const data = limits.DataStorage;
  if (data) {
    if (data.Unit !== "GB") throw commonErrors.invalidParameterValue(`Invalid value for DataStorage.Unit: ${data.Unit}. Valid values: GB.`);
    checkRange("DataStorage", data.Minimum, data.Maximum, MAX_DATA_STORAGE_GB);
    if (!(data.Maximum === 0 && (data.Minimum ?? 0) === 0)) out.dataStorage = { maximum: data.Maximum, minimum: data.Minimum, unit: "GB" };
  }
  const ecpu = limits.ECPUPerSecond;
  if (ecpu) {
    checkRange("ECPUPerSecond", ecpu.Minimum, ecpu.Maximum, MAX_ECPU_PER_SECOND);
    if (!(ecpu.Maximum === 0 && (ecpu.Minimum ?? 0) === 0)) out.ecpuPerSecond = { maximum: ecpu.Maximum, minimum: ecpu.Minimum };
  }
  return out.dataStorage || out.ecpuPerSecond ? out : undefined;
}

function checkRange(name: string, minimum: number | undefined, maximum: number | undefined, most: number): void {
  for (const [field, value] of [["Minimum", minimum], ["Maximum", maximum]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > most)) {
      throw commonErrors.invalidParameterValue(`Invalid value for ${name}.${field}: ${value}. It must be between 0 and ${most}.`);
    }
  }
  if (minimum !== undefined && maximum !== undefined && minimum > maximum) {
    throw commonErrors.invalidParameterValue(`${name}.Minimum (${minimum}) must not be greater than ${name}.Maximum (${maximum}).`);
  }
  if (maximum === 0 && (minimum ?? 0) !== 0) {
    throw commonErrors.invalidParameterValue(`${name}.Maximum must be greater than 0 unless Minimum is 0 too (both 0 remove the limit).`);
  }
}

export function checkSnapshotRetention(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_SNAPSHOT_RETENTION_DAYS) {
    throw commonErrors.invalidParameterValue(
      `Invalid value for SnapshotRetentionLimit: ${limit}. It must be between 0 and ${MAX_SNAPSHOT_RETENTION_DAYS} days.`,
    );
  }
  return limit;
}

/** DailySnapshotTime: HH:MM, UTC. */
export function checkDailySnapshotTime(time: string): string {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw commonErrors.invalidParameterValue(`Invalid value for DailySnapshotTime: ${time}. The format is HH:MM (UTC, 24-hour).`);
  return time;
}

/**
 * The DailySnapshotTime AWS assigns when none is given (every real output shows one): a
 * stable half hour derived from the cache's ARN here.
 */
export function assignedSnapshotTime(arn: string): string {
  const digest = createHash("sha256").update(arn).digest();
  const hour = digest[0]! % 24;
  const minute = digest[1]! % 2 === 0 ? "00" : "30";
  return `${String(hour).padStart(2, "0")}:${minute}`;
}

export function checkSecurityGroupIds(ids: string[]): string[] {
  const bad = ids.find((id) => !/^sg-[0-9a-f]{8,17}$/.test(id));
  if (bad !== undefined) throw commonErrors.invalidParameterValue(`Invalid security group id: ${bad}.`);
  return [...new Set(ids)];
}

export function checkSubnetIds(ids: string[]): string[] {
  const bad = ids.find((id) => !/^subnet-[0-9a-f]{8,17}$/.test(id));
  if (bad !== undefined) throw commonErrors.invalidParameterValue(`Invalid subnet id: ${bad}.`);
  return [...new Set(ids)];
}

/** A user group a serverless cache may use: Valkey/Redis only, existing, active, and of a fitting engine. */
export function checkServerlessUserGroup(state: RegionState, id: string, engine: EngineKind): string {
  if (engine === "memcached") throw commonErrors.invalidParameterCombination("UserGroupId is not supported for the memcached engine.");
  const group = findUserGroup(state, id);
  if (group.status !== "active") {
    throw modelError("InvalidUserGroupStateFault", `User group ${group.id} is not in the active state (current status: ${group.status}).`);
  }
  if (engine === "redis" && group.engine !== "redis") {
    throw commonErrors.invalidParameterCombination(`User group ${group.id} has engine ${group.engine}: a redis serverless cache can only use redis user groups.`);
  }
  return group.id;
}

/** Changes need an `available` cache. */
export function requireServerlessAvailable(cache: ServerlessCacheRecord, action: string): void {
  if (cache.status !== "available") {
    throw modelError(
      "InvalidServerlessCacheStateFault",
      `Serverless cache ${cache.name} is not in the available state (current status: ${cache.status}); it cannot be ${action}.`,
    );
  }
}
