/**
 * The vendored botocore models (service-2.json, waiters-2.json, paginators-1.json), one per
 * AWS service the emulator answers, each loaded once and exposed with types through the
 * registry at the end of this file. Parsing, validation, serialization and the type generator
 * are all driven from these, never from hand-written shape lists; every protocol function
 * takes the model it works on, so no service is the implicit one.
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
  key?: RawMemberRef;
  value?: RawMemberRef;
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
  metadata: {
    apiVersion: string;
    xmlNamespace?: string;
    protocol?: string;
    protocols?: string[];
    endpointPrefix?: string;
    signingName?: string;
    serviceId?: string;
    targetPrefix?: string;
    awsQueryCompatible?: object;
    [k: string]: unknown;
  };
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

export interface MapShape extends Constraints {
  type: "map";
  key: MemberRef;
  value: MemberRef;
  flattened: boolean;
}

export interface SimpleShape {
  type: "boolean" | "timestamp" | "blob";
}

export type Shape = StructureShape | ListShape | MapShape | StringShape | NumberShape | SimpleShape;

export interface Operation {
  name: string;
  input?: string;
  output?: string;
  resultWrapper?: string;
  errors: string[];
}

export interface ServiceModel {
  /** botocore's serviceId, e.g. "ElastiCache", "CloudWatch". */
  serviceId: string;
  apiVersion: string;
  xmlNamespace: string;
  /** The SigV4 service name in the credential scope (`elasticache`, `monitoring`). */
  signingName: string;
  /** The JSON protocols' `X-Amz-Target` prefix and the Smithy RPC v2 service name; absent for query-only services. */
  targetPrefix?: string;
  /** Wire protocols the service speaks (botocore names: `query`, `json`, `smithy-rpc-v2-cbor`). */
  protocols: readonly string[];
  /** JSON and CBOR errors also carry the query error code (`x-amzn-query-error`), for clients written against query. */
  awsQueryCompatible: boolean;
  /** The Smithy namespace that qualifies error names in JSON and CBOR (`com.amazonaws.cloudwatch#...`). */
  smithyNamespace: string;
  /** paginators-1.json (empty when the service has none). */
  paginators: Paginators;
  /** The paginator for an operation (Marker/MaxRecords, NextToken/MaxResults...), if it pages. */
  paginator(operationName: string): PaginatorConfig | undefined;
  operations: ReadonlyMap<string, Operation>;
  shapes: ReadonlyMap<string, Shape>;
  /** Undefined for an unknown (or wrongly cased) operation name. */
  operation(name: string): Operation | undefined;
  /** Throws for an unknown shape: that is a model bug, not a client error. */
  shape(name: string): Shape;
  structure(name: string): StructureShape;
}

const SUPPORTED = new Set(["structure", "list", "map", "string", "integer", "long", "double", "float", "boolean", "timestamp", "blob"]);

/** Builds the typed model; rejects shape types the protocol code does not handle (e.g. unions' documents). */
export function buildServiceModel(raw: RawServiceJson, paginators: Paginators = { pagination: {} }): ServiceModel {
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
  const meta = raw.metadata;
  const serviceId = meta.serviceId ?? meta.endpointPrefix ?? "";
  return {
    serviceId,
    apiVersion: meta.apiVersion,
    xmlNamespace: meta.xmlNamespace ?? "",
    signingName: meta.signingName ?? meta.endpointPrefix ?? serviceId.toLowerCase(),
    targetPrefix: meta.targetPrefix,
    protocols: meta.protocols ?? (meta.protocol ? [meta.protocol] : []),
    awsQueryCompatible: meta.awsQueryCompatible !== undefined,
    smithyNamespace: `com.amazonaws.${serviceId.toLowerCase().replace(/\s+/g, "")}`,
    paginators,
    paginator: (name) => paginators.pagination[name],
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
    case "map":
      if (!s.key || !s.value) throw new Error(`model: map ${name} has no key or value`);
      return { type: "map", key: s.key, value: s.value, flattened: s.flattened === true, ...c };
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

// ---- the registry: one model per service ----

/** The services whose models are vendored under fixtures/model/, by the name the emulator uses for them. */
export const SERVICE_MODEL_DIRS = {
  elasticache: "elasticache-2015-02-02",
  cloudwatch: "monitoring-2010-08-01",
} as const;

export type ServiceName = keyof typeof SERVICE_MODEL_DIRS;

export const SERVICE_NAMES = Object.keys(SERVICE_MODEL_DIRS) as ServiceName[];

/**
 * Loads each service's model files on first use and keeps them: the models are read-only
 * and shared by every emulator in the process (the compiled serializers hang off them).
 */
export class ModelRegistry {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly dirs: Readonly<Record<ServiceName, string>>) {}

  /** fixtures/model/<service>-<version>, from src/ under tsx/vitest and from dist/. */
  dir(service: ServiceName): string {
    return fixturePath("model", this.dirs[service]);
  }

  raw(service: ServiceName): RawServiceJson {
    return this.once(`${service}/raw`, () => this.readJson<RawServiceJson>(service, "service-2.json"));
  }

  model(service: ServiceName): ServiceModel {
    return this.once(`${service}/model`, () => buildServiceModel(this.raw(service), this.paginators(service)));
  }

  paginators(service: ServiceName): Paginators {
    return this.once(`${service}/paginators`, () => this.readJson<Paginators>(service, "paginators-1.json"));
  }

  waiters(service: ServiceName): Waiters {
    return this.once(`${service}/waiters`, () => this.readJson<Waiters>(service, "waiters-2.json"));
  }

  private readJson<T>(service: ServiceName, file: string): T {
    return JSON.parse(readFileSync(join(this.dir(service), file), "utf8")) as T;
  }

  private once<T>(key: string, load: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, load());
    return this.cache.get(key) as T;
  }
}

export const models = new ModelRegistry(SERVICE_MODEL_DIRS);

/** The XML element name of a list's items: the list member's locationName, else "member". */
export function listItemName(list: ListShape): string {
  return list.member.locationName ?? "member";
}
