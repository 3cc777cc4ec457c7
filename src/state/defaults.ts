/**
 * What AWS puts in every account and region before the caller creates anything: the
 * `default` RBAC user, the `default` cache subnet group (three subnets, one per zone, in a
 * default VPC) and the EC2-Classic `default` cache security group.
 *
 * One policy for all of them: a region gets its defaults when it is made, and again after
 * its state is restored from a data dir (a state file written before a default existed, or
 * one where a default was never read, gains it then). They are ordinary records otherwise:
 * persisted, described, tagged.
 */
import { OPEN_ACCESS_STRING } from "../engines/acl.js";
import { buildArn } from "./arn.js";
import type { CacheSecurityGroupRecord, RegionKey, SubnetGroupRecord, UserRecord } from "./records.js";

export const DEFAULT_GROUP = "default";
const DEFAULT_VPC = "vpc-00000000000000000";
/** The default VPC's default security group (what a serverless cache gets without SecurityGroupIds). */
export const DEFAULT_VPC_SECURITY_GROUP = "sg-00000000000000000";
/** The zone letters of the default subnets (state/network.ts places other subnets among them). */
export const DEFAULT_ZONES = ["a", "b", "c"];

export interface RegionDefaults {
  users: UserRecord[];
  subnetGroups: SubnetGroupRecord[];
  cacheSecurityGroups: CacheSecurityGroupRecord[];
}

export function regionDefaults(key: RegionKey): RegionDefaults {
  return {
    users: [
      {
        id: "default",
        name: "default",
        arn: buildArn(key.region, key.accountId, "user", "default"),
        engine: "redis",
        status: "active",
        accessString: OPEN_ACCESS_STRING,
        authentication: { type: "no-password", passwordHashes: [] },
        minimumEngineVersion: "6.0",
      },
    ],
    subnetGroups: [
      {
        name: DEFAULT_GROUP,
        description: "default",
        vpcId: DEFAULT_VPC,
        subnetIds: DEFAULT_ZONES.map((_, i) => `subnet-0000000000000000${i}`),
        arn: buildArn(key.region, key.accountId, "subnetgroup", DEFAULT_GROUP),
      },
    ],
    cacheSecurityGroups: [
      {
        name: DEFAULT_GROUP,
        description: "default",
        ownerId: key.accountId,
        grants: [],
        arn: buildArn(key.region, key.accountId, "securitygroup", DEFAULT_GROUP),
      },
    ],
  };
}
