/**
 * Service updates applied to resources: one update action per (service update, replication
 * group or standalone cluster) the update applies to. BatchApplyUpdateAction rolls the update
 * through the resource's nodes (ReplicationLifecycle/ClusterLifecycle.rollNodes: replicas
 * first, primaries by a planned failover where automatic failover is on), with the action and
 * each node going waiting-to-start -> in-progress -> complete; BatchStopUpdateAction stops
 * the roll between two nodes (stopping -> stopped). Dates are on the emulator's clock, as the
 * catalogue's are. What has been applied is kept per region, in memory (the README's AWS
 * differences: it does not outlive a restart).
 */
import type { NodeUpdateInitiatedBy, NodeUpdateStatus, SlaMet, UpdateActionStatus } from "../generated/elasticache.js";
import { serviceUpdateStatus, serviceUpdateViews, updateApplies, type ServiceUpdateView } from "../catalog/service-updates.js";
import type { Logger } from "../logger.js";
import type { CacheClusterRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import type { EmulatorClock } from "./clock.js";
import type { ClusterLifecycle } from "./cluster-lifecycle.js";
import { emitEvent } from "./events.js";
import type { NodeRoll } from "./node-roll.js";
import type { ReplicationLifecycle } from "./replication-lifecycle.js";

/** A resource an update action is about. */
export type UpdateTarget = { kind: "replication-group"; group: ReplicationGroupRecord } | { kind: "cache-cluster"; cluster: CacheClusterRecord };

export interface NodeUpdateState {
  status: NodeUpdateStatus;
  initiatedBy?: NodeUpdateInitiatedBy;
  initiatedDate?: Date;
  startDate?: Date;
  endDate?: Date;
  modifiedDate?: Date;
}

interface ActionState {
  status: UpdateActionStatus;
  modifiedDate: Date;
  /** By `<cache cluster id>/<cache node id>`. */
  nodes: Map<string, NodeUpdateState>;
  stopRequested: boolean;
  initiatedBy: NodeUpdateInitiatedBy;
  initiatedDate: Date;
  completedDate?: Date;
}

/** One node of an update action, as DescribeUpdateActions shows it. */
export interface NodeUpdateView extends NodeUpdateState {
  cacheClusterId: string;
  cacheNodeId: string;
  nodeGroupId?: string;
}

/** An update action, as DescribeUpdateActions shows it. */
export interface UpdateActionView {
  update: ServiceUpdateView;
  updateStatus: ReturnType<typeof serviceUpdateStatus>;
  target: UpdateTarget;
  resourceId: string;
  engine: string;
  status: UpdateActionStatus;
  availableDate: Date;
  modifiedDate: Date;
  nodes: NodeUpdateView[];
  slaMet: SlaMet;
}

/** Why one resource of a batch was not processed (UnprocessedUpdateActions). */
export interface Unprocessed {
  errorType: string;
  errorMessage: string;
}

export interface UpdateActionsOptions {
  clock: EmulatorClock;
  clusters: Pick<ClusterLifecycle, "rollNodes">;
  replication: Pick<ReplicationLifecycle, "rollNodes">;
  logger: Logger;
}

export class UpdateActions {
  /** The catalogue with its dates placed on the clock, once (the clock's start is fixed). */
  readonly catalogue: ServiceUpdateView[];
  private readonly applied = new WeakMap<RegionState, Map<string, ActionState>>();
  /** Rolls in flight, by resource ARN: one roll at a time per resource. */
  private readonly rolls = new Map<string, Promise<void>>();
  private halted = false;

  constructor(private readonly options: UpdateActionsOptions) {
    this.catalogue = serviceUpdateViews(options.clock.realStart);
  }

  find(name: string): ServiceUpdateView | undefined {
    return this.catalogue.find((u) => u.name === name);
  }

  updateStatus(update: ServiceUpdateView) {
    return serviceUpdateStatus(update, this.options.clock.now());
  }

  /** Every update action of the region: each update that applies to each group and standalone cluster. */
  actions(region: RegionState): UpdateActionView[] {
    const views: UpdateActionView[] = [];
    for (const update of this.catalogue) for (const target of targetsOf(region)) {
      const view = this.view(region, update, target);
      if (view) views.push(view);
    }
    return views;
  }

  /** The update action of one update on one resource; undefined when the update does not apply to it. */
  view(region: RegionState, update: ServiceUpdateView, target: UpdateTarget): UpdateActionView | undefined {
    const { engine, version, createTime, arn, id } = describeTarget(target);
    const state = this.states(region).get(key(update, arn));
    const created = this.clockTime(createTime);
    if (!state) {
      if (update.cancelled || !updateApplies(update, engine, version) || created > update.endDate.getTime()) return undefined;
    }
    const availableDate = new Date(Math.max(update.releaseDate.getTime(), created));
    const nodes = nodesOf(region, target).map((n) => ({ ...n, ...(state?.nodes.get(`${n.cacheClusterId}/${n.cacheNodeId}`) ?? { status: "not-applied" as const }) }));
    const due = update.recommendedApplyByDate.getTime();
    const slaMet: SlaMet =
      created > due ? "n/a" : state?.completedDate ? (state.completedDate.getTime() <= due ? "yes" : "no") : this.options.clock.now() > due ? "no" : "n/a";
    return {
      update,
      updateStatus: this.updateStatus(update),
      target,
      resourceId: id,
      engine,
      status: state?.status ?? "not-applied",
      availableDate,
      modifiedDate: state?.modifiedDate ?? availableDate,
      nodes,
      slaMet,
    };
  }

  /**
   * Starts rolling the update through the resource's nodes not updated yet; answers the
   * action's status (waiting-to-start) or why it was not processed.
   */
  apply(region: RegionState, update: ServiceUpdateView, target: UpdateTarget, initiatedBy: NodeUpdateInitiatedBy): UpdateActionStatus | Unprocessed {
    const view = this.view(region, update, target);
    const { label, id, arn, status } = describeTarget(target);
    if (!view) return { errorType: "InvalidParameterValue", errorMessage: `The service update ${update.name} does not apply to ${label} ${id}.` };
    if (status !== "available" && status !== "modifying" && status !== "snapshotting") {
      return { errorType: stateErrorOf(target), errorMessage: `${capitalize(label)} ${id} is not in available state (${status}).` };
    }
    if (view.status === "complete") return { errorType: "InvalidParameterValue", errorMessage: `The update action for ${update.name} on ${label} ${id} is already complete.` };
    if (view.status === "waiting-to-start" || view.status === "in-progress") return view.status;
    if (view.status === "stopping") return { errorType: "InvalidParameterValue", errorMessage: `The update action for ${update.name} on ${label} ${id} is stopping.` };
    const now = this.options.clock.date();
    const state: ActionState = {
      status: "waiting-to-start",
      modifiedDate: now,
      nodes: new Map(),
      stopRequested: false,
      initiatedBy,
      initiatedDate: now,
    };
    for (const node of view.nodes) {
      const nodeKey = `${node.cacheClusterId}/${node.cacheNodeId}`;
      state.nodes.set(nodeKey, node.status === "complete" ? { ...node } : { status: "waiting-to-start", initiatedBy, initiatedDate: now, modifiedDate: now });
    }
    this.states(region).set(key(update, arn), state);
    const previous = this.rolls.get(arn) ?? Promise.resolve();
    const roll = previous.then(() => this.roll(region, update, target, state));
    this.rolls.set(arn, roll);
    void roll.finally(() => {
      if (this.rolls.get(arn) === roll) this.rolls.delete(arn);
    });
    return "waiting-to-start";
  }

  /** Stops the roll before its next node; the node in progress finishes. */
  stop(region: RegionState, update: ServiceUpdateView, target: UpdateTarget): UpdateActionStatus | Unprocessed {
    const { label, id, arn } = describeTarget(target);
    const view = this.view(region, update, target);
    if (!view) return { errorType: "InvalidParameterValue", errorMessage: `The service update ${update.name} does not apply to ${label} ${id}.` };
    const state = this.states(region).get(key(update, arn));
    if (!state || view.status === "not-applied") {
      return { errorType: "InvalidParameterValue", errorMessage: `The update action for ${update.name} on ${label} ${id} has not been applied.` };
    }
    if (state.status === "complete") return { errorType: "InvalidParameterValue", errorMessage: `The update action for ${update.name} on ${label} ${id} is already complete.` };
    if (state.status === "stopped" || state.status === "stopping") return state.status;
    state.stopRequested = true;
    this.setStatus(state, "stopping");
    for (const node of state.nodes.values()) if (node.status === "waiting-to-start") this.setNode(node, "stopping");
    return "stopping";
  }

  /** The auto-update due in a maintenance window: available updates past their recommended apply-by date, not applied yet. */
  dueAutomatically(region: RegionState, target: UpdateTarget): ServiceUpdateView[] {
    const now = this.options.clock.now();
    return this.catalogue.filter((update) => {
      if (!update.autoUpdateAfterRecommendedApplyByDate || this.updateStatus(update) !== "available") return false;
      if (now < update.recommendedApplyByDate.getTime()) return false;
      const status = this.view(region, update, target)?.status;
      return status === "not-applied" || status === "stopped";
    });
  }

  /** Resolves once every roll in flight has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.rolls.values()]);
  }

  /** Every roll stops before its next node. */
  halt(): void {
    this.halted = true;
  }

  /** Stops every roll before its next node; resolves once they ended (a later apply rolls again). */
  async stopAll(): Promise<void> {
    this.halted = true;
    await this.settled();
    this.rolls.clear();
    this.halted = false;
  }

  private async roll(region: RegionState, update: ServiceUpdateView, target: UpdateTarget, state: ActionState): Promise<void> {
    const { label, id, arn, sourceType } = describeTarget(target);
    const nodeState = (cluster: CacheClusterRecord, nodeId: string) => state.nodes.get(`${cluster.id}/${nodeId}`);
    const roll: NodeRoll = {
      proceed: () => !state.stopRequested && !this.halted && this.current(region, target),
      updated: (cluster, nodeId) => nodeState(cluster, nodeId)?.status === "complete",
      started: (cluster, nodeId) => {
        if (state.status === "waiting-to-start") this.setStatus(state, "in-progress");
        let node = nodeState(cluster, nodeId);
        if (!node) state.nodes.set(`${cluster.id}/${nodeId}`, (node = { status: "waiting-to-start", initiatedBy: state.initiatedBy, initiatedDate: state.initiatedDate }));
        node.startDate = this.options.clock.date();
        this.setNode(node, "in-progress");
      },
      finished: (cluster, nodeId) => {
        const node = nodeState(cluster, nodeId)!;
        node.endDate = this.options.clock.date();
        this.setNode(node, "complete");
      },
    };
    emitEvent(region, sourceType, id, `Service update ${update.name} started on ${label} ${id}`, arn);
    try {
      const outcome = target.kind === "replication-group" ? await this.options.replication.rollNodes(region, target.group, roll) : await this.options.clusters.rollNodes(region, target.cluster, roll);
      if (outcome === "complete") {
        state.completedDate = this.options.clock.date();
        this.setStatus(state, "complete");
        emitEvent(region, sourceType, id, `Service update ${update.name} completed on ${label} ${id}`, arn);
      } else {
        this.stopped(state);
        emitEvent(region, sourceType, id, `Service update ${update.name} stopped on ${label} ${id}`, arn);
      }
    } catch (error) {
      this.stopped(state);
      // Stopping the emulator ends the node in progress: not a failure of the update.
      if (this.halted) return;
      this.options.logger.error("service update failed", { update: update.name, resource: id, error: (error as Error).message });
      emitEvent(region, sourceType, id, `Service update ${update.name} failed on ${label} ${id}`, arn);
    }
  }

  private stopped(state: ActionState): void {
    this.setStatus(state, "stopped");
    for (const node of state.nodes.values()) if (node.status !== "complete") this.setNode(node, "stopped");
  }

  /** Whether the resource is still the one the roll started on (not deleted meanwhile). */
  private current(region: RegionState, target: UpdateTarget): boolean {
    return target.kind === "replication-group"
      ? region.replicationGroups.get(target.group.id) === target.group && target.group.status !== "deleting"
      : region.clusters.get(target.cluster.id) === target.cluster && target.cluster.status !== "deleting";
  }

  private setStatus(state: ActionState, status: UpdateActionStatus): void {
    state.status = status;
    state.modifiedDate = this.options.clock.date();
  }

  private setNode(node: NodeUpdateState, status: NodeUpdateStatus): void {
    node.status = status;
    node.modifiedDate = this.options.clock.date();
  }

  private states(region: RegionState): Map<string, ActionState> {
    let states = this.applied.get(region);
    if (!states) this.applied.set(region, (states = new Map()));
    return states;
  }

  /** A real time on the clock (resource creation times are real). */
  private clockTime(real: Date): number {
    const { clock } = this.options;
    return clock.realStart + (real.getTime() - clock.realStart) * clock.scale;
  }
}

/** The replication groups and the standalone clusters of the region (members are updated with their group). */
export function targetsOf(region: RegionState): UpdateTarget[] {
  return [
    ...[...region.replicationGroups.values()].map((group) => ({ kind: "replication-group" as const, group })),
    ...[...region.clusters.values()].filter((c) => !c.member).map((cluster) => ({ kind: "cache-cluster" as const, cluster })),
  ];
}

function key(update: ServiceUpdateView, arn: string): string {
  return `${update.name}|${arn}`;
}

function describeTarget(target: UpdateTarget) {
  if (target.kind === "replication-group") {
    const g = target.group;
    return { label: "replication group", sourceType: "replication-group" as const, id: g.id, arn: g.arn, engine: g.engine, version: g.engineVersion, createTime: g.createTime, status: g.status as string };
  }
  const c = target.cluster;
  return { label: "cache cluster", sourceType: "cache-cluster" as const, id: c.id, arn: c.arn, engine: c.engine, version: c.engineVersion, createTime: c.createTime, status: c.status as string };
}

function stateErrorOf(target: UpdateTarget): string {
  return target.kind === "replication-group" ? "InvalidReplicationGroupState" : "InvalidCacheClusterState";
}

function capitalize(text: string): string {
  return text[0].toUpperCase() + text.slice(1);
}

/** Every node of the resource: a group's members by node group, a cluster's nodes. */
function nodesOf(region: RegionState, target: UpdateTarget): Array<{ cacheClusterId: string; cacheNodeId: string; nodeGroupId?: string }> {
  if (target.kind === "cache-cluster") return target.cluster.nodes.map((n) => ({ cacheClusterId: target.cluster.id, cacheNodeId: n.id }));
  return target.group.nodeGroups.flatMap((ng) =>
    ng.memberClusterIds
      .map((id) => region.clusters.get(id))
      .filter((c): c is CacheClusterRecord => c !== undefined)
      .flatMap((c) => c.nodes.map((n) => ({ cacheClusterId: c.id, cacheNodeId: n.id, nodeGroupId: ng.id }))),
  );
}
