/**
 * ElastiCache ARNs: arn:aws:elasticache:REGION:ACCOUNT:TYPE:NAME. Resources that span
 * regions (global datastores) have an empty REGION: arn:aws:elasticache::ACCOUNT:TYPE:NAME.
 */
export type ArnResourceType =
  | "cluster"
  | "replicationgroup"
  | "snapshot"
  | "user"
  | "usergroup"
  | "parametergroup"
  | "subnetgroup"
  | "securitygroup"
  | "serverlesscache"
  | "serverlesscachesnapshot"
  | "reserved-instance"
  | "globalreplicationgroup";

export interface ParsedArn {
  /** "" for a resource that spans regions. */
  region: string;
  accountId: string;
  resourceType: ArnResourceType;
  resourceName: string;
}

const resourceTypes: ReadonlySet<string> = new Set<ArnResourceType>([
  "cluster",
  "replicationgroup",
  "snapshot",
  "user",
  "usergroup",
  "parametergroup",
  "subnetgroup",
  "securitygroup",
  "serverlesscache",
  "serverlesscachesnapshot",
  "reserved-instance",
  "globalreplicationgroup",
]);

/** `region` is "" for a resource that spans regions. */
export function buildArn(region: string, accountId: string, type: ArnResourceType, name: string): string {
  return `arn:aws:elasticache:${region}:${accountId}:${type}:${name}`;
}

/** Returns undefined when the text is not an ElastiCache ARN. */
export function parseArn(text: string): ParsedArn | undefined {
  const match = /^arn:aws[a-z-]*:elasticache:([a-z0-9-]*):(\d{12}):([a-z-]+):(.+)$/.exec(text);
  if (!match || !resourceTypes.has(match[3])) return undefined;
  return {
    region: match[1],
    accountId: match[2],
    resourceType: match[3] as ArnResourceType,
    resourceName: match[4],
  };
}
