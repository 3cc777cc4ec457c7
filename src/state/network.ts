/**
 * Network-side records, per account and region: cache subnet groups (every region has a
 * `default` one) and cache security groups (with the EC2-Classic `default` group). There is
 * no EC2 behind the emulator: availability zones and VPC ids are derived from subnet ids,
 * stably, so the same subnets always land in the same zone and VPC.
 */
import { createHash } from "node:crypto";
import { buildArn } from "./arn.js";
import type { RegionState } from "./store.js";

export interface SubnetGroupRecord {
  name: string;
  description: string;
  vpcId: string;
  subnetIds: string[];
  arn: string;
}

export interface Ec2SecurityGroupGrant {
  name: string;
  ownerId: string;
}

export interface CacheSecurityGroupRecord {
  name: string;
  description: string;
  ownerId: string;
  grants: Ec2SecurityGroupGrant[];
  arn: string;
}

export const DEFAULT_GROUP = "default";
const DEFAULT_VPC = "vpc-00000000000000000";
const ZONES = ["a", "b", "c"];

/** The region's subnet groups, `default` included (made on first use). */
export function subnetGroups(state: RegionState): Map<string, SubnetGroupRecord> {
  if (!state.subnetGroups.has(DEFAULT_GROUP)) {
    state.subnetGroups.set(DEFAULT_GROUP, {
      name: DEFAULT_GROUP,
      description: "default",
      vpcId: DEFAULT_VPC,
      subnetIds: ZONES.map((_, i) => `subnet-0000000000000000${i}`),
      arn: buildArn(state.key.region, state.key.accountId, "subnetgroup", DEFAULT_GROUP),
    });
  }
  return state.subnetGroups;
}

/** The region's cache security groups, `default` included (made on first use). */
export function cacheSecurityGroups(state: RegionState): Map<string, CacheSecurityGroupRecord> {
  if (!state.cacheSecurityGroups.has(DEFAULT_GROUP)) {
    state.cacheSecurityGroups.set(DEFAULT_GROUP, {
      name: DEFAULT_GROUP,
      description: "default",
      ownerId: state.key.accountId,
      grants: [],
      arn: buildArn(state.key.region, state.key.accountId, "securitygroup", DEFAULT_GROUP),
    });
  }
  return state.cacheSecurityGroups;
}

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
