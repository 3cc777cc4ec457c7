/**
 * Model constraint checks on a parsed input: required members, enums, min/max and
 * patterns. The first violation (in model member order) is thrown as an AwsError. How a
 * violation is worded is the service's: ElastiCache (query) names the wire path
 * (`Filters.member.1.Name`) in an InvalidParameterValue/MissingParameter; services behind
 * AWS's Coral validation (CloudWatch) answer ValidationError "1 validation error detected:
 * Value '0' at 'maxRecords' failed to satisfy constraint: ...".
 */
import { AwsError, commonErrors, clipValue as clip } from "./aws-error.js";
import { listItemName, type ServiceModel, type Shape, type StructureShape } from "./model.js";

/** One broken rule, in words both wordings can render. */
export type Violation =
  | { kind: "type"; expected: "structure" | "list" | "map" | "string" | "number" | "boolean" | "timestamp" | "blob" }
  | { kind: "enum"; values: readonly string[] }
  | { kind: "min" | "max"; what: "number of items" | "length" | "value"; actual: number; limit: number }
  | { kind: "pattern"; pattern: string };

/** Turns a violation into the service's error. Paths are lists of member names and 1-based indexes. */
export interface ViolationWording {
  missing(path: PathSegment[]): AwsError;
  invalid(path: PathSegment[], value: unknown, violation: Violation): AwsError;
}

type PathSegment = { member: string; wireName: string } | { item: number; itemName: string } | { key: string };

export function validateInput(
  model: ServiceModel,
  operationName: string,
  input: Record<string, unknown>,
  wording: ViolationWording = queryWording,
): void {
  const op = model.operation(operationName);
  if (!op) throw commonErrors.invalidAction(operationName);
  if (op.input) new Walker(model, wording).structure(model.structure(op.input), input, []);
}

class Walker {
  constructor(
    private readonly model: ServiceModel,
    private readonly wording: ViolationWording,
  ) {}

  structure(shape: StructureShape, value: unknown, path: PathSegment[]): void {
    if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date || value instanceof Uint8Array) {
      throw this.wording.invalid(path, value, { kind: "type", expected: "structure" });
    }
    const obj = value as Record<string, unknown>;
    for (const name of shape.required) {
      const ref = shape.members[name];
      if (obj[name] === undefined || obj[name] === null) throw this.wording.missing([...path, { member: name, wireName: ref?.locationName ?? name }]);
    }
    for (const [name, ref] of Object.entries(shape.members)) {
      const member = obj[name];
      if (member === undefined || member === null) continue;
      this.value(this.model.shape(ref.shape), member, [...path, { member: name, wireName: ref.locationName ?? name }]);
    }
  }

  private value(shape: Shape, value: unknown, path: PathSegment[]): void {
    const fail = (violation: Violation) => this.wording.invalid(path, value, violation);
    switch (shape.type) {
      case "structure":
        return this.structure(shape, value, path);
      case "list": {
        if (!Array.isArray(value)) throw fail({ kind: "type", expected: "list" });
        this.range(value.length, shape, "number of items", fail);
        const item = this.model.shape(shape.member.shape);
        const itemName = listItemName(shape);
        value.forEach((v, i) => {
          if (v !== undefined && v !== null) this.value(item, v, [...path, { item: i + 1, itemName }]);
        });
        return;
      }
      case "map": {
        if (typeof value !== "object" || value === null || Array.isArray(value)) throw fail({ kind: "type", expected: "map" });
        const entries = Object.entries(value as Record<string, unknown>);
        this.range(entries.length, shape, "number of items", fail);
        const keyShape = this.model.shape(shape.key.shape);
        const valueShape = this.model.shape(shape.value.shape);
        for (const [k, v] of entries) {
          this.value(keyShape, k, [...path, { key: k }]);
          if (v !== undefined && v !== null) this.value(valueShape, v, [...path, { key: k }]);
        }
        return;
      }
      case "string": {
        if (typeof value !== "string") throw fail({ kind: "type", expected: "string" });
        if (shape.enum && !shape.enum.includes(value)) throw fail({ kind: "enum", values: shape.enum });
        // Length in code points, as the Smithy length trait defines it.
        this.range([...value].length, shape, "length", fail);
        if (shape.pattern !== undefined && !anchored(shape.pattern).test(value)) throw fail({ kind: "pattern", pattern: shape.pattern });
        return;
      }
      case "integer":
      case "long":
      case "double":
      case "float":
        if (typeof value !== "number" || Number.isNaN(value)) throw fail({ kind: "type", expected: "number" });
        this.range(value, shape, "value", fail);
        return;
      case "boolean":
        if (typeof value !== "boolean") throw fail({ kind: "type", expected: "boolean" });
        return;
      case "timestamp":
        if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw fail({ kind: "type", expected: "timestamp" });
        return;
      case "blob":
        if (!(value instanceof Uint8Array)) throw fail({ kind: "type", expected: "blob" });
        return;
    }
  }

  private range(
    n: number,
    c: { min?: number; max?: number },
    what: "number of items" | "length" | "value",
    fail: (violation: Violation) => AwsError,
  ): void {
    if (c.min !== undefined && n < c.min) throw fail({ kind: "min", what, actual: n, limit: c.min });
    if (c.max !== undefined && n > c.max) throw fail({ kind: "max", what, actual: n, limit: c.max });
  }
}

// ---- wordings ----

/** The query wire path: `Filters.member.1.Name` (list items by their item name). */
function wirePath(path: PathSegment[]): string {
  return path
    .map((s) => ("member" in s ? s.wireName : "item" in s ? `${s.itemName}.${s.item}` : `entry.${s.key}`))
    .join(".");
}

/** ElastiCache's (awsQuery) wording: the wire path in an InvalidParameterValue / MissingParameter. */
export const queryWording: ViolationWording = {
  missing: (path) => commonErrors.missingParameter(wirePath(path)),
  invalid(path, value, v) {
    const at = wirePath(path);
    switch (v.kind) {
      case "type":
        return commonErrors.invalidParameterValue(`Parameter ${at} must be a ${v.expected}.`);
      case "enum":
        return commonErrors.invalidParameterValue(`Value '${clip(String(value))}' for parameter ${at} is not valid. Valid values: ${v.values.join(", ")}.`);
      case "min":
        return commonErrors.invalidParameterValue(`Parameter ${at} is invalid: ${v.what} ${v.actual} is below the minimum of ${v.limit}.`);
      case "max":
        return commonErrors.invalidParameterValue(`Parameter ${at} is invalid: ${v.what} ${v.actual} is above the maximum of ${v.limit}.`);
      case "pattern":
        return commonErrors.invalidParameterValue(`Value '${clip(String(value))}' for parameter ${at} does not match the pattern ${v.pattern}.`);
    }
  },
};

/** Coral's member path: lower-camel member names, list items as `alarmNames.1.member`. */
function coralPath(path: PathSegment[]): string {
  return path
    .map((s) => ("member" in s ? s.member.charAt(0).toLowerCase() + s.member.slice(1) : "item" in s ? `${s.item}.member` : s.key))
    .join(".");
}

function coralValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.map((v) => String(v)).join(", ")}]`;
  return clip(typeof value === "object" && value !== null ? JSON.stringify(value) : String(value));
}

const validationError = (detail: string) => new AwsError("ValidationError", `1 validation error detected: ${detail}`, 400);

/**
 * The wording of AWS services validated by Coral (CloudWatch among them): code ValidationError,
 * HTTP 400, "1 validation error detected: Value 'X' at 'member' failed to satisfy constraint: ...".
 */
export const coralWording: ViolationWording = {
  missing: (path) => validationError(`Value null at '${coralPath(path)}' failed to satisfy constraint: Member must not be null`),
  invalid(path, value, v) {
    const at = `Value '${coralValue(value)}' at '${coralPath(path)}' failed to satisfy constraint: Member must`;
    switch (v.kind) {
      case "type":
        return validationError(`${at} be a ${v.expected}`);
      case "enum":
        return validationError(`${at} satisfy enum value set: [${v.values.join(", ")}]`);
      case "min":
        return validationError(`${at} have ${v.what === "value" ? "value" : "length"} greater than or equal to ${v.limit}`);
      case "max":
        return validationError(`${at} have ${v.what === "value" ? "value" : "length"} less than or equal to ${v.limit}`);
      case "pattern":
        return validationError(`${at} satisfy regular expression pattern: ${v.pattern}`);
    }
  },
};

const patterns = new Map<string, RegExp>();
/** Model patterns must match the whole value; `s` lets `.` span lines (e.g. `.*\S.*`). */
function anchored(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) patterns.set(pattern, (re = new RegExp(`^(?:${pattern})$`, "s")));
  return re;
}
