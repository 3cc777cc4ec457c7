/**
 * Network placement, per account and region. There is no EC2 behind the emulator:
 * availability zones and VPC ids are derived from subnet ids, stably, so the same subnets
 * always land in the same zone and VPC. (The `default` groups are seeded by state/defaults.ts.)
 */
import { createHash } from "node:crypto";
import { DEFAULT_ZONES as ZONES } from "./defaults.js";
import type { SubnetGroupRecord } from "./records.js";

export { DEFAULT_GROUP } from "./defaults.js";

/** The zone a subnet is in: the default subnets cover a, b, c; any other subnet id hashes to one of them. */
export function subnetZone(region: string, subnetId: string): string {
  const defaultIndex = /^subnet-0{16}(\d)$/.exec(subnetId);
  const index = defaultIndex ? Number(defaultIndex[1]) : createHash("sha256").update(subnetId).digest()[0];
  return `${region}${ZONES[index % ZONES.length]}`;
}

/** A stable fake VPC id for a set of subnets (AWS requires a group's subnets to share one VPC). */
export function vpcIdFor(subnetIds: string[]): string {
  const digest = createHash("sha256").update([...subnetIds].sort().join(",")).digest("hex");
  return `vpc-${digest.slice(0, 17)}`;
}

/** Zones a subnet group's nodes may be placed in, in subnet order. */
export function subnetGroupZones(region: string, group: SubnetGroupRecord): string[] {
  return [...new Set(group.subnetIds.map((id) => subnetZone(region, id)))];
}
