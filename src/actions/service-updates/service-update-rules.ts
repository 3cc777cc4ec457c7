/**
 * What the service update operations share: finding an update by name (ServiceUpdateNotFoundFault),
 * the wire shapes, and the per-resource outcome of a batch (ProcessedUpdateActions /
 * UnprocessedUpdateActions, as AWS answers them: one entry per resource named).
 */
import type { ProcessedUpdateAction, ServiceUpdate, UnprocessedUpdateAction, UpdateAction, UpdateActionStatus } from "../../generated/elasticache.js";
import type { ServiceUpdateView } from "../../catalog/service-updates.js";
import type { UpdateActionView, UpdateTarget, Unprocessed } from "../../lifecycle/update-actions.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { ActionContext } from "../shared/context.js";

export function findServiceUpdate(ctx: ActionContext, name: string): ServiceUpdateView {
  const update = ctx.services.updates.find(name);
  if (!update) throw modelError("ServiceUpdateNotFoundFault", `The service update ${name} doesn't exist.`);
  return update;
}

export function serviceUpdateToWire(ctx: ActionContext, u: ServiceUpdateView): ServiceUpdate {
  return {
    ServiceUpdateName: u.name,
    ServiceUpdateReleaseDate: u.releaseDate,
    ServiceUpdateEndDate: u.endDate,
    ServiceUpdateSeverity: u.severity,
    ServiceUpdateRecommendedApplyByDate: u.recommendedApplyByDate,
    ServiceUpdateStatus: ctx.services.updates.updateStatus(u),
    ServiceUpdateDescription: u.description,
    // The model's enum has only security-update; AWS also returns engine-update (the SDKs take any string).
    ServiceUpdateType: u.type as ServiceUpdate["ServiceUpdateType"],
    Engine: u.engineText,
    EngineVersion: u.engineVersionText,
    AutoUpdateAfterRecommendedApplyByDate: u.autoUpdateAfterRecommendedApplyByDate,
    EstimatedUpdateTime: u.estimatedUpdateTime,
  };
}

export function updateActionToWire(a: UpdateActionView, nodeLevel: boolean): UpdateAction {
  const done = a.nodes.filter((n) => n.status === "complete").length;
  const isGroup = a.target.kind === "replication-group";
  const nodeStatus = (n: UpdateActionView["nodes"][number]) => ({
    NodeUpdateStatus: n.status,
    NodeUpdateStartDate: n.startDate,
    NodeUpdateEndDate: n.endDate,
    NodeUpdateInitiatedBy: n.initiatedBy,
    NodeUpdateInitiatedDate: n.initiatedDate,
    NodeUpdateStatusModifiedDate: n.modifiedDate,
  });
  const groups = isGroup ? [...new Set(a.nodes.map((n) => n.nodeGroupId!))] : [];
  return {
    ReplicationGroupId: isGroup ? a.resourceId : undefined,
    CacheClusterId: isGroup ? undefined : a.resourceId,
    ServiceUpdateName: a.update.name,
    ServiceUpdateReleaseDate: a.update.releaseDate,
    ServiceUpdateSeverity: a.update.severity,
    ServiceUpdateStatus: a.updateStatus,
    ServiceUpdateRecommendedApplyByDate: a.update.recommendedApplyByDate,
    ServiceUpdateType: a.update.type as UpdateAction["ServiceUpdateType"],
    UpdateActionAvailableDate: a.availableDate,
    UpdateActionStatus: a.status,
    NodesUpdated: `${done}/${a.nodes.length}`,
    UpdateActionStatusModifiedDate: a.modifiedDate,
    SlaMet: a.slaMet,
    NodeGroupUpdateStatus:
      nodeLevel && isGroup
        ? groups.map((id) => ({
            NodeGroupId: id,
            NodeGroupMemberUpdateStatus: a.nodes.filter((n) => n.nodeGroupId === id).map((n) => ({ CacheClusterId: n.cacheClusterId, CacheNodeId: n.cacheNodeId, ...nodeStatus(n) })),
          }))
        : undefined,
    CacheNodeUpdateStatus: nodeLevel && !isGroup ? a.nodes.map((n) => ({ CacheNodeId: n.cacheNodeId, ...nodeStatus(n) })) : undefined,
    EstimatedUpdateTime: a.update.estimatedUpdateTime,
    Engine: a.engine,
  };
}

/** A batch's input: the update and the resources (at least one, at most 20 of each kind, as the model bounds them). */
export interface BatchInput {
  ServiceUpdateName: string;
  ReplicationGroupIds?: string[];
  CacheClusterIds?: string[];
}

/**
 * Runs `step` on each resource named, in request order: groups first, then clusters. A
 * resource that is missing, or a cluster that belongs to a replication group, is an
 * unprocessed entry, not an error of the request.
 */
export function batch(
  ctx: ActionContext,
  input: BatchInput,
  step: (update: ServiceUpdateView, target: UpdateTarget) => UpdateActionStatus | Unprocessed,
): { ProcessedUpdateActions: ProcessedUpdateAction[]; UnprocessedUpdateActions: UnprocessedUpdateAction[] } {
  const groupIds = input.ReplicationGroupIds ?? [];
  const clusterIds = input.CacheClusterIds ?? [];
  if (!groupIds.length && !clusterIds.length) {
    throw commonErrors.invalidParameterValue("At least one of ReplicationGroupIds or CacheClusterIds must be provided.");
  }
  const update = findServiceUpdate(ctx, input.ServiceUpdateName);
  const status = ctx.services.updates.updateStatus(update);
  if (status !== "available") {
    throw commonErrors.invalidParameterValue(`The service update ${update.name} is ${status}: only an available service update can be applied or stopped.`);
  }
  const processed: ProcessedUpdateAction[] = [];
  const unprocessed: UnprocessedUpdateAction[] = [];
  const outcome = (ids: { ReplicationGroupId?: string; CacheClusterId?: string }, result: UpdateActionStatus | Unprocessed) => {
    if (typeof result === "string") processed.push({ ...ids, ServiceUpdateName: update.name, UpdateActionStatus: result });
    else unprocessed.push({ ...ids, ServiceUpdateName: update.name, ErrorType: result.errorType, ErrorMessage: result.errorMessage });
  };
  for (const id of groupIds) {
    const group = ctx.state.replicationGroups.get(id);
    outcome(
      { ReplicationGroupId: id },
      group ? step(update, { kind: "replication-group", group }) : { errorType: "ReplicationGroupNotFoundFault", errorMessage: `Replication group ${id} not found.` },
    );
  }
  for (const id of clusterIds) {
    const cluster = ctx.state.clusters.get(id);
    outcome(
      { CacheClusterId: id },
      !cluster
        ? { errorType: "CacheClusterNotFound", errorMessage: `Cache cluster ${id} not found.` }
        : cluster.member
          ? {
              errorType: "InvalidParameterCombination",
              errorMessage: `Cache cluster ${id} is a member of replication group ${cluster.member.replicationGroupId}: name the replication group instead.`,
            }
          : step(update, { kind: "cache-cluster", cluster }),
    );
  }
  return { ProcessedUpdateActions: processed, UnprocessedUpdateActions: unprocessed };
}
