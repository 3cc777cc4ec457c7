/**
 * ModifyCacheCluster. Node count, node type and engine version wait in
 * PendingModifiedValues unless ApplyImmediately; every other setting is recorded at once.
 */
import type { EngineKind } from "../../engines/engine.js";
import { applyPendingNodeType } from "../../lifecycle/node-type-change.js";
import { applyGroupSwitch } from "../../lifecycle/parameter-apply.js";
import { commonErrors } from "../../protocol/aws-error.js";
import type { EngineVersionEntry } from "../../catalog/catalog.js";
import { subnetGroupZones } from "../../state/network.js";
import { findParameterGroup } from "../../state/parameter-groups.js";
import type { RegionState } from "../../state/store.js";
import type { CacheClusterRecord, CacheNodeRecord } from "../../state/records.js";
import { cacheClusterToWire } from "../../state/to-wire.js";
import { modifyAccess } from "../shared/access-rules.js";
import { checkNodeCapacity, clusterNodePorts, NODES_PER_MEMCACHED_CLUSTER } from "../shared/capacity.js";
import type { ActionContext, ActionHandler, ActionInput, Services } from "../shared/context.js";
import { checkEngine, checkEngineVersion, checkNodeType, checkParameterGroup, checkParameterGroupSwitch } from "../shared/engine-rules.js";
import { findCluster, requireAvailable } from "../shared/lookups.js";
import { recordSharedSettings } from "../shared/modify-settings.js";
import { checkNodeTypeChange } from "../shared/node-type-rules.js";
import { checkCacheSecurityGroups } from "../shared/network-rules.js";
import { checkNodeIdsToRemove, checkNumCacheNodes, nodeIdFor, placeNodes, preferredZoneOf } from "./cluster-rules.js";

type Input = ActionInput<"ModifyCacheCluster">;

interface EngineChanges {
  engine?: EngineKind;
  engineVersion?: string;
  cacheNodeType?: string;
  numCacheNodes?: number;
  nodeIdsToRemove: string[];
}

export const modifyCacheCluster: ActionHandler<"ModifyCacheCluster"> = async (ctx, input) => {
  const cluster = findCluster(ctx.state, input.CacheClusterId);
  requireAvailable(cluster);
  if (cluster.member && (input.AuthToken !== undefined || input.AuthTokenUpdateStrategy !== undefined)) {
    throw commonErrors.invalidParameterCombination(
      `Cache cluster ${cluster.id} belongs to replication group ${cluster.member.replicationGroupId}: change its AUTH token with ModifyReplicationGroup.`,
    );
  }
  const changes = validateEngineChanges(cluster, input);
  if (changes.cacheNodeType !== undefined) await checkNodeTypeChange(ctx, { cluster }, changes.cacheNodeType, changes.engineVersion);
  if (changes.numCacheNodes !== undefined) {
    checkNodeCapacity(ctx, {
      addedNodes: changes.numCacheNodes - cluster.nodes.length,
      cluster: { id: cluster.id, nodesAfter: changes.numCacheNodes, limit: NODES_PER_MEMCACHED_CLUSTER },
      portsPerNode: clusterNodePorts(ctx, cluster),
    });
  }
  checkCacheSecurityGroups(ctx.state, input.CacheSecurityGroupNames ?? [], { securityGroupIds: input.SecurityGroupIds });
  const engine = changes.engine ?? cluster.engine;
  const version = checkEngineVersion(engine, changes.engineVersion ?? cluster.engineVersion);
  const previousGroup = cluster.settings.cacheParameterGroupName;
  const newGroup =
    input.CacheParameterGroupName !== undefined
      ? checkParameterGroup(ctx.state, input.CacheParameterGroupName, version)
      : changes.engineVersion !== undefined
        ? groupForNewFamily(ctx.state, previousGroup, version, input.ApplyImmediately ?? false)
        : undefined;
  if (newGroup !== undefined) checkParameterGroupSwitch(ctx.state, previousGroup, newGroup);

  const accessChanged = modifyAccess(ctx.state, cluster, input, cluster.settings.transitEncryptionEnabled ?? false, "cache cluster");
  if (accessChanged) cluster.settings.authTokenEnabled = cluster.access!.authTokenHashes.length > 0;

  recordSettings(cluster, input);
  if (newGroup !== undefined) {
    cluster.settings.cacheParameterGroupName = newGroup;
    if (newGroup !== previousGroup) void applyGroupSwitch(ctx.state, (c) => ctx.services.clusters.engineNode(c), cluster, ctx.logger);
  }
  const applyNow = input.ApplyImmediately ?? false;
  if (applyNow || accessChanged) {
    // AUTH token changes apply at once; engine changes wait for ApplyImmediately.
    const processWork = applyNow ? applyEngineChanges(cluster, withPending(cluster, changes), input.NewAvailabilityZones ?? [], subnetZones(ctx, cluster)) : false;
    if (processWork || accessChanged) {
      cluster.status = "modifying";
      ctx.services.clusters.modify(ctx.state, cluster);
    }
  }
  if (!applyNow) {
    cluster.pending = {
      ...cluster.pending,
      ...(changes.engineVersion !== undefined && { engineVersion: changes.engineVersion }),
      ...(changes.cacheNodeType !== undefined && { cacheNodeType: changes.cacheNodeType }),
      ...(changes.numCacheNodes !== undefined && {
        numCacheNodes: changes.numCacheNodes,
        cacheNodeIdsToRemove: changes.nodeIdsToRemove.length ? changes.nodeIdsToRemove : undefined,
      }),
    };
  }
  return { CacheCluster: cacheClusterToWire(cluster, { advertisedHost: ctx.services.config.advertisedHost, showCacheNodeInfo: false }) };
};

/**
 * The cluster's maintenance window opened (lifecycle/maintenance.ts): the changes waiting in
 * PendingModifiedValues are applied as ApplyImmediately would have (a node type alone through
 * applyPendingNodeType); false when none wait.
 */
export function applyPendingClusterChanges(state: RegionState, services: Services, cluster: CacheClusterRecord): boolean {
  const pending = cluster.pending;
  if (pending.engineVersion === undefined && pending.cacheNodeType === undefined && pending.numCacheNodes === undefined) return false;
  // A node type alone: lifecycle/node-type-change.ts applies it; with other changes, all go in one modify.
  if (pending.engineVersion === undefined && pending.numCacheNodes === undefined) return applyPendingNodeType(services, state, cluster);
  const zones = (() => {
    const group = state.subnetGroups.get(cluster.settings.cacheSubnetGroupName);
    return group ? subnetGroupZones(state.key.region, group) : [];
  })();
  if (!applyEngineChanges(cluster, withPending(cluster, { nodeIdsToRemove: [] }), [], zones)) return false;
  cluster.status = "modifying";
  services.clusters.modify(state, cluster);
  return true;
}

function validateEngineChanges(cluster: CacheClusterRecord, input: Input): EngineChanges {
  const changes: EngineChanges = { nodeIdsToRemove: input.CacheNodeIdsToRemove ?? [] };
  if (input.AZMode !== undefined) checkAzMode(cluster, input.AZMode);
  if (input.Engine !== undefined) {
    const engine = checkEngine(input.Engine);
    if (engine !== cluster.engine) {
      // AWS's only cross-engine change is the Redis OSS -> Valkey upgrade.
      if (!(cluster.engine === "redis" && engine === "valkey")) {
        throw commonErrors.invalidParameterCombination(`Cannot change the engine from ${cluster.engine} to ${engine}.`);
      }
      if (input.EngineVersion === undefined) {
        throw commonErrors.invalidParameterCombination("EngineVersion must be provided when changing the engine to valkey.");
      }
      changes.engine = engine;
    }
  }
  if (input.EngineVersion !== undefined) {
    const entry = checkEngineVersion(changes.engine ?? cluster.engine, input.EngineVersion);
    if (!changes.engine && compareVersions(entry.EngineVersion, cluster.engineVersion) < 0) {
      throw commonErrors.invalidParameterCombination(
        `Cannot downgrade engine version from ${cluster.engineVersion} to ${entry.EngineVersion}.`,
      );
    }
    if (entry.EngineVersion !== cluster.engineVersion || changes.engine) changes.engineVersion = entry.EngineVersion;
  }
  if (input.CacheNodeType !== undefined) {
    const nodeType = checkNodeType(input.CacheNodeType);
    if (nodeType !== cluster.cacheNodeType) changes.cacheNodeType = nodeType;
  }
  const current = cluster.nodes.length;
  if (input.NumCacheNodes === undefined) {
    if (changes.nodeIdsToRemove.length) {
      throw commonErrors.invalidParameterValue("NumCacheNodes must be provided together with CacheNodeIdsToRemove.");
    }
    return changes;
  }
  const wanted = input.NumCacheNodes;
  checkNumCacheNodes(cluster.engine, wanted);
  const toRemove = changes.nodeIdsToRemove;
  checkNodeIdsToRemove(current, wanted, toRemove);
  if (wanted < current) {
    const unknown = toRemove.find((id) => !cluster.nodes.some((n) => n.id === id));
    if (unknown) throw commonErrors.invalidParameterValue(`Cache node ${unknown} not found in cache cluster ${cluster.id}.`);
    if (new Set(toRemove).size !== toRemove.length) {
      throw commonErrors.invalidParameterValue("CacheNodeIdsToRemove names the same cache node twice.");
    }
  }
  const newAzs = input.NewAvailabilityZones ?? [];
  if (newAzs.length && newAzs.length !== wanted - current) {
    throw commonErrors.invalidParameterValue(
      `The number of NewAvailabilityZones (${newAzs.length}) must equal the number of nodes added (${Math.max(wanted - current, 0)}).`,
    );
  }
  if (wanted !== current) changes.numCacheNodes = wanted;
  return changes;
}

/** cross-az is Memcached's (as at create), and single-az cannot gather nodes already in several zones (the API reference's rule). */
function checkAzMode(cluster: CacheClusterRecord, mode: string): void {
  if (cluster.engine !== "memcached" && mode === "cross-az") {
    throw commonErrors.invalidParameterCombination("AZMode cross-az is only valid for the memcached engine.");
  }
  if (mode === "single-az" && new Set(cluster.nodes.map((n) => n.availabilityZone)).size > 1) {
    throw commonErrors.invalidParameterCombination(
      "You cannot specify single-az if the Memcached cluster already has cache nodes in different Availability Zones.",
    );
  }
}

/** ApplyImmediately applies the request together with the changes still pending from earlier ones (the request wins). */
function withPending(cluster: CacheClusterRecord, changes: EngineChanges): EngineChanges {
  const pending = cluster.pending;
  const nodes =
    changes.numCacheNodes === undefined && pending.numCacheNodes !== undefined
      ? { numCacheNodes: pending.numCacheNodes, nodeIdsToRemove: pending.cacheNodeIdsToRemove ?? [] }
      : {};
  return {
    ...changes,
    engineVersion: changes.engineVersion ?? pending.engineVersion,
    cacheNodeType: changes.cacheNodeType ?? pending.cacheNodeType,
    ...nodes,
  };
}

/** Settings AWS applies at once, whatever ApplyImmediately says. */
function recordSettings(cluster: CacheClusterRecord, input: Input): void {
  recordSharedSettings(cluster.settings, input);
  if (input.AZMode !== undefined) cluster.settings.azMode = input.AZMode;
}

/** Writes the new desired state into the record; true when engines must change. */
function applyEngineChanges(cluster: CacheClusterRecord, changes: EngineChanges, newAzs: string[], zones: string[]): boolean {
  let work = false;
  if (changes.engine) cluster.engine = changes.engine;
  if (changes.engineVersion) {
    cluster.engineVersion = changes.engineVersion;
    work = true;
  }
  if (changes.cacheNodeType) {
    cluster.cacheNodeType = changes.cacheNodeType;
    work = true;
  }
  if (changes.numCacheNodes !== undefined) {
    for (const node of cluster.nodes) if (changes.nodeIdsToRemove.includes(node.id)) node.status = "deleting";
    const staying = cluster.nodes.filter((n) => n.status !== "deleting");
    const adding = Math.max(changes.numCacheNodes - cluster.nodes.length, 0);
    const now = new Date();
    // New nodes go where asked; in a cross-az cluster, to the least used zones (existing nodes stay put).
    const single = staying[0]?.availabilityZone ?? zones[0];
    const placed = placeNodes(adding, { asked: newAzs, crossAz: cluster.settings.azMode === "cross-az", zones, used: staying.map((n) => n.availabilityZone), single });
    for (const zone of placed) {
      const node: CacheNodeRecord = {
        id: nodeIdFor(cluster.nextNodeNumber++),
        status: "creating",
        createTime: now,
        port: 0,
        availabilityZone: zone,
        parameterGroupStatus: "in-sync",
      };
      cluster.nodes.push(node);
      staying.push(node);
    }
    cluster.settings.preferredAvailabilityZone = preferredZoneOf(staying.map((n) => n.availabilityZone), cluster.settings.preferredAvailabilityZone);
    work = true;
  }
  cluster.pending = {};
  return work;
}

/**
 * An engine change into another parameter group family without a group named: a default
 * group follows to the new family's default; a custom one is refused in AWS's words for a
 * family mismatch (the README's AWS differences). The default group moves with a version
 * applied at once (ApplyImmediately); a pending version keeps the group.
 */
function groupForNewFamily(state: RegionState, current: string, version: EngineVersionEntry, applyNow: boolean): string | undefined {
  const group = findParameterGroup(state, current);
  const family = version.CacheParameterGroupFamily;
  if (!group || group.family === family) return undefined;
  // A custom group of the old family: refused as a family mismatch.
  if (!group.name.startsWith("default.")) return checkParameterGroup(state, current, version);
  // A pending version keeps the group of the version the nodes run.
  return applyNow ? checkParameterGroup(state, `default.${family}`, version) : undefined;
}

/** The zones of the cluster's subnet group (where a cross-az cluster may place new nodes). */
function subnetZones(ctx: ActionContext, cluster: CacheClusterRecord): string[] {
  const group = ctx.state.subnetGroups.get(cluster.settings.cacheSubnetGroupName);
  return group ? subnetGroupZones(ctx.region, group) : [];
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
