/**
 * AWS's cache parameter catalogue (fixtures/aws/cache-parameters.json): for each parameter
 * group family, the parameters with their defaults, allowed values, data types and change
 * types, and the node-type specific ones. A family's list is data-driven: a parameter
 * belongs to the families of its lineage from `from` to `until`, with `changes` for some
 * of them (a default or a range that differs).
 */
import { readFileSync } from "node:fs";
import type { ChangeType } from "../generated/elasticache.js";
import { fixturePath } from "../paths.js";

export interface CatalogParameter {
  name: string;
  /** Undefined where AWS returns no ParameterValue (notify-keyspace-events). */
  value?: string;
  description: string;
  dataType: string;
  allowedValues?: string;
  modifiable: boolean;
  changeType: ChangeType;
  minimumEngineVersion: string;
  /** AWS lets it change only while no cluster uses the group (databases, cluster-enabled). */
  conditionallyModifiable: boolean;
}

export interface CatalogNodeTypeParameter extends Omit<CatalogParameter, "value" | "conditionallyModifiable"> {
  values: Record<string, string>;
}

interface FixtureEntry {
  name: string;
  lineage: string;
  from: string;
  until?: string;
  value?: string;
  description: string;
  dataType: string;
  allowedValues?: string;
  modifiable: boolean;
  changeType: ChangeType;
  minimumEngineVersion?: string;
  conditionallyModifiable?: boolean;
  /** Differences for the families from `in` to `until` (or onward). */
  changes?: Array<{ in: string } & Partial<FixtureEntry>>;
}

interface Fixture {
  lineages: Record<string, string[]>;
  families: Record<string, { lineage: string; minimumEngineVersion: string }>;
  parameters: FixtureEntry[];
  nodeTypeSpecificParameters: Array<FixtureEntry & { values: Record<string, string> }>;
}

const fixture: Fixture = JSON.parse(readFileSync(fixturePath("aws", "cache-parameters.json"), "utf8"));
const cache = new Map<string, CatalogParameter[]>();

export function isCatalogFamily(family: string): boolean {
  return family in fixture.families;
}

export function catalogFamilies(): string[] {
  return Object.keys(fixture.families);
}

/** "redis" for Redis OSS and Valkey families, "memcached" for Memcached. */
export function familyLineage(family: string): string | undefined {
  return fixture.families[family]?.lineage;
}

/** The family's parameters, sorted by name. */
export function familyParameters(family: string): CatalogParameter[] {
  let list = cache.get(family);
  if (!list) {
    list = fixture.parameters
      .filter((e) => inFamily(e, family))
      .map((e) => resolve(e, family))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    cache.set(family, list);
  }
  return list;
}

export function findParameter(family: string, name: string): CatalogParameter | undefined {
  return familyParameters(family).find((p) => p.name === name);
}

export function nodeTypeSpecificParameters(family: string): CatalogNodeTypeParameter[] {
  return fixture.nodeTypeSpecificParameters
    .filter((e) => inFamily(e, family))
    .map((e) => {
      const { value: _value, conditionallyModifiable: _c, ...rest } = resolve(e, family);
      return { ...rest, values: e.values };
    });
}

function inFamily(e: FixtureEntry, family: string): boolean {
  const info = fixture.families[family];
  if (!info || info.lineage !== e.lineage) return false;
  const order = fixture.lineages[e.lineage];
  const at = order.indexOf(family);
  return at >= order.indexOf(e.from) && (e.until === undefined || at <= order.indexOf(e.until));
}

function resolve(e: FixtureEntry, family: string): CatalogParameter {
  const order = fixture.lineages[e.lineage];
  const at = order.indexOf(family);
  let merged: FixtureEntry = e;
  for (const change of e.changes ?? []) {
    const applies = at >= order.indexOf(change.in) && (change.until === undefined || at <= order.indexOf(change.until));
    if (applies) merged = { ...merged, ...change, until: e.until };
  }
  const familyVersion = fixture.families[family].minimumEngineVersion;
  const own = merged.minimumEngineVersion;
  return {
    name: merged.name,
    value: merged.value,
    description: merged.description,
    dataType: merged.dataType,
    allowedValues: merged.allowedValues,
    modifiable: merged.modifiable,
    changeType: merged.changeType,
    minimumEngineVersion: own && compareVersions(own, familyVersion) > 0 ? own : familyVersion,
    conditionallyModifiable: merged.conditionallyModifiable ?? false,
  };
}

/**
 * Whether a value is one AWS accepts for the parameter: its data type, and its
 * AllowedValues (a list of values and ranges such as "0,20-", "1-75", "-5,-4,1-", "yes,no").
 */
export function isAllowedValue(param: CatalogParameter, value: string): boolean {
  if (param.dataType === "integer" || param.dataType === "float") {
    const numeric = param.dataType === "integer" ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/;
    if (!numeric.test(value)) return false;
    return param.allowedValues === undefined || inRanges(Number(value), param.allowedValues);
  }
  if (param.name === "notify-keyspace-events") return /^[KEg$lshzxeAtmdn]*$/.test(value);
  if (param.name === "rename-commands") return isRenameList(value, param.allowedValues ?? "");
  if (param.allowedValues === undefined) return true;
  return param.allowedValues.split(",").includes(value);
}

function inRanges(n: number, allowed: string): boolean {
  return allowed.split(",").some((token) => {
    if (/^-?\d+(\.\d+)?$/.test(token)) return n === Number(token);
    const range = /^(-?\d+(?:\.\d+)?)?-(-?\d+(?:\.\d+)?)?$/.exec(token);
    if (!range) return false;
    return (range[1] === undefined || n >= Number(range[1])) && (range[2] === undefined || n <= Number(range[2]));
  });
}

/** rename-commands: space-separated pairs "COMMAND new-name" of commands AWS lets you rename. */
function isRenameList(value: string, allowed: string): boolean {
  const words = value.split(/\s+/).filter(Boolean);
  if (words.length % 2 !== 0) return false;
  const commands = new Set(allowed.split(","));
  return words.every((w, i) => i % 2 === 1 || commands.has(w.toUpperCase()));
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
