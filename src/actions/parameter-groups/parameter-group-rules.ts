/** Rules AWS applies to cache parameter group requests, and groups and parameters as output shapes. */
import { familyParameters, isAllowedValue, nodeTypeSpecificParameters, type CatalogParameter } from "../../catalog/parameter-catalog.js";
import type { CacheNodeTypeSpecificParameter, Parameter } from "../../generated/elasticache.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { effectiveValue, groupInUse, type ParameterGroupView } from "../../state/parameter-groups.js";
import type { ParameterGroupRecord } from "../../state/records.js";
import type { RegionState } from "../../state/store.js";
import { requireParameterGroup } from "../shared/lookups.js";

/** AWS takes at most 20 parameters per ModifyCacheParameterGroup / ResetCacheParameterGroup (InvalidParameterCombination beyond). */
export const MAX_PARAMETERS_PER_REQUEST = 20;

/** Group names: 1-255 letters, digits or hyphens, starting with a letter, no `--`, no trailing `-`; stored lowercase. */
export function checkGroupName(name: string): string {
  const lower = name.toLowerCase();
  const valid = lower.length >= 1 && lower.length <= 255 && /^[a-z][a-z0-9-]*$/.test(lower) && !lower.includes("--") && !lower.endsWith("-");
  if (!valid) {
    throw commonErrors.invalidParameterValue(
      `The parameter CacheParameterGroupName is not a valid identifier. Identifiers must begin with a letter; ` +
        "must contain only ASCII letters, digits, and hyphens; must be 1 to 255 characters; and must not end with a hyphen or contain two consecutive hyphens.",
    );
  }
  return lower;
}

/** A group the caller may change: it exists and is not one of AWS's `default.*` groups. */
export function requireCustomGroup(state: RegionState, name: string, verb: string): ParameterGroupRecord {
  const group = requireParameterGroup(state, name);
  if (group.isDefault) {
    throw modelError("InvalidCacheParameterGroupStateFault", `Default parameter group ${group.name} cannot be ${verb}.`);
  }
  return state.parameterGroups.get(group.name)!;
}

/**
 * The parameter a request names, in the group's family; it must be one AWS lets you change
 * (conditionally modifiable ones only while no cluster uses the group).
 */
export function changeableParameter(state: RegionState, group: ParameterGroupRecord, name: string | undefined): CatalogParameter {
  if (!name) throw commonErrors.invalidParameterValue("The parameter ParameterName must be provided and must not be blank.");
  const param = familyParameters(group.family).find((p) => p.name === name);
  if (!param) throw commonErrors.invalidParameterValue(`Parameter ${name} is not a valid parameter for family ${group.family}.`);
  if (!param.modifiable && !param.conditionallyModifiable) {
    throw commonErrors.invalidParameterValue(`Parameter ${name} is not modifiable.`);
  }
  if (param.conditionallyModifiable && groupInUse(state, group.name)) {
    throw modelError(
      "InvalidCacheParameterGroupStateFault",
      `Parameter ${name} can only be changed while no cache cluster uses the parameter group ${group.name}.`,
    );
  }
  return param;
}

export function checkParameterList(entries: Array<{ ParameterName?: string }>, required: boolean): void {
  if (required && entries.length === 0) {
    throw commonErrors.invalidParameterValue("The parameter ParameterNameValues must contain at least one parameter.");
  }
  if (entries.length > MAX_PARAMETERS_PER_REQUEST) {
    throw commonErrors.invalidParameterCombination(`Cannot modify more than ${MAX_PARAMETERS_PER_REQUEST} parameters in a single request`);
  }
  const names = entries.map((e) => e.ParameterName);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw commonErrors.invalidParameterCombination(`Parameter ${twice} is named more than once.`);
}

export function checkValue(param: CatalogParameter, value: string | undefined): string {
  if (value === undefined) throw commonErrors.invalidParameterValue(`The parameter ParameterValue must be provided for ${param.name}.`);
  if (!isAllowedValue(param, value)) {
    const allowed = param.allowedValues ? ` Allowed values: ${param.allowedValues}.` : "";
    throw commonErrors.invalidParameterValue(`Value ${JSON.stringify(value)} is not valid for parameter ${param.name} (${param.dataType}).${allowed}`);
  }
  return value;
}

/** A parameter as DescribeCacheParameters shows it: "user" when the caller set it, else "system". */
export function parameterToWire(param: CatalogParameter, group?: ParameterGroupView): Parameter {
  const value = group ? effectiveValue(group, param) : param.value;
  return {
    ParameterName: param.name,
    ParameterValue: value,
    Description: param.description,
    Source: group && Object.hasOwn(group.userValues, param.name) ? "user" : "system",
    DataType: param.dataType,
    AllowedValues: param.allowedValues,
    IsModifiable: param.modifiable,
    MinimumEngineVersion: param.minimumEngineVersion,
    ChangeType: param.changeType,
  };
}

export function nodeTypeParametersToWire(family: string): CacheNodeTypeSpecificParameter[] {
  return nodeTypeSpecificParameters(family).map((p) => ({
    ParameterName: p.name,
    Description: p.description,
    Source: "system",
    DataType: p.dataType,
    AllowedValues: p.allowedValues,
    IsModifiable: p.modifiable,
    MinimumEngineVersion: p.minimumEngineVersion,
    ChangeType: p.changeType,
    CacheNodeTypeSpecificValues: Object.entries(p.values).map(([CacheNodeType, Value]) => ({ CacheNodeType, Value })),
  }));
}
