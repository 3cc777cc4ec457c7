/**
 * The vendored botocore model (service-2.json, waiters-2.json, paginators-1.json),
 * loaded once and exposed with types. Parsing, validation, serialization and the
 * type generator are all driven from this, never from hand-written shape lists.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixturePath } from "../paths.js";

// ---- raw botocore JSON (only the keys this project reads) ----

export interface RawMemberRef {
  shape: string;
  locationName?: string;
  deprecated?: boolean;
}

export interface RawShape {
  type: string;
  members?: Record<string, RawMemberRef>;
  member?: RawMemberRef;
  required?: string[];
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  locationName?: string;
  flattened?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception?: boolean;
}

export interface RawOperation {
  name: string;
  input?: { shape: string };
  output?: { shape: string; resultWrapper?: string };
  errors?: { shape: string }[];
}

export interface RawServiceJson {
  metadata: { apiVersion: string; xmlNamespace?: string; protocol?: string; [k: string]: unknown };
  operations: Record<string, RawOperation>;
  shapes: Record<string, RawShape>;
}

// ---- typed model ----

export interface MemberRef {
  shape: string;
  /** Wire name override; absent in this model for structure members, kept for safety. */
  locationName?: string;
  deprecated?: boolean;
}

interface Constraints {
  min?: number;
  max?: number;
}

export interface StructureShape extends Constraints {
  type: "structure";
  members: Record<string, MemberRef>;
  required: string[];
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception: boolean;
}

export interface ListShape extends Constraints {
  type: "list";
  member: MemberRef;
  flattened: boolean;
  /** Shape-level name: botocore uses it as the wrapper element name, the JS v3 SDK ignores it. */
  locationName?: string;
}

export interface StringShape extends Constraints {
  type: "string";
  enum?: string[];
  pattern?: string;
}

export interface NumberShape extends Constraints {
  type: "integer" | "long" | "double" | "float";
}

export interface SimpleShape {
  type: "boolean" | "timestamp";
}

export type Shape = StructureShape | ListShape | StringShape | NumberShape | SimpleShape;

export interface Operation {
  name: string;
  input?: string;
  output?: string;
  resultWrapper?: string;
  errors: string[];
}

export interface ServiceModel {
  apiVersion: string;
  xmlNamespace: string;
  operations: ReadonlyMap<string, Operation>;
  shapes: ReadonlyMap<string, Shape>;
  /** Undefined for an unknown (or wrongly cased) operation name. */
  operation(name: string): Operation | undefined;
  /** Throws for an unknown shape: that is a model bug, not a client error. */
  shape(name: string): Shape;
  structure(name: string): StructureShape;
}

const SUPPORTED = new Set(["structure", "list", "string", "integer", "long", "double", "float", "boolean", "timestamp"]);

/** Builds the typed model; rejects shape types the protocol code does not handle (maps, blobs). */
export function buildServiceModel(raw: RawServiceJson): ServiceModel {
  const shapes = new Map<string, Shape>();
  for (const [name, s] of Object.entries(raw.shapes)) {
    if (!SUPPORTED.has(s.type)) throw new Error(`model: shape ${name} has unsupported type ${s.type}`);
    shapes.set(name, toShape(name, s));
  }
  const operations = new Map<string, Operation>();
  for (const [name, o] of Object.entries(raw.operations)) {
    operations.set(name, {
      name,
      input: o.input?.shape,
      output: o.output?.shape,
      resultWrapper: o.output?.resultWrapper,
      errors: (o.errors ?? []).map((e) => e.shape),
    });
  }
  const shape = (name: string): Shape => {
    const s = shapes.get(name);
    if (!s) throw new Error(`model: unknown shape ${name}`);
    return s;
  };
  return {
    apiVersion: raw.metadata.apiVersion,
    xmlNamespace: raw.metadata.xmlNamespace ?? "",
    operations,
    shapes,
    operation: (name) => operations.get(name),
    shape,
    structure: (name) => {
      const s = shape(name);
      if (s.type !== "structure") throw new Error(`model: shape ${name} is not a structure`);
      return s;
    },
  };
}

function toShape(name: string, s: RawShape): Shape {
  const c: Constraints = {};
  if (s.min !== undefined) c.min = s.min;
  if (s.max !== undefined) c.max = s.max;
  switch (s.type) {
    case "structure":
      return {
        type: "structure",
        members: s.members ?? {},
        required: s.required ?? [],
        error: s.error,
        exception: s.exception === true,
        ...c,
      };
    case "list":
      if (!s.member) throw new Error(`model: list ${name} has no member`);
      return { type: "list", member: s.member, flattened: s.flattened === true, locationName: s.locationName, ...c };
    case "string":
      return { type: "string", enum: s.enum, pattern: s.pattern, ...c };
    case "integer":
    case "long":
    case "double":
    case "float":
      return { type: s.type, ...c };
    default:
      return { type: s.type as SimpleShape["type"] };
  }
}

// ---- waiters and paginators ----

export interface PaginatorConfig {
  input_token: string | string[];
  output_token: string | string[];
  limit_key?: string;
  result_key: string | string[];
  more_results?: string;
}

export interface Paginators {
  pagination: Record<string, PaginatorConfig>;
}

export interface WaiterAcceptor {
  expected: unknown;
  matcher: "path" | "pathAll" | "pathAny" | "status" | "error";
  state: "success" | "failure" | "retry";
  argument?: string;
}

export interface WaiterConfig {
  delay: number;
  operation: string;
  maxAttempts: number;
  acceptors: WaiterAcceptor[];
}

export interface Waiters {
  version: number;
  waiters: Record<string, WaiterConfig>;
}

// ---- loading ----

/** fixtures/model/elasticache-2015-02-02, from src/ under tsx/vitest and from dist/. */
export function findModelDir(): string {
  return fixturePath("model", "elasticache-2015-02-02");
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(findModelDir(), file), "utf8")) as T;
}

const cache = new Map<string, unknown>();
function once<T>(key: string, load: () => T): T {
  if (!cache.has(key)) cache.set(key, load());
  return cache.get(key) as T;
}

export const loadRawServiceJson = (): RawServiceJson => once("raw", () => readJson<RawServiceJson>("service-2.json"));
export const getServiceModel = (): ServiceModel => once("model", () => buildServiceModel(loadRawServiceJson()));
export const getPaginators = (): Paginators => once("paginators", () => readJson<Paginators>("paginators-1.json"));
export const getWaiters = (): Waiters => once("waiters", () => readJson<Waiters>("waiters-2.json"));

/** The paginator for an operation (Marker/MaxRecords or NextToken/MaxResults), if it pages. */
export function paginatorFor(operationName: string): PaginatorConfig | undefined {
  return getPaginators().pagination[operationName];
}

/** The XML element name of a list's items: the list member's locationName, else "member". */
export function listItemName(list: ListShape): string {
  return list.member.locationName ?? "member";
}
