/**
 * ModifyServerlessCache: one setting per request, as AWS takes it (the Terraform provider
 * sends one call per changed field: "ModifyServerlessCache only supports one field
 * modification per API call"). Limits, users and the engine change reach the running engines
 * without a restart; the cache shows `modifying` meanwhile.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import type { ServerlessCacheRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { serverlessCacheToWire } from "../../state/to-wire.js";
import { serverlessEvents } from "../../lifecycle/serverless-lifecycle.js";
import type { ActionHandler, ActionInput } from "../shared/context.js";
import { requireResource } from "../shared/lookups.js";
import { checkPublicCacheUserGroup } from "../shared/public-iam-access.js";
import {
  checkDailySnapshotTime,
  checkDescription,
  checkMajorVersion,
  checkSecurityGroupIds,
  checkServerlessEngine,
  checkServerlessUserGroup,
  checkSnapshotRetention,
  checkUsageLimits,
  compareMajor,
  requireServerlessAvailable,
} from "./serverless-rules.js";

type Input = ActionInput<"ModifyServerlessCache">;

/** The settings a request may change, each counted once (Engine with MajorEngineVersion, UserGroupId or RemoveUserGroup). */
function changedSettings(input: Input): string[] {
  const changed: string[] = [];
  if (input.Description !== undefined) changed.push("Description");
  if (input.CacheUsageLimits !== undefined) changed.push("CacheUsageLimits");
  if (input.UserGroupId !== undefined || input.RemoveUserGroup) changed.push("UserGroupId");
  if (input.SecurityGroupIds !== undefined) changed.push("SecurityGroupIds");
  if (input.SnapshotRetentionLimit !== undefined) changed.push("SnapshotRetentionLimit");
  if (input.DailySnapshotTime !== undefined) changed.push("DailySnapshotTime");
  if (input.Engine !== undefined || input.MajorEngineVersion !== undefined) changed.push("Engine");
  return changed;
}

export const modifyServerlessCache: ActionHandler<"ModifyServerlessCache"> = async (ctx, input) => {
  const cache = requireResource(resources.serverlessCache, ctx.state, input.ServerlessCacheName);
  requireServerlessAvailable(cache, "modified");
  const changed = changedSettings(input);
  if (changed.length > 1) {
    throw commonErrors.invalidParameterCombination(`Only one field can be modified per request; this request modifies ${changed.join(", ")}.`);
  }
  if (input.UserGroupId !== undefined && input.RemoveUserGroup) {
    throw commonErrors.invalidParameterCombination("UserGroupId and RemoveUserGroup cannot be specified together.");
  }
  const apply = planChange(ctx.state, cache, input);
  if (!apply) return { ServerlessCache: serverlessCacheToWire(cache, ctx.services.config.advertisedHost) };
  apply.change();
  cache.status = "modifying";
  ctx.services.serverless.modify(ctx.state, cache, [apply.event]);
  return { ServerlessCache: serverlessCacheToWire(cache, ctx.services.config.advertisedHost) };
};

/** Checks the one change and returns how to apply it and its event; undefined when nothing is asked. */
function planChange(state: Parameters<typeof checkServerlessUserGroup>[0], cache: ServerlessCacheRecord, input: Input): { change: () => void; event: string } | undefined {
  const updated = serverlessEvents.updated(cache.name);
  if (input.Description !== undefined) {
    const description = checkDescription(input.Description);
    return { change: () => (cache.description = description === "" ? " " : description), event: updated };
  }
  if (input.CacheUsageLimits !== undefined) {
    const limits = checkUsageLimits(input.CacheUsageLimits);
    return { change: () => (cache.usageLimits = mergeLimits(cache, input, limits)), event: serverlessEvents.limitsUpdated(cache.name) };
  }
  if (input.RemoveUserGroup) {
    if (cache.engine === "memcached") throw commonErrors.invalidParameterCombination("RemoveUserGroup is not supported for the memcached engine.");
    if (cache.userGroupId === undefined) throw commonErrors.invalidParameterCombination(`Serverless cache ${cache.name} has no user group to remove.`);
    checkPublicCacheUserGroup(state, cache, undefined);
    return { change: () => (cache.userGroupId = undefined), event: updated };
  }
  if (input.UserGroupId !== undefined) {
    const id = checkServerlessUserGroup(state, input.UserGroupId, cache.engine);
    checkPublicCacheUserGroup(state, cache, id);
    return { change: () => (cache.userGroupId = id), event: updated };
  }
  if (input.SecurityGroupIds !== undefined) {
    const ids = checkSecurityGroupIds(input.SecurityGroupIds);
    if (ids.length === 0) throw commonErrors.invalidParameterValue("SecurityGroupIds must name at least one security group.");
    return { change: () => (cache.securityGroupIds = ids), event: serverlessEvents.securityGroupsUpdated(cache.name) };
  }
  if (input.SnapshotRetentionLimit !== undefined) {
    const limit = checkSnapshotRetention(input.SnapshotRetentionLimit);
    return { change: () => (cache.snapshotRetentionLimit = limit), event: updated };
  }
  if (input.DailySnapshotTime !== undefined) {
    const time = checkDailySnapshotTime(input.DailySnapshotTime);
    return { change: () => (cache.dailySnapshotTime = time), event: updated };
  }
  if (input.Engine !== undefined || input.MajorEngineVersion !== undefined) {
    const target = planEngineChange(cache, input);
    return {
      change: () => {
        cache.engine = target.engine;
        cache.majorEngineVersion = target.major;
        cache.fullEngineVersion = target.full;
      },
      event: updated,
    };
  }
  return undefined;
}

/**
 * An engine change: a newer major version of the same engine, or Redis OSS to Valkey (AWS's
 * upgrade path; data kept). Never back, never to or from Memcached.
 */
function planEngineChange(cache: ServerlessCacheRecord, input: Input) {
  const engine = input.Engine !== undefined ? checkServerlessEngine(input.Engine) : cache.engine;
  const crossing = engine !== cache.engine;
  if (crossing && !(cache.engine === "redis" && engine === "valkey")) {
    throw commonErrors.invalidParameterCombination(`Serverless cache ${cache.name} cannot change its engine from ${cache.engine} to ${engine}.`);
  }
  const version = checkMajorVersion(engine, input.MajorEngineVersion);
  if (!crossing && compareMajor(version.major, cache.majorEngineVersion) < 0) {
    throw commonErrors.invalidParameterCombination(
      `Serverless cache ${cache.name} cannot be downgraded from major version ${cache.majorEngineVersion} to ${version.major}.`,
    );
  }
  return { engine, ...version };
}

/** A limit absent from the request stays as it was; Minimum=Maximum=0 removed it (checkUsageLimits). */
function mergeLimits(cache: ServerlessCacheRecord, input: Input, given: ReturnType<typeof checkUsageLimits>) {
  const limits = { ...cache.usageLimits };
  if (input.CacheUsageLimits?.DataStorage) limits.dataStorage = given?.dataStorage;
  if (input.CacheUsageLimits?.ECPUPerSecond) limits.ecpuPerSecond = given?.ecpuPerSecond;
  if (!limits.dataStorage) delete limits.dataStorage;
  if (!limits.ecpuPerSecond) delete limits.ecpuPerSecond;
  return limits.dataStorage || limits.ecpuPerSecond ? limits : undefined;
}
