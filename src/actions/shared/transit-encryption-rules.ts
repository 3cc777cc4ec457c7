/**
 * AWS's rules for TLS in transit (TransitEncryptionEnabled / TransitEncryptionMode) on
 * create and modify, as pure functions that return the resulting setting or throw the
 * AwsError AWS answers.
 */
import type { EngineKind, TransitEncryptionMode } from "../../engines/engine.js";
import { commonErrors } from "../../protocol/aws-error.js";

export interface TransitEncryption {
  enabled: boolean;
  /** Set when enabled. */
  mode?: TransitEncryptionMode;
}

/** Memcached supports TLS from 1.6.12; Redis OSS from 3.2.6 (every version offered here). */
const MEMCACHED_TLS_FROM = "1.6.12";
/** Changing TLS on an existing replication group needs Redis OSS 7.0 or later (any Valkey). */
const REDIS_TLS_MODIFY_FROM = "7.0";

/**
 * A cache asking for TLS in transit (with it, AUTH tokens and user groups) on an engine that
 * would run as the embedded subset, which has neither TLS nor ACLs: refused with the reason,
 * rather than a cache that runs open or never starts.
 */
export function checkTlsAvailable(ctx: { services: { tlsUnavailable(engine: EngineKind, engineVersion: string): string | undefined } }, engine: EngineKind, engineVersion: string, enabled: boolean): void {
  if (!enabled) return;
  const reason = ctx.services.tlsUnavailable(engine, engineVersion);
  if (reason) throw commonErrors.invalidParameterCombination(reason);
}

/** "6.x" < "7.0" <= "7.0.5"; a missing or "x" component counts as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((p) => Number(p) || 0);
  const pb = b.split(".").map((p) => Number(p) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function checkTransitEncryptionMode(mode: string | undefined): TransitEncryptionMode | undefined {
  if (mode === undefined) return undefined;
  if (mode !== "preferred" && mode !== "required") {
    throw commonErrors.invalidParameterValue(`Invalid value for TransitEncryptionMode: ${mode}. Valid values are preferred and required.`);
  }
  return mode;
}

/** CreateCacheCluster / CreateReplicationGroup. Enabled without a mode is `required`. */
export function transitEncryptionOnCreate(
  engine: EngineKind,
  engineVersion: string,
  enabled: boolean | undefined,
  modeText?: string,
): TransitEncryption {
  const mode = checkTransitEncryptionMode(modeText);
  if (mode !== undefined && !enabled) {
    throw commonErrors.invalidParameterCombination("TransitEncryptionMode can only be set when TransitEncryptionEnabled is true.");
  }
  if (!enabled) return { enabled: false };
  if (engine === "memcached" && compareVersions(engineVersion, MEMCACHED_TLS_FROM) < 0) {
    throw commonErrors.invalidParameterCombination(
      `Encryption in transit is supported for Memcached version ${MEMCACHED_TLS_FROM} and later, not ${engineVersion}.`,
    );
  }
  return { enabled: true, mode: mode ?? "required" };
}

/**
 * ModifyReplicationGroup. The migration path AWS allows: off -> preferred (both in one
 * request), preferred -> required, required -> preferred, preferred -> off. Undefined when
 * nothing changes.
 */
export function transitEncryptionOnModify(
  engine: EngineKind,
  engineVersion: string,
  current: TransitEncryption,
  enabledInput: boolean | undefined,
  modeText: string | undefined,
): TransitEncryption | undefined {
  const mode = checkTransitEncryptionMode(modeText);
  if (enabledInput === undefined && mode === undefined) return undefined;
  const enabled = enabledInput ?? current.enabled;
  const next: TransitEncryption = enabled ? { enabled, mode: mode ?? current.mode ?? "preferred" } : { enabled: false };
  if (next.enabled === current.enabled && next.mode === current.mode) return undefined;
  if (engine === "redis" && compareVersions(engineVersion, REDIS_TLS_MODIFY_FROM) < 0) {
    throw commonErrors.invalidParameterCombination(
      `Modifying in-transit encryption requires engine version ${REDIS_TLS_MODIFY_FROM} or later; this replication group runs ${engineVersion}.`,
    );
  }
  if (!enabled && mode !== undefined) {
    throw commonErrors.invalidParameterCombination("TransitEncryptionMode can only be set when TransitEncryptionEnabled is true.");
  }
  if (!current.enabled && next.mode !== "preferred") {
    throw commonErrors.invalidParameterCombination(
      "To enable in-transit encryption on an existing replication group, set TransitEncryptionMode to preferred first.",
    );
  }
  if (current.mode === "required" && !next.enabled) {
    throw commonErrors.invalidParameterCombination(
      "To disable in-transit encryption, set TransitEncryptionMode to preferred first.",
    );
  }
  return next;
}
