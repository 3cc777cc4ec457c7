/**
 * awsQuery request decoding: turns flat form keys (`A.B.member.2.C=v`) into a plain
 * object shaped like the operation's input, walking the model's input shape so that
 * types come from the model, never from the look of a key.
 */
import { AwsError, commonErrors, clipValue as clip } from "./aws-error.js";
import { listItemName, type ListShape, type MapShape, type ServiceModel, type Shape, type StructureShape } from "./model.js";

/** List indexes accepted in keys (`X.member.N`); bounds hostile input. */
export const MAX_LIST_INDEX = 1000;

/** One node per dotted key segment, so lookups follow the shape instead of scanning keys. */
interface KeyNode {
  value?: string;
  children: Map<string, KeyNode>;
}

export function parseInput(model: ServiceModel, operationName: string, params: URLSearchParams): Record<string, unknown> {
  const op = model.operation(operationName);
  if (!op) throw commonErrors.invalidAction(operationName);
  if (!op.input) return {};
  return parseStructureNode(model, model.structure(op.input), buildTree(params), "");
}

function buildTree(params: URLSearchParams): KeyNode {
  const root: KeyNode = { children: new Map() };
  for (const [key, value] of params) {
    let node = root;
    for (const segment of key.split(".")) {
      let next = node.children.get(segment);
      if (!next) node.children.set(segment, (next = { children: new Map() }));
      node = next;
    }
    // First occurrence wins for a repeated key.
    if (node.value === undefined) node.value = value;
  }
  return root;
}

const join = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);

function parseStructureNode(
  model: ServiceModel,
  shape: StructureShape,
  node: KeyNode,
  path: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members)) {
    const wireName = ref.locationName ?? name;
    const child = node.children.get(wireName);
    if (!child) continue;
    const value = parseNode(model, model.shape(ref.shape), child, join(path, wireName));
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function parseNode(model: ServiceModel, shape: Shape, node: KeyNode, path: string): unknown {
  switch (shape.type) {
    case "structure":
      return parseStructureNode(model, shape, node, path);
    case "list":
      return parseList(model, shape, node, path);
    case "map":
      return parseMap(model, shape, node, path);
    default:
      // A scalar key with only deeper keys (`Port.x=1`) carries no value for it.
      return node.value === undefined ? undefined : parseScalar(shape, node.value, path);
  }
}

function parseList(
  model: ServiceModel,
  shape: ListShape,
  node: KeyNode,
  path: string,
): unknown[] | undefined {
  const itemName = listItemName(shape);
  // Items by index; the model's item name wins over the lenient `member` spelling.
  const items = new Map<number, { node: KeyNode; path: string }>();
  for (const name of itemName === "member" ? ["member"] : ["member", itemName]) {
    const group = node.children.get(name);
    if (!group) continue;
    for (const [index, itemNode] of group.children) {
      items.set(parseIndex(index, `${path}.${name}`), { node: itemNode, path: `${path}.${name}.${index}` });
    }
  }
  if (items.size === 0) {
    if (node.value === "") return []; // `Name=` is how SDKs send an empty list
    if (node.value !== undefined) {
      throw commonErrors.invalidParameterValue(
        `Value '${clip(node.value)}' for parameter ${path} is not valid: expected list items as ${path}.${itemName}.N.`,
      );
    }
    return undefined;
  }
  const itemShape = model.shape(shape.member.shape);
  return [...items.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, item]) => parseNode(model, itemShape, item.node, item.path))
    .filter((v) => v !== undefined);
}

/** `Name.entry.N.key=k&Name.entry.N.value=v` (the key and value names may be renamed by the model). */
function parseMap(model: ServiceModel, shape: MapShape, node: KeyNode, path: string): Record<string, unknown> | undefined {
  const group = node.children.get("entry");
  if (!group) return node.value === "" ? {} : undefined;
  const keyName = shape.key.locationName ?? "key";
  const valueName = shape.value.locationName ?? "value";
  const keyShape = model.shape(shape.key.shape);
  const valueShape = model.shape(shape.value.shape);
  const entries = [...group.children].map(([index, entry]) => ({ n: parseIndex(index, `${path}.entry`), index, entry }));
  const out: Record<string, unknown> = {};
  for (const { index, entry } of entries.sort((a, b) => a.n - b.n)) {
    const keyNode = entry.children.get(keyName);
    if (keyNode?.value === undefined) continue;
    const key = String(parseScalar(keyShape, keyNode.value, `${path}.entry.${index}.${keyName}`));
    const valueNode = entry.children.get(valueName);
    if (valueNode) out[key] = parseNode(model, valueShape, valueNode, `${path}.entry.${index}.${valueName}`);
  }
  return out;
}

function parseIndex(text: string, path: string): number {
  const n = /^[1-9]\d{0,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_LIST_INDEX)) {
    throw commonErrors.invalidParameterValue(
      `List index '${clip(text)}' in parameter ${path}.${clip(text)} is not valid: it must be an integer from 1 to ${MAX_LIST_INDEX}.`,
    );
  }
  return n;
}

const INT32: [bigint, bigint] = [-(2n ** 31n), 2n ** 31n - 1n];
const INT64: [bigint, bigint] = [-(2n ** 63n), 2n ** 63n - 1n];

/** Coerces one wire string by the scalar shape's type. Exported for handlers parsing ad hoc values. */
export function parseScalar(shape: Shape, text: string, path: string): unknown {
  const bad = (what: string) =>
    commonErrors.invalidParameterValue(`Value '${clip(text)}' for parameter ${path} is not a valid ${what}.`);
  switch (shape.type) {
    case "string":
      return text;
    case "integer":
    case "long": {
      if (!/^[+-]?\d{1,25}$/.test(text)) throw bad(shape.type === "long" ? "long" : "integer");
      const [lo, hi] = shape.type === "long" ? INT64 : INT32;
      const n = BigInt(text);
      if (n < lo || n > hi) throw bad(`${shape.type} (out of range)`);
      return Number(n);
    }
    case "double":
    case "float": {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw bad("number");
      const n = Number(text);
      if (!Number.isFinite(n)) throw bad("number (out of range)");
      return n;
    }
    case "boolean": {
      const lower = text.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      throw bad("boolean (expected true or false)");
    }
    case "blob": {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw bad("base64 value");
      return new Uint8Array(Buffer.from(text, "base64"));
    }
    case "timestamp": {
      const date = parseTimestamp(text);
      if (!date) throw bad("timestamp (expected ISO 8601 such as 2024-01-02T03:04:05Z, or epoch seconds)");
      return date;
    }
    default:
      throw new AwsError("InvalidParameterValue", `Parameter ${path} cannot take a scalar value.`);
  }
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:?\d{2})$/;

/** ISO 8601 with a zone (any fractional precision, e.g. botocore's `.123000Z`) or epoch seconds. */
export function parseTimestamp(text: string): Date | undefined {
  if (/^\d{1,12}(\.\d{1,9})?$/.test(text)) return new Date(Math.round(Number(text) * 1000));
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  let epoch = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59), ms);
  // Reject day overflow such as 02-30 rather than letting Date roll it into March.
  if (new Date(epoch).getUTCDate() !== d) return undefined;
  const zone = m[8];
  if (zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offH = Number(digits.slice(0, 2));
    const offM = Number(digits.slice(2));
    if (offH > 23 || offM > 59) return undefined;
    epoch -= sign * (offH * 60 + offM) * 60_000;
  }
  return new Date(epoch);
}
