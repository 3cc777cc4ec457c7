/**
 * Rules AWS applies to what a cache cluster or a replication group runs: identifiers,
 * engine, version, node type, parameter group and port, as pure checks that throw the
 * AwsError AWS answers with. Shared by the families that create and modify them.
 */
import { findEngineVersion, isEngine, isNodeType, type EngineVersionEntry } from "../../catalog/catalog.js";
import { familyParameters } from "../../catalog/parameter-catalog.js";
import type { EngineKind } from "../../engines/engine.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { effectiveValue, findParameterGroup, groupEnablesClusterMode } from "../../state/parameter-groups.js";
import type { RegionState } from "../../state/store.js";
import { requireParameterGroup } from "./lookups.js";

/** Cluster ids: 1-50 letters, digits or hyphens, starting with a letter, no `--`, no trailing `-`. */
export function checkClusterId(id: string, parameter = "CacheClusterId", maxLength = 50): string {
  const lower = id.toLowerCase();
  const valid =
    lower.length >= 1 &&
    lower.length <= maxLength &&
    /^[a-z][a-z0-9-]*$/.test(lower) &&
    !lower.includes("--") &&
    !lower.endsWith("-");
  if (!valid) {
    throw commonErrors.invalidParameterValue(
      `The parameter ${parameter} is not a valid identifier. Identifiers must begin with a letter; ` +
        `must contain only ASCII letters, digits, and hyphens; must be 1 to ${maxLength} characters; ` +
        `and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
  return lower;
}

export function checkEngine(engine: string | undefined): EngineKind {
  if (engine === undefined || engine === "") {
    throw commonErrors.invalidParameterValue("The parameter Engine must be provided and must not be blank.");
  }
  const lower = engine.toLowerCase();
  if (!isEngine(lower)) {
    throw commonErrors.invalidParameterValue(`Invalid value for parameter Engine: ${engine}. Valid values: memcached, redis, valkey.`);
  }
  return lower;
}

export function checkEngineVersion(engine: EngineKind, version: string): EngineVersionEntry {
  const entry = findEngineVersion(engine, version);
  if (!entry) throw commonErrors.invalidParameterCombination(`Cannot find version ${version} for ${engine}`);
  return entry;
}

export function checkNodeType(nodeType: string | undefined): string {
  if (nodeType === undefined || nodeType === "") {
    throw commonErrors.invalidParameterValue("The parameter CacheNodeType must be provided and must not be null.");
  }
  if (!isNodeType(nodeType)) throw commonErrors.invalidParameterValue(`Invalid Cache Node Type: ${nodeType}`);
  return nodeType;
}

/**
 * The group must exist, belong to the engine version's family and match the cluster mode
 * (`cluster-enabled`). Returns the group's name as stored (custom names are lowercase).
 */
export function checkParameterGroup(state: RegionState, name: string, version: EngineVersionEntry, clusterEnabled = false): string {
  const group = requireParameterGroup(state, name);
  if (group.family !== version.CacheParameterGroupFamily) {
    // AWS's words (hashicorp/terraform-provider-aws PR #7033, hashicorp/terraform PR #11269).
    throw commonErrors.invalidParameterCombination(
      `Expected a parameter group of family ${version.CacheParameterGroupFamily} but found one of family ${group.family}`,
    );
  }
  if (groupEnablesClusterMode(group) !== clusterEnabled) {
    throw commonErrors.invalidParameterCombination(
      `The parameter group ${name} is not compatible with engine ${version.Engine} ${version.EngineVersion} ` +
        `(family ${version.CacheParameterGroupFamily}, cluster mode ${clusterEnabled ? "enabled" : "disabled"}).`,
    );
  }
  return group.name;
}

/**
 * A cluster moves to another group only when the conditionally modifiable parameters
 * (databases, cluster-enabled, ...) have the same values in both, as AWS requires.
 */
export function checkParameterGroupSwitch(state: RegionState, from: string, to: string): void {
  const before = findParameterGroup(state, from);
  const after = requireParameterGroup(state, to);
  if (!before || before.family !== after.family) return;
  const differing = familyParameters(after.family).find(
    (p) => p.conditionallyModifiable && effectiveValue(before, p) !== effectiveValue(after, p),
  );
  if (differing) {
    throw commonErrors.invalidParameterCombination(
      `The parameter ${differing.name} must have the same value in ${before.name} and ${after.name} to change the cluster's parameter group.`,
    );
  }
}

/** Whether a parameter group turns cluster mode on (`cluster-enabled yes`), as AWS's `.cluster.on` groups do. */
export function isClusterModeGroup(state: RegionState, name: string): boolean {
  const group = findParameterGroup(state, name);
  return group ? groupEnablesClusterMode(group) : name.endsWith(".cluster.on");
}

export function checkPort(port: number): void {
  if (port < 1 || port > 65535) throw commonErrors.invalidParameterValue(`Invalid value for parameter Port: ${port}.`);
}
