/**
 * Rules AWS applies to cache cluster requests only, as pure checks that throw the AwsError
 * AWS answers with. Rules shared with replication groups are in actions/shared/.
 */
import type { EngineKind } from "../../engines/engine.js";
import { commonErrors } from "../../protocol/aws-error.js";

export function checkNumCacheNodes(engine: EngineKind, count: number): void {
  if (count < 1) throw commonErrors.invalidParameterValue(`NumCacheNodes must be at least 1, got ${count}.`);
  if (engine !== "memcached" && count > 1) {
    // AWS's words (hashicorp/terraform#2272); the same answer for ModifyCacheCluster.
    throw commonErrors.invalidParameterValue(
      `Cannot create a ${engine === "redis" ? "Redis" : "Valkey"} cluster with a NumCacheNodes parameter greater than 1.`,
    );
  }
  // The per-cluster node quota is checked with the other capacity limits (actions/shared/capacity.ts).
}

/**
 * CacheNodeIdsToRemove must name exactly the nodes a NumCacheNodes decrease removes (none
 * otherwise), in AWS's words (hashicorp/terraform#3604).
 */
export function checkNodeIdsToRemove(current: number, wanted: number, toRemove: string[]): void {
  if (toRemove.length !== Math.max(current - wanted, 0)) {
    throw commonErrors.invalidParameterCombination(
      "The number of CacheNodeIdsToRemove must match the number of nodes you are trying to remove, " +
        `current number of cache nodes is ${current}, requested number of cache nodes is ${wanted} ` +
        `and CacheNodeIdsToRemove supplied are ${toRemove.length}`,
    );
  }
}

/**
 * Where a cluster's nodes go: the zones asked for, else a cross-az Memcached cluster spreads
 * its nodes over the subnet group's zones (the least used first), else all in one zone.
 */
export function placeNodes(count: number, opts: { asked: string[]; crossAz: boolean; zones: string[]; used: string[]; single: string }): string[] {
  if (!opts.crossAz || opts.zones.length === 0) return Array.from({ length: count }, (_, i) => opts.asked[i] ?? opts.single);
  const load = new Map(opts.zones.map((z) => [z, 0]));
  for (const z of opts.used) if (load.has(z)) load.set(z, load.get(z)! + 1);
  return Array.from({ length: count }, (_, i) => {
    const zone = opts.asked[i] ?? [...load.entries()].reduce((a, b) => (b[1] < a[1] ? b : a))[0];
    if (load.has(zone)) load.set(zone, load.get(zone)! + 1);
    return zone;
  });
}

/** What DescribeCacheClusters shows as PreferredAvailabilityZone: "Multiple" once the nodes span zones. */
export function preferredZoneOf(zones: string[], fallback: string): string {
  const distinct = new Set(zones);
  return distinct.size > 1 ? "Multiple" : (zones[0] ?? fallback);
}

export function nodeIdFor(n: number): string {
  return String(n).padStart(4, "0");
}
