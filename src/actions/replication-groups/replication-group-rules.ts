/** Rules AWS applies to replication group requests, as checks that throw AWS's errors. */
import { parseSlots, SLOT_COUNT, type SlotRange } from "../../engines/topology/index.js";
import { commonErrors } from "../../protocol/aws-error.js";
import type { CacheClusterRecord, ReplicationGroupRecord } from "../../state/records.js";
import type { RegionState } from "../../state/store.js";
import { checkClusterId } from "../shared/engine-rules.js";

export const MAX_REPLICAS_PER_NODE_GROUP = 5;
export const MAX_NODE_GROUPS = 500;

export function checkReplicationGroupId(id: string): string {
  return checkClusterId(id, "ReplicationGroupId", 40);
}

export function members(state: RegionState, group: ReplicationGroupRecord): CacheClusterRecord[] {
  return group.nodeGroups.flatMap((ng) => ng.memberClusterIds.map((id) => state.clusters.get(id)!)).filter(Boolean);
}

export function checkReplicaCount(count: number, parameter: string): void {
  if (count < 0 || count > MAX_REPLICAS_PER_NODE_GROUP) {
    throw commonErrors.invalidParameterValue(`${parameter} must be between 0 and ${MAX_REPLICAS_PER_NODE_GROUP}, got ${count}.`);
  }
}

/** AWS's Slots text ("0-5460" or "0-100,200-300"), refused as AWS does when malformed. */
export function parseSlotsParameter(text: string): SlotRange[] {
  try {
    return parseSlots(text);
  } catch {
    throw commonErrors.invalidParameterValue(`Invalid Slots value: ${text}`);
  }
}

/** Every slot exactly once across the shards. */
export function checkSlotCoverage(shards: SlotRange[][]): void {
  const seen = new Uint8Array(SLOT_COUNT);
  for (const ranges of shards) {
    for (const [from, to] of ranges) {
      for (let slot = from; slot <= to; slot++) {
        if (seen[slot]) throw commonErrors.invalidParameterValue(`Slot ${slot} is assigned to more than one node group.`);
        seen[slot] = 1;
      }
    }
  }
  if (seen.includes(0)) throw commonErrors.invalidParameterValue("The node groups' Slots must cover every hash slot from 0 to 16383.");
}
