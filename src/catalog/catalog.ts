/**
 * AWS facts the API answers from: engine versions with their parameter group families,
 * node types with their memory, and the default parameter groups AWS seeds.
 */
import { readFileSync } from "node:fs";
import type { EngineKind } from "../engine-terms.js";
import { fixturePath } from "../paths.js";

export interface EngineVersionEntry {
  Engine: EngineKind;
  EngineVersion: string;
  CacheParameterGroupFamily: string;
  CacheEngineDescription: string;
  CacheEngineVersionDescription: string;
}

interface EngineVersionsFile {
  defaultVersion: Record<EngineKind, string>;
  versions: EngineVersionEntry[];
}

const engineVersions: EngineVersionsFile = JSON.parse(
  readFileSync(fixturePath("aws", "engine-versions.json"), "utf8"),
);
const nodeTypeMemory: Record<string, number> = JSON.parse(
  readFileSync(fixturePath("aws", "node-types.json"), "utf8"),
).memoryGiB;

export const engines: readonly EngineKind[] = ["memcached", "redis", "valkey"];

export function isEngine(name: string): name is EngineKind {
  return (engines as readonly string[]).includes(name);
}

export function allEngineVersions(): readonly EngineVersionEntry[] {
  return engineVersions.versions;
}

export function defaultEngineVersion(engine: EngineKind): string {
  return engineVersions.defaultVersion[engine];
}

/**
 * The catalogue entry a requested version means. AWS accepts the listed versions and,
 * for Redis 6, the "6.x" alias and full patch versions such as "6.2.6".
 */
export function findEngineVersion(engine: EngineKind, version: string): EngineVersionEntry | undefined {
  const listed = engineVersions.versions.filter((v) => v.Engine === engine);
  const exact = listed.find((v) => v.EngineVersion === version);
  if (exact) return exact;
  if (engine === "redis" && version === "6.x") return listed.find((v) => v.EngineVersion === "6.2");
  // "7.0.7" means the 7.0 line when the catalogue lists "7.0".
  const minor = /^(\d+\.\d+)\.\d+$/.exec(version)?.[1];
  return minor ? listed.find((v) => v.EngineVersion === minor) : undefined;
}

export function parameterGroupFamilies(): string[] {
  return [...new Set(engineVersions.versions.map((v) => v.CacheParameterGroupFamily))];
}

/** The default parameter group a cluster of this version gets (cluster mode disabled). */
export function defaultParameterGroupName(engine: EngineKind, version: string): string {
  const entry = findEngineVersion(engine, version);
  return `default.${entry?.CacheParameterGroupFamily ?? engine}`;
}

export function isNodeType(name: string): boolean {
  return name in nodeTypeMemory;
}

export function nodeTypes(): string[] {
  return Object.keys(nodeTypeMemory);
}

export function nodeTypeMemoryBytes(name: string): number | undefined {
  const gib = nodeTypeMemory[name];
  return gib === undefined ? undefined : Math.round(gib * 1024 * 1024 * 1024);
}

/** redis-server refuses a maxmemory much below this; memcached's minimum is 8 MB too. */
const MIN_NODE_MEMORY_BYTES = 8 * 1024 * 1024;

/** The memory a node of the type gets here: AWS's figure times the emulator's nodeMemoryScale, at least 8 MiB. */
export function scaledNodeMemoryBytes(name: string, scale: number): number | undefined {
  const bytes = nodeTypeMemoryBytes(name);
  return bytes === undefined ? undefined : Math.max(MIN_NODE_MEMORY_BYTES, Math.round(bytes * scale));
}

/** AWS's `default.*` parameter groups: one per family, plus `.cluster.on` for Redis/Valkey 3.2+. */
export function defaultParameterGroups(): Array<{ name: string; family: string }> {
  const groups: Array<{ name: string; family: string }> = [];
  for (const family of parameterGroupFamilies()) {
    groups.push({ name: `default.${family}`, family });
    if (!family.startsWith("memcached")) groups.push({ name: `default.${family}.cluster.on`, family });
  }
  return groups;
}
