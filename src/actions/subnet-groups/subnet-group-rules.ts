/** Rules AWS applies to cache subnet groups: names, subnet ids, quotas, and who uses a group. */
import { commonErrors, clipValue } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { subnetZone } from "../../state/network.js";
import { type SubnetGroupRecord } from "../../state/records.js";
import type { RegionState } from "../../state/store.js";

/** AWS's default quota of subnets per group (the quota of groups is in state/resources.ts). */
export const MAX_SUBNETS_PER_GROUP = 20;

/** Names are stored lowercased: up to 255 letters, digits or hyphens. */
export function checkSubnetGroupName(name: string): string {
  const lower = name.toLowerCase();
  if (!/^[a-z0-9-]{1,255}$/.test(lower)) {
    throw commonErrors.invalidParameterValue(
      `Invalid value '${clipValue(name)}' for CacheSubnetGroupName: it must contain no more than 255 alphanumeric characters or hyphens.`,
    );
  }
  return lower;
}

/**
 * A subnet the emulator takes as existing: there is no EC2 behind it, so every id written as
 * EC2 writes them (`subnet-` and 8 or 17 lowercase hex digits) stands for a subnet, and any
 * other id for one that does not exist.
 */
export function subnetExists(id: string): boolean {
  return /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id);
}

/**
 * Subnet ids that all exist, without repeats. One that does not makes AWS refuse the whole
 * list, quoted as given: InvalidParameterValue "Some input subnets in :[a, b] are invalid."
 */
export function checkSubnetIds(ids: string[]): string[] {
  if (ids.length === 0) throw commonErrors.invalidParameterValue("At least one subnet must be given in SubnetIds.");
  if (!ids.every(subnetExists)) {
    throw commonErrors.invalidParameterValue(`Some input subnets in :[${clipValue(ids.join(", "), 2000)}] are invalid.`);
  }
  const unique = [...new Set(ids)];
  if (unique.length > MAX_SUBNETS_PER_GROUP) {
    throw modelError("CacheSubnetQuotaExceededFault", `A cache subnet group can have at most ${MAX_SUBNETS_PER_GROUP} subnets; ${unique.length} were given.`);
  }
  return unique;
}

/** Cache clusters (replication group members included) and replication groups placed in the group. */
export function subnetGroupUsers(state: RegionState, name: string): string[] {
  return [
    ...[...state.clusters.values()].filter((c) => c.settings.cacheSubnetGroupName === name).map((c) => c.id),
    ...[...state.replicationGroups.values()].filter((g) => g.settings.cacheSubnetGroupName === name).map((g) => g.id),
  ];
}

/** A subnet cannot leave a group while it is the only one left in the zone of a node placed through that group. */
export function checkSubnetsRemovable(state: RegionState, group: SubnetGroupRecord, next: string[]): void {
  const region = state.key.region;
  const remainingZones = new Set(next.map((id) => subnetZone(region, id)));
  const removed = group.subnetIds.filter((id) => !next.includes(id));
  for (const cluster of state.clusters.values()) {
    if (cluster.settings.cacheSubnetGroupName !== group.name) continue;
    for (const node of cluster.nodes) {
      const subnet = removed.find((id) => subnetZone(region, id) === node.availabilityZone);
      if (subnet && !remainingZones.has(node.availabilityZone)) {
        throw modelError("SubnetInUse", `The subnet ${subnet} is in use by cache node ${node.id} of cache cluster ${cluster.id}.`);
      }
    }
  }
}
