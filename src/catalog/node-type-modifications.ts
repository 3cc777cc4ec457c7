/**
 * Which node types a cache cluster or replication group may move to (ListAllowedNodeTypeModifications),
 * from AWS's rules as its documentation and examples show them:
 * - up: every type with at least the current memory, across families and generations;
 * - down: every smaller type whose memory still holds the data in use (AWS: "The new node
 *   type provides less than … of memory. So, the scale down fails.");
 * - the oldest generation (t1, m1, m2, c1) is never a target; Valkey runs on current
 *   generation types only; Graviton types (t4g, m6g, m7g, r6g, r7g, r6gd, c7gn) need Redis
 *   OSS 5.0.6 or later (Memcached 1.5.16 or later); data tiering types (r6gd) scale only
 *   within r6gd, and nothing else scales into r6gd; Memcached has no r6gd.
 * Both lists are sorted alphabetically, as AWS returns them.
 */
import type { EngineKind } from "../engine-terms.js";
import { nodeTypeMemoryBytes, nodeTypes } from "./catalog.js";

export interface NodeTypeSubject {
  engine: EngineKind;
  engineVersion: string;
  cacheNodeType: string;
  /** Bytes of data in use on the fullest node (Redis/Valkey `used_memory`); undefined: not known. */
  usedMemoryBytes?: number;
  /** What a node of a type really gets (the emulator's nodeMemoryScale); AWS's figure when absent. */
  nodeMemory?: (nodeType: string) => number | undefined;
}

export interface AllowedNodeTypes {
  scaleUp: string[];
  scaleDown: string[];
}

const OLDEST_GENERATION = new Set(["t1", "m1", "m2", "c1"]);
const PREVIOUS_GENERATION = new Set(["t2", "m3", "m4", "r3", "r4"]);
const DATA_TIERING = "r6gd";

function familyOf(nodeType: string): string {
  return nodeType.split(".")[1] ?? "";
}

function isGraviton(family: string): boolean {
  return /^[a-z]\d+g[a-z]*$/.test(family);
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Whether the engine at this version runs on the node type at all. */
function runsOn(engine: EngineKind, engineVersion: string, nodeType: string): boolean {
  const family = familyOf(nodeType);
  if (OLDEST_GENERATION.has(family)) return false;
  if (engine === "valkey") return !PREVIOUS_GENERATION.has(family);
  if (engine === "memcached") return family !== DATA_TIERING && (!isGraviton(family) || compareVersions(engineVersion, "1.5.16") >= 0);
  return !isGraviton(family) || compareVersions(engineVersion, "5.0.6") >= 0;
}

export function allowedNodeTypeModifications(subject: NodeTypeSubject): AllowedNodeTypes {
  const current = nodeTypeMemoryBytes(subject.cacheNodeType) ?? 0;
  const fromDataTiering = familyOf(subject.cacheNodeType) === DATA_TIERING;
  const scaleUp: string[] = [];
  const scaleDown: string[] = [];
  for (const type of nodeTypes()) {
    if (type === subject.cacheNodeType || !runsOn(subject.engine, subject.engineVersion, type)) continue;
    if ((familyOf(type) === DATA_TIERING) !== fromDataTiering) continue;
    const memory = nodeTypeMemoryBytes(type)!;
    if (memory >= current) {
      scaleUp.push(type);
      continue;
    }
    const real = subject.nodeMemory?.(type) ?? memory;
    if (subject.usedMemoryBytes === undefined || real > subject.usedMemoryBytes) scaleDown.push(type);
  }
  return { scaleUp: scaleUp.sort(), scaleDown: scaleDown.sort() };
}
