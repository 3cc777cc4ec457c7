/**
 * Applies parameter groups to the engines. A node starts with its group's values; a change
 * to the group (or a switch to another group) reaches running nodes at once for the
 * parameters AWS changes immediately (CONFIG SET), and waits for the next restart for the
 * `requires-reboot` ones: until then the node's ParameterGroupStatus is `pending-reboot`.
 */
import { redisDirectives, reachesEngine } from "../engines/engine-parameters.js";
import type { EngineNode } from "../engines/engine.js";
import type { Logger } from "../logger.js";
import { familyLineage, familyParameters } from "../catalog/parameter-catalog.js";
import { clustersUsingGroup, effectiveValues, findParameterGroup, type ParameterGroupView } from "../state/parameter-groups.js";
import type { CacheClusterRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import { startedWith, staticValues } from "./node-runner.js";

/** The running engine of a (single-node) cluster, if any. */
export type EngineOf = (cluster: CacheClusterRecord) => EngineNode | undefined;

/**
 * The group changed (ModifyCacheParameterGroup / ResetCacheParameterGroup): immediate
 * parameters go to every running node of every cluster using it; the others mark the
 * nodes `pending-reboot`. Resolves once the engines have the new values.
 */
export async function applyGroupChange(
  region: RegionState,
  engineOf: EngineOf,
  groupName: string,
  changed: string[],
  logger: Logger,
): Promise<void> {
  const group = findParameterGroup(region, groupName);
  if (!group) return;
  await Promise.all(
    clustersUsingGroup(region, group.name).map(async (cluster) => {
      await setDynamic(cluster, engineOf, group, changed, logger);
      refreshApplyStatus(region, cluster);
    }),
  );
}

/**
 * A cluster now uses another group (ModifyCacheCluster / ModifyReplicationGroup): its nodes
 * show `applying` while the new group's immediate values are set, then `in-sync`, or
 * `pending-reboot` when requires-reboot values differ from what the nodes run with.
 */
export function applyGroupSwitch(region: RegionState, engineOf: EngineOf, cluster: CacheClusterRecord, logger: Logger): Promise<void> {
  const group = findParameterGroup(region, cluster.settings.cacheParameterGroupName);
  if (!group) return Promise.resolve();
  for (const node of cluster.nodes) node.parameterGroupStatus = "applying";
  const names = familyParameters(group.family).map((p) => p.name);
  return setDynamic(cluster, engineOf, group, names, logger).finally(() => refreshApplyStatus(region, cluster));
}

/** Each node is `pending-reboot` when the requires-reboot values of its group differ from those it started with. */
export function refreshApplyStatus(region: RegionState, cluster: CacheClusterRecord): void {
  const group = findParameterGroup(region, cluster.settings.cacheParameterGroupName);
  if (!group) return;
  const wanted = staticValues(group);
  for (const node of cluster.nodes) {
    const had = startedWith(node);
    if (!had) continue; // not started yet: it will start with the group's values
    const differs = [...wanted].some(([name, value]) => had.get(name) !== value);
    node.parameterGroupStatus = differs ? "pending-reboot" : "in-sync";
  }
}

async function setDynamic(
  cluster: CacheClusterRecord,
  engineOf: EngineOf,
  group: ParameterGroupView,
  names: string[],
  logger: Logger,
): Promise<void> {
  if (familyLineage(group.family) !== "redis") return; // memcached has no immediate parameters
  const engine = engineOf(cluster);
  if (!engine?.adminCommand) return; // not running: it starts with the group's values
  const all = effectiveValues(group);
  const immediate = new Map<string, string>();
  for (const param of familyParameters(group.family)) {
    if (!names.includes(param.name) || param.changeType !== "immediate" || !reachesEngine("redis", param.name)) continue;
    if (!param.modifiable) continue;
    immediate.set(param.name, all.get(param.name) ?? "");
  }
  for (const [name, value] of redisDirectives(immediate, all)) {
    try {
      await engine.adminCommand(["CONFIG", "SET", name, value]);
    } catch (error) {
      // The engine refused a value AWS accepts (a feature this binary lacks): the node keeps running.
      logger.warn("engine refused a parameter", { cluster: cluster.id, name, value, error: (error as Error).message });
    }
  }
}
