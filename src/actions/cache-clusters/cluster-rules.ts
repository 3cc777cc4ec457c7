/**
 * Rules AWS applies to cache cluster requests only, as pure checks that throw the AwsError
 * AWS answers with. Rules shared with replication groups are in actions/shared/.
 */
import type { EngineKind } from "../../engines/engine.js";
import { commonErrors } from "../../protocol/aws-error.js";

export function checkNumCacheNodes(engine: EngineKind, count: number): void {
  if (engine !== "memcached" && count !== 1) {
    throw commonErrors.invalidParameterValue(
      `Cannot create or modify a ${engine === "redis" ? "Redis OSS" : "Valkey"} cluster with a NumCacheNodes other than 1. ` +
        "Use a replication group to add replicas.",
    );
  }
  if (count < 1) throw commonErrors.invalidParameterValue(`NumCacheNodes must be at least 1, got ${count}.`);
  // The per-cluster node quota is checked with the other capacity limits (actions/shared/capacity.ts).
}

export function nodeIdFor(n: number): string {
  return String(n).padStart(4, "0");
}
