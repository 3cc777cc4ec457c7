/**
 * CreateGlobalReplicationGroup: an available replication group becomes the primary of a new
 * global datastore, `<primary region's prefix>-<suffix>`, whose ARN has no region.
 */
import { modelError } from "../../service-errors/elasticache.js";
import { buildArn } from "../../state/arn.js";
import type { GlobalReplicationGroupRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import type { ActionHandler } from "../shared/context.js";
import { checkClusterId } from "../shared/engine-rules.js";
import { findReplicationGroup } from "../shared/lookups.js";
import { checkTags, storeTags } from "../shared/tags.js";
import { checkGlobalEngineVersion, checkGlobalNodeType, regionPrefix, wire } from "./global-rules.js";

export const createGlobalReplicationGroup: ActionHandler<"CreateGlobalReplicationGroup"> = async (ctx, input) => {
  const prefix = regionPrefix(ctx.region);
  // The whole id is at most 40 characters, as a replication group's.
  const suffix = checkClusterId(input.GlobalReplicationGroupIdSuffix, "GlobalReplicationGroupIdSuffix", 40 - prefix.length - 1);
  const id = `${prefix}-${suffix}`;
  const primary = findReplicationGroup(ctx.state, input.PrimaryReplicationGroupId);
  if (primary.global) {
    throw modelError(
      "InvalidReplicationGroupStateFault",
      `Replication group ${primary.id} is already associated with Global datastore ${primary.global.globalReplicationGroupId}.`,
    );
  }
  if (primary.status !== "available") {
    throw modelError("InvalidReplicationGroupStateFault", `Replication group ${primary.id} is not in the available state (current status: ${primary.status}).`);
  }
  checkGlobalNodeType(primary.cacheNodeType);
  checkGlobalEngineVersion(primary.engine, primary.engineVersion);
  checkTags(input.Tags ?? []);
  if (ctx.account.globalReplicationGroups.has(id)) throw resources.globalReplicationGroup.alreadyExists!(id);

  const grg: GlobalReplicationGroupRecord = {
    id,
    arn: buildArn("", ctx.accountId, "globalreplicationgroup", id),
    description: input.GlobalReplicationGroupDescription ?? "",
    status: "creating",
    createTime: new Date(),
    members: [{ replicationGroupId: primary.id, region: ctx.region, role: "primary", status: "associated" }],
  };
  ctx.account.globalReplicationGroups.set(id, grg);
  storeTags(ctx, grg.arn, input.Tags, "account");
  primary.global = { globalReplicationGroupId: id, role: "primary" };
  ctx.services.global.created(ctx.account, grg);
  return { GlobalReplicationGroup: wire(ctx, grg) };
};
