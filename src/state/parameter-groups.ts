/**
 * Cache parameter groups as the API sees them: AWS's `default.*` groups (from the
 * catalogue, read-only) and the caller's own groups (RegionState.parameterGroups), with
 * the values a node of each group runs with.
 */
import { buildArn } from "./arn.js";
import { defaultParameterGroups } from "../catalog/catalog.js";
import { familyLineage, familyParameters, type CatalogParameter } from "../catalog/parameter-catalog.js";
import type { CacheClusterRecord } from "./records.js";
import type { RegionState } from "./store.js";

export interface ParameterGroupView {
  name: string;
  family: string;
  description: string;
  arn: string;
  isDefault: boolean;
  /** Values set by the caller (Source "user"); empty for default groups. */
  userValues: Readonly<Record<string, string>>;
}

/** AWS's quota of cache parameter groups per region. */
export const MAX_PARAMETER_GROUPS = 150;

export function findParameterGroup(state: RegionState, name: string): ParameterGroupView | undefined {
  const custom = state.parameterGroups.get(name.toLowerCase());
  if (custom) return { ...custom, isDefault: false };
  const builtIn = defaultParameterGroups().find((g) => g.name === name);
  if (!builtIn) return undefined;
  return {
    name: builtIn.name,
    family: builtIn.family,
    description: `Default parameter group for ${builtIn.family}`,
    arn: buildArn(state.key.region, state.key.accountId, "parametergroup", builtIn.name),
    isDefault: true,
    userValues: {},
  };
}

export function allParameterGroups(state: RegionState): ParameterGroupView[] {
  const defaults = defaultParameterGroups().map((g) => findParameterGroup(state, g.name)!);
  const custom = [...state.parameterGroups.values()].map((g) => ({ ...g, isDefault: false }));
  return [...defaults, ...custom];
}

/** The value a parameter has in the group: the caller's, else the family default (the `.cluster.on` groups enable cluster mode). */
export function effectiveValue(group: ParameterGroupView, param: CatalogParameter): string | undefined {
  const user = Object.hasOwn(group.userValues, param.name) ? group.userValues[param.name] : undefined;
  if (user !== undefined) return user;
  if (param.name === "cluster-enabled" && group.isDefault && group.name.endsWith(".cluster.on")) return "yes";
  return param.value;
}

export function effectiveValues(group: ParameterGroupView): Map<string, string | undefined> {
  return new Map(familyParameters(group.family).map((p) => [p.name, effectiveValue(group, p)]));
}

/** Whether nodes of this group run in cluster mode (`cluster-enabled yes`). */
export function groupEnablesClusterMode(group: ParameterGroupView): boolean {
  if (familyLineage(group.family) !== "redis") return false;
  const param = familyParameters(group.family).find((p) => p.name === "cluster-enabled");
  return param !== undefined && effectiveValue(group, param) === "yes";
}

/** Every cache cluster (replication group members included) that uses the group. */
export function clustersUsingGroup(state: RegionState, name: string): CacheClusterRecord[] {
  return [...state.clusters.values()].filter((c) => c.settings.cacheParameterGroupName === name && c.status !== "deleting");
}

export function groupInUse(state: RegionState, name: string): boolean {
  return (
    clustersUsingGroup(state, name).length > 0 ||
    [...state.replicationGroups.values()].some((g) => g.settings.cacheParameterGroupName === name && g.status !== "deleting")
  );
}
