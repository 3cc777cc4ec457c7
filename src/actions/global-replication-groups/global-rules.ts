/**
 * Global datastores: ids (AWS's per-region prefix), lookups, AWS's requirements on member
 * groups, and the record as the API returns it.
 */
import { createHash } from "node:crypto";
import type { GlobalReplicationGroup } from "../../generated/elasticache.js";
import type { MemberGroup } from "../../lifecycle/global-replication.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { GlobalMemberRecord, GlobalReplicationGroupRecord, ReplicationGroupRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import type { ActionContext } from "../shared/context.js";

/**
 * The prefix AWS puts before a global datastore's suffix, by the primary's region
 * (aws-next-capabilities.md §2.1, from AWS's documentation and CLI examples).
 */
const REGION_PREFIXES: Record<string, string> = {
  "us-east-2": "fpkhr",
  "us-east-1": "ldgnf",
  "us-west-1": "virxk",
  "us-west-2": "sgaui",
  "ca-central-1": "bxodz",
  "ap-south-1": "erpgt",
  "ap-northeast-1": "quwsw",
  "ap-northeast-2": "lfqnh",
  "ap-northeast-3": "nlapn",
  "ap-east-1": "knjmp",
  "ap-southeast-1": "vlqxn",
  "ap-southeast-2": "vbgxd",
  "eu-central-1": "iudkw",
  "eu-west-1": "gxeiz",
  "eu-west-2": "okuqm",
  "eu-west-3": "fgjhi",
  "sa-east-1": "juxlw",
  "cn-north-1": "emvgo",
  "cn-northwest-1": "ckbem",
};

/** AWS's prefix for the region; for a region AWS's table does not give here, five letters derived from its name. */
export function regionPrefix(region: string): string {
  const known = REGION_PREFIXES[region];
  if (known) return known;
  const digest = createHash("sha256").update(region).digest();
  return Array.from(digest.subarray(0, 5), (b) => String.fromCharCode(97 + (b % 26))).join("");
}

/** At most two secondary regions (AWS's limit). */
export const MAX_SECONDARIES = 2;

/** The global datastore, or GlobalReplicationGroupNotFoundFault. */
export function findGlobal(ctx: Pick<ActionContext, "account">, id: string): GlobalReplicationGroupRecord {
  const found = ctx.account.globalReplicationGroups.get(id.toLowerCase());
  if (!found) throw resources.globalReplicationGroup.notFound(id);
  return found;
}

/** AWS's answer when the global datastore is busy or in a state the operation does not take. */
export function invalidGlobalState(grg: GlobalReplicationGroupRecord, detail?: string): Error {
  return modelError(
    "InvalidGlobalReplicationGroupStateFault",
    detail ?? `The Global datastore ${grg.id} is not available or in primary-only state (current status: ${grg.status}).`,
  );
}

/** Only one change at a time: the global datastore must be `available` or `primary-only`. */
export function requireSettled(grg: GlobalReplicationGroupRecord): void {
  if (grg.status !== "available" && grg.status !== "primary-only") throw invalidGlobalState(grg);
}

/** Operations AWS applies at once only: ApplyImmediately must be true. */
export function requireApplyImmediately(applyImmediately: boolean | undefined): void {
  if (applyImmediately !== true) {
    throw commonErrors.invalidParameterValue("ApplyImmediately must be true: changes to a Global datastore cannot be deferred to the maintenance window.");
  }
}

/** Node type families a global datastore runs on: AWS refuses burstable and previous-generation nodes. */
export function checkGlobalNodeType(nodeType: string): void {
  const family = /^cache\.([a-z]+)(\d+)/.exec(nodeType);
  const letter = family?.[1] ?? "";
  const generation = Number(family?.[2] ?? 0);
  const supported = (letter.startsWith("r") || letter.startsWith("m")) && generation >= 5;
  if (!supported) {
    throw commonErrors.invalidParameterValue(
      `Global datastore is not supported for node type ${nodeType}. Use a current-generation M or R node type (for example cache.r6g.large or cache.m5.large).`,
    );
  }
}

/** Redis OSS 5.0.6 or later, or any Valkey version. */
export function checkGlobalEngineVersion(engine: string, version: string): void {
  if (engine === "valkey") return;
  const [major = 0, minor = 0, patch = 0] = version.split(".").map((p) => Number(p) || 0);
  const ok = major > 5 || (major === 5 && (minor > 0 || patch >= 6));
  if (!ok) throw commonErrors.invalidParameterValue(`Global datastore requires Redis OSS engine version 5.0.6 or later; ${version} is not supported.`);
}

/** The member group of the region and id, or a message-specific InvalidParameterValue. */
export function findMember(grg: GlobalReplicationGroupRecord, replicationGroupId: string, region: string): GlobalMemberRecord {
  const member = grg.members.find((m) => m.replicationGroupId === replicationGroupId.toLowerCase() && m.region === region);
  if (!member) {
    throw commonErrors.invalidParameterValue(`Replication group ${replicationGroupId} in region ${region} is not a member of Global datastore ${grg.id}.`);
  }
  return member;
}

/** The global datastore as the API returns it: its engine, version and shards are its primary group's. */
export function globalToWire(grg: GlobalReplicationGroupRecord, members: MemberGroup[], showMembers: boolean): GlobalReplicationGroup {
  const primary: ReplicationGroupRecord | undefined = members.find((m) => m.member.role === "primary")?.group;
  const out: GlobalReplicationGroup = {
    GlobalReplicationGroupId: grg.id,
    GlobalReplicationGroupDescription: grg.description,
    Status: grg.status,
    CacheNodeType: primary?.cacheNodeType,
    Engine: primary?.engine,
    EngineVersion: primary?.engineVersion,
    ClusterEnabled: primary?.clusterEnabled,
    AuthTokenEnabled: primary ? (primary.access?.authTokenHashes.length ?? 0) > 0 : undefined,
    TransitEncryptionEnabled: primary?.settings.transitEncryptionEnabled ?? false,
    AtRestEncryptionEnabled: primary?.settings.atRestEncryptionEnabled ?? false,
    ARN: grg.arn,
  };
  if (primary?.clusterEnabled) {
    out.GlobalNodeGroups = primary.nodeGroups.map((ng) => ({ GlobalNodeGroupId: `${grg.id}-${ng.id}`, Slots: ng.slots }));
  }
  if (showMembers) {
    out.Members = grg.members.map((m) => {
      const group = members.find((g) => g.member === m)?.group;
      return {
        ReplicationGroupId: m.replicationGroupId,
        ReplicationGroupRegion: m.region,
        Role: m.role.toUpperCase(),
        AutomaticFailover: group ? (group.automaticFailover ? "enabled" : "disabled") : undefined,
        Status: m.status,
      };
    });
  }
  return out;
}

/** The global datastore as an action returns it. */
export function wire(ctx: ActionContext, grg: GlobalReplicationGroupRecord, showMembers = true): GlobalReplicationGroup {
  return globalToWire(grg, ctx.services.global.memberGroups(ctx.accountId, grg), showMembers);
}
