/**
 * Between the model's typed values (Dates, Uint8Arrays, plain objects) and the documents
 * the JSON and CBOR protocols carry, walking the operation's shapes. The two protocols
 * differ only in how timestamps and blobs travel: JSON as epoch seconds and base64, CBOR
 * as tag-1 epoch values and byte strings; `DocumentScalars` says which.
 */
import { AwsError, clipValue as clip } from "./aws-error.js";
import type { ServiceModel, Shape } from "./model.js";
import { parseTimestamp } from "./query-parser.js";

export interface DocumentScalars {
  /** A wire timestamp to a Date; undefined when the value is not one. */
  readTimestamp(value: unknown): Date | undefined;
  writeTimestamp(value: Date): unknown;
  readBlob(value: unknown): Uint8Array | undefined;
  writeBlob(value: Uint8Array): unknown;
}

/** A request body that does not fit the input shape: AWS's JSON services answer SerializationException. */
export const serializationError = (message: string) => new AwsError("SerializationException", message, 400);

/** Decodes a request document into the input shape's value; unknown members are ignored, as AWS does. */
export function readDocument(model: ServiceModel, shapeName: string, value: unknown, scalars: DocumentScalars, path = ""): unknown {
  const shape = model.shape(shapeName);
  const bad = (what: string) => serializationError(`Value ${describe(value)}${path ? ` at '${path}'` : ""} cannot be read as ${what}.`);
  if (value === null || value === undefined) return undefined;
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array || value instanceof Date) throw bad("a structure");
      const out: Record<string, unknown> = {};
      const obj = value as Record<string, unknown>;
      for (const [name, ref] of Object.entries(shape.members)) {
        if (!(name in obj)) continue;
        const member = readDocument(model, ref.shape, obj[name], scalars, path ? `${path}.${name}` : name);
        if (member !== undefined) out[name] = member;
      }
      return out;
    }
    case "list":
      if (!Array.isArray(value)) throw bad("a list");
      return value.map((item, i) => readDocument(model, shape.member.shape, item, scalars, `${path}[${i}]`)).filter((v) => v !== undefined);
    case "map": {
      if (typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array) throw bad("a map");
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const item = readDocument(model, shape.value.shape, v, scalars, `${path}.${k}`);
        if (item !== undefined) out[k] = item;
      }
      return out;
    }
    case "string":
      if (typeof value !== "string") throw bad("a string");
      return value;
    case "integer":
    case "long":
      if (typeof value === "bigint") return Number(value);
      if (typeof value !== "number" || !Number.isInteger(value)) throw bad("an integer");
      return value;
    case "double":
    case "float":
      if (typeof value === "number") return value;
      // JSON spells the non-finite doubles as strings.
      if (value === "NaN") return NaN;
      if (value === "Infinity") return Infinity;
      if (value === "-Infinity") return -Infinity;
      throw bad("a number");
    case "boolean":
      if (typeof value !== "boolean") throw bad("a boolean");
      return value;
    case "timestamp": {
      const date = scalars.readTimestamp(value);
      if (!date || Number.isNaN(date.getTime())) throw bad("a timestamp");
      return date;
    }
    case "blob": {
      const bytes = scalars.readBlob(value);
      if (!bytes) throw bad("a blob");
      return bytes;
    }
  }
}

/** Encodes an output value by its shape; members absent (or null) in the value are left out. */
export function writeDocument(model: ServiceModel, shapeName: string, value: unknown, scalars: DocumentScalars): unknown {
  const shape: Shape = model.shape(shapeName);
  const mismatch = () => new Error(`writeDocument: ${describe(value)} does not fit shape ${shapeName} (${shape.type})`);
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw mismatch();
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members)) {
        const member = obj[name];
        if (member !== undefined && member !== null) out[name] = writeDocument(model, ref.shape, member, scalars);
      }
      return out;
    }
    case "list":
      if (!Array.isArray(value)) throw mismatch();
      return value.filter((v) => v !== undefined && v !== null).map((v) => writeDocument(model, shape.member.shape, v, scalars));
    case "map": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw mismatch();
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v !== undefined && v !== null) out[k] = writeDocument(model, shape.value.shape, v, scalars);
      }
      return out;
    }
    case "timestamp": {
      const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
      if (!date || Number.isNaN(date.getTime())) throw mismatch();
      return scalars.writeTimestamp(date);
    }
    case "blob":
      if (value instanceof Uint8Array) return scalars.writeBlob(value);
      if (typeof value === "string") return scalars.writeBlob(Buffer.from(value, "utf8"));
      throw mismatch();
    case "integer":
    case "long":
    case "double":
    case "float":
      if (typeof value !== "number") throw mismatch();
      return value;
    case "boolean":
      if (typeof value !== "boolean") throw mismatch();
      return value;
    case "string":
      if (typeof value !== "string") throw mismatch();
      return value;
  }
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `bytes(${value.length})`;
  try {
    return clip(JSON.stringify(value) ?? String(value), 60);
  } catch {
    return typeof value;
  }
}

/** Epoch seconds (botocore, the JS SDK) or an ISO 8601 string (lenient). */
export function epochOrIsoTimestamp(value: unknown): Date | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return new Date(Math.round(value * 1000));
  if (typeof value === "string") return parseTimestamp(value);
  return undefined;
}
