/** CreateServerlessCache: a Valkey, Redis OSS or Memcached serverless cache on real engines, over TLS. */
import { commonErrors } from "../../protocol/aws-error.js";
import { buildArn } from "../../state/arn.js";
import { DEFAULT_VPC_SECURITY_GROUP } from "../../state/defaults.js";
import type { ServerlessCacheRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { serverlessCacheToWire } from "../../state/to-wire.js";
import type { ActionContext, ActionHandler } from "../shared/context.js";
import { serverlessRestoreSources } from "../shared/serverless-snapshot-rules.js";
import { checkQuota, findSubnetGroup, insertResource, requireNew } from "../shared/lookups.js";
import { checkPublicCacheUserGroup } from "../shared/public-iam-access.js";
import { checkTags } from "../shared/tags.js";
import {
  assignedSnapshotTime,
  checkDailySnapshotTime,
  checkDescription,
  checkMajorVersion,
  checkSecurityGroupIds,
  checkServerlessCacheName,
  checkServerlessEngine,
  checkServerlessUserGroup,
  checkSnapshotRetention,
  checkSubnetIds,
  checkUsageLimits,
} from "./serverless-rules.js";

export const createServerlessCache: ActionHandler<"CreateServerlessCache"> = async (ctx, input) => {
  const name = checkServerlessCacheName(input.ServerlessCacheName);
  const engine = checkServerlessEngine(input.Engine);
  const version = checkMajorVersion(engine, input.MajorEngineVersion);
  const usageLimits = input.CacheUsageLimits ? checkUsageLimits(input.CacheUsageLimits) : undefined;
  const userGroupId = input.UserGroupId !== undefined ? checkServerlessUserGroup(ctx.state, input.UserGroupId, engine) : undefined;
  checkPublicCacheUserGroup(ctx.state, { engine, connectionType: input.ConnectionType }, userGroupId);
  const restore = input.SnapshotArnsToRestore?.length ? restoreFor(ctx, engine, input.SnapshotArnsToRestore) : undefined;
  checkTags(input.Tags ?? []);
  requireNew(resources.serverlessCache, ctx.state, name);
  checkQuota(resources.serverlessCache, ctx);

  const arn = buildArn(ctx.region, ctx.accountId, "serverlesscache", name);
  const cache: ServerlessCacheRecord = {
    name,
    arn,
    // AWS shows one space when no description was given.
    description: input.Description !== undefined && input.Description !== "" ? checkDescription(input.Description) : " ",
    engine,
    majorEngineVersion: version.major,
    fullEngineVersion: version.full,
    status: "creating",
    createTime: new Date(),
    usageLimits,
    kmsKeyId: input.KmsKeyId,
    securityGroupIds: input.SecurityGroupIds?.length ? checkSecurityGroupIds(input.SecurityGroupIds) : [DEFAULT_VPC_SECURITY_GROUP],
    subnetIds: input.SubnetIds?.length ? checkSubnetIds(input.SubnetIds) : [...findSubnetGroup(ctx.state, "default").subnetIds],
    userGroupId,
    snapshotRetentionLimit: input.SnapshotRetentionLimit !== undefined ? checkSnapshotRetention(input.SnapshotRetentionLimit) : 0,
    dailySnapshotTime: input.DailySnapshotTime !== undefined ? checkDailySnapshotTime(input.DailySnapshotTime) : assignedSnapshotTime(arn),
    networkType: input.NetworkType ?? "ipv4",
    connectionType: input.ConnectionType,
    port: 0,
    restore: restore && { sources: restore.sources },
  };
  insertResource(resources.serverlessCache, ctx, cache, input.Tags);
  ctx.services.serverless.create(ctx.state, cache);
  // The snapshots show `restoring` until the cache is created.
  const created = ctx.services.serverless.settled(cache);
  for (const s of restore?.serverlessSnapshots ?? []) ctx.services.serverlessSnapshots.restoring(s, created);
  for (const s of restore?.nodeSnapshots ?? []) ctx.services.snapshots.restoring(s, created);
  return { ServerlessCache: serverlessCacheToWire(cache, ctx.services.config.advertisedHost) };
};

/**
 * SnapshotArnsToRestore: a Memcached cache restores Memcached serverless snapshots (their
 * items); a Valkey/Redis cache restores RDB files (its snapshots, node-based ones, S3 objects).
 */
function restoreFor(ctx: ActionContext, engine: string, arns: string[]) {
  if (ctx.services.config.engineMode === "embedded") throw commonErrors.invalidParameterCombination("The embedded engine subset (--engine embedded) cannot load RDB files.");
  const restore = serverlessRestoreSources(ctx, arns);
  if (engine === "memcached") {
    const onlyMemcached = restore.nodeSnapshots.length === 0 && restore.sources.length === restore.serverlessSnapshots.length && restore.serverlessSnapshots.every((s) => s.cache.engine === "memcached");
    if (!onlyMemcached) throw commonErrors.invalidParameterCombination("A memcached serverless cache can be restored from memcached serverless cache snapshots only.");
  } else {
    const foreign = restore.serverlessSnapshots.find((s) => s.cache.engine === "memcached");
    if (foreign) throw commonErrors.invalidParameterCombination(`Snapshot ${foreign.name} is a memcached snapshot; a ${engine} serverless cache restores valkey or redis snapshots only.`);
  }
  return restore;
}
