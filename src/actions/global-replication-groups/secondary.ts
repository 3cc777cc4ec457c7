/**
 * CreateReplicationGroup with GlobalReplicationGroupId: a new group in the caller's region
 * joins the global datastore as a secondary. Its engine, version, node type, encryption,
 * automatic failover and shard layout are the primary group's ("ElastiCache will infer the
 * values from the primary"); the request gives its id, description, network and replica count.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import type { GlobalMemberRecord, GlobalReplicationGroupRecord, ReplicationGroupRecord } from "../../state/records.js";
import type { ActionContext, ActionInput } from "../shared/context.js";
import { findGlobal, invalidGlobalState, MAX_SECONDARIES, requireSettled } from "./global-rules.js";

type Input = ActionInput<"CreateReplicationGroup">;

/** Parameters a secondary takes from the primary; a request that gives one is refused. */
const INFERRED: ReadonlyArray<keyof Input> = [
  "PrimaryClusterId",
  "AutomaticFailoverEnabled",
  "NumNodeGroups",
  "CacheParameterGroupName",
  "CacheNodeType",
  "Engine",
  "EngineVersion",
  "CacheSecurityGroupNames",
  "TransitEncryptionEnabled",
  "AtRestEncryptionEnabled",
  "SnapshotArns",
  "SnapshotName",
];

export interface SecondaryPlan {
  grg: GlobalReplicationGroupRecord;
  /** The request completed with what the secondary takes from the primary. */
  input: Input;
}

export function planSecondary(ctx: ActionContext, input: Input): SecondaryPlan {
  const given = INFERRED.filter((name) => input[name] !== undefined);
  if (given.length) {
    throw commonErrors.invalidParameterCombination(
      `${given.join(", ")} cannot be given for a secondary of a Global datastore: ElastiCache takes them from the primary replication group.`,
    );
  }
  const grg = findGlobal(ctx, input.GlobalReplicationGroupId!);
  requireSettled(grg);
  if (grg.members.some((m) => m.region === ctx.region)) {
    throw commonErrors.invalidParameterValue(`Global datastore ${grg.id} already has a member in region ${ctx.region}; a Global datastore has at most one replication group per region.`);
  }
  if (grg.members.filter((m) => m.role === "secondary").length >= MAX_SECONDARIES) {
    throw invalidGlobalState(grg, `Global datastore ${grg.id} already has ${MAX_SECONDARIES} secondary regions, the most it can have.`);
  }
  const primaryMember = grg.members.find((m) => m.role === "primary")!;
  const primary = ctx.services.store.region({ accountId: ctx.accountId, region: primaryMember.region }).replicationGroups.get(primaryMember.replicationGroupId);
  if (!primary || primary.status !== "available") {
    throw invalidGlobalState(grg, `The primary replication group of Global datastore ${grg.id} is not available.`);
  }
  const primaryNodes = primary.nodeGroups[0].memberClusterIds.length;
  if (primary.clusterEnabled) {
    if (input.NumCacheClusters !== undefined) {
      throw commonErrors.invalidParameterCombination("NumCacheClusters is not valid for a cluster mode enabled secondary; use ReplicasPerNodeGroup.");
    }
    // The same shards and slots as the primary; the replica count may differ.
    return {
      grg,
      input: {
        ...inheritedFrom(primary, input),
        NumNodeGroups: primary.nodeGroups.length,
        NodeGroupConfiguration: primary.nodeGroups.map((ng, i) => ({
          NodeGroupId: String(i + 1).padStart(4, "0"),
          Slots: ng.slots,
          ReplicaCount: input.ReplicasPerNodeGroup ?? primaryNodes - 1,
        })),
        ReplicasPerNodeGroup: undefined,
        AutomaticFailoverEnabled: true,
      },
    };
  }
  const nodes = input.NumCacheClusters ?? (input.ReplicasPerNodeGroup !== undefined ? input.ReplicasPerNodeGroup + 1 : primaryNodes);
  return {
    grg,
    input: {
      ...inheritedFrom(primary, input),
      NumCacheClusters: input.ReplicasPerNodeGroup !== undefined ? undefined : nodes,
      AutomaticFailoverEnabled: primary.automaticFailover && nodes >= 2,
      MultiAZEnabled: input.MultiAZEnabled ?? (primary.multiAZ && nodes >= 2),
    },
  };
}

/** The request with what every secondary takes from the primary: engine, version, node type, cluster mode, encryption. */
function inheritedFrom(primary: ReplicationGroupRecord, input: Input): Input {
  return {
    ...input,
    GlobalReplicationGroupId: undefined,
    Engine: primary.engine,
    EngineVersion: primary.engineVersion,
    CacheNodeType: primary.cacheNodeType,
    ClusterMode: primary.clusterMode,
    TransitEncryptionEnabled: primary.settings.transitEncryptionEnabled ?? false,
    TransitEncryptionMode: primary.settings.transitEncryptionEnabled ? primary.settings.transitEncryptionMode : undefined,
    AtRestEncryptionEnabled: primary.settings.atRestEncryptionEnabled,
  };
}

/** The new group joins: `associating` until it replicates from the primary. */
export function joinAsSecondary(ctx: ActionContext, plan: SecondaryPlan, group: ReplicationGroupRecord): void {
  const member: GlobalMemberRecord = { replicationGroupId: group.id, region: ctx.region, role: "secondary", status: "associating" };
  plan.grg.members.push(member);
  plan.grg.status = "modifying";
  group.global = { globalReplicationGroupId: plan.grg.id, role: "secondary" };
  ctx.services.global.associate(ctx.account, plan.grg, member);
}
