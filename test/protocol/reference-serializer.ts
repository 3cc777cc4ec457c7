/**
 * REFERENCE ONLY — used by test/protocol/serializer-equivalence.test.ts.
 *
 * A verbatim copy of the original (pre-optimisation) awsQuery XML serializer from
 * src/protocol/xml-serializer.ts. The optimised serializer in src/ must produce output
 * byte-identical to this one, and throw the same error messages. Do not import this
 * from src/, and do not "fix" it: it is the specification the equivalence test pins.
 */
/**
 * awsQuery response encoding: walks the operation's output shape (model member order)
 * and writes the XML both the JS v3 SDK and botocore parse. Serialization mismatches
 * are server bugs, so they throw plain Errors (the server turns those into a 500).
 */
import type { AwsError } from "../../src/protocol/aws-error.js";
import { listItemName, type ServiceModel, type Shape, type StructureShape } from "../../src/protocol/model.js";

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
/** The model's xmlNamespace; errors may be written before (or without) loading the model. */
const DEFAULT_NAMESPACE = "http://elasticache.amazonaws.com/doc/2015-02-02/";

export function serializeOutput(model: ServiceModel, operationName: string, output: unknown, requestId: string): string {
  const op = model.operation(operationName);
  if (!op) throw new Error(`serializeOutput: unknown operation ${operationName}`);
  const out: string[] = [XML_DECL, `<${op.name}Response xmlns="${escapeXml(model.xmlNamespace)}">`];
  if (op.output) {
    // Always emit the Result element: botocore crashes (KeyError) without it.
    const wrapper = op.resultWrapper ?? `${op.name}Result`;
    out.push(`<${wrapper}>`);
    if (output !== undefined && output !== null) writeMembers(model, model.structure(op.output), output, op.name, out);
    out.push(`</${wrapper}>`);
  }
  out.push(responseMetadata(requestId), `</${op.name}Response>`);
  return out.join("");
}

export function serializeError(err: AwsError, requestId: string, xmlNamespace = DEFAULT_NAMESPACE): string {
  return (
    XML_DECL +
    `<ErrorResponse xmlns="${escapeXml(xmlNamespace)}"><Error>` +
    `<Type>${err.senderFault ? "Sender" : "Receiver"}</Type>` +
    `<Code>${escapeXml(err.code)}</Code>` +
    `<Message>${escapeXml(err.message)}</Message>` +
    `</Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}

const responseMetadata = (requestId: string) =>
  `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>`;

function writeMembers(model: ServiceModel, shape: StructureShape, value: unknown, path: string, out: string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) {
    throw new Error(`serializeOutput: ${path} must be an object`);
  }
  const obj = value as Record<string, unknown>;
  for (const [name, ref] of Object.entries(shape.members)) {
    const member = obj[name];
    if (member === undefined || member === null) continue;
    const target = model.shape(ref.shape);
    const tag = ref.locationName ?? name;
    writeValue(model, target, member, tag, `${path}.${name}`, out);
    // A list shape's own locationName renames its element in botocore only (v3 ignores it,
    // e.g. PendingModifiedValues.LogDeliveryConfigurations); write both so both SDKs see it.
    if (target.type === "list" && !ref.locationName && target.locationName && target.locationName !== tag) {
      writeValue(model, target, member, target.locationName, `${path}.${name}`, out);
    }
  }
}

function writeValue(model: ServiceModel, shape: Shape, value: unknown, tag: string, path: string, out: string[]): void {
  switch (shape.type) {
    case "structure":
      out.push(`<${tag}>`);
      writeMembers(model, shape, value, path, out);
      out.push(`</${tag}>`);
      return;
    case "list": {
      if (!Array.isArray(value)) throw new Error(`serializeOutput: ${path} must be an array`);
      const item = model.shape(shape.member.shape);
      const itemTag = listItemName(shape);
      // Flattened lists (none in this model) repeat the item element without a wrapper.
      if (!shape.flattened) out.push(`<${tag}>`);
      value.forEach((v, i) => {
        if (v !== undefined && v !== null) writeValue(model, item, v, shape.flattened ? tag : itemTag, `${path}[${i}]`, out);
      });
      if (!shape.flattened) out.push(`</${tag}>`);
      return;
    }
    default:
      out.push(`<${tag}>${escapeXml(scalarText(shape, value, path))}</${tag}>`);
  }
}

function scalarText(shape: Shape, value: unknown, path: string): string {
  switch (shape.type) {
    case "string":
      if (typeof value === "string") return value;
      if (typeof value === "number" || typeof value === "boolean") return String(value);
      break;
    case "boolean":
      if (typeof value === "boolean") return value ? "true" : "false";
      if (value === "true" || value === "false") return value;
      break;
    case "integer":
    case "long":
      if (typeof value === "number" && Number.isInteger(value)) return String(value);
      if (typeof value === "bigint") return value.toString();
      if (typeof value === "string" && /^-?\d+$/.test(value)) return value;
      break;
    case "double":
    case "float":
      if (typeof value === "number" && Number.isFinite(value)) return String(value);
      break;
    case "timestamp":
      return timestampText(value, path);
  }
  throw new Error(`serializeOutput: ${path} has ${typeof value} ${JSON.stringify(String(value))}, expected ${shape.type}`);
}

/** ISO 8601 with milliseconds and Z: v3 rejects zone-less or epoch timestamps. */
function timestampText(value: unknown, path: string): string {
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new Error(`serializeOutput: ${path} is not a valid timestamp`);
  return date.toISOString();
}

// Anything outside XML 1.0's Char production (controls, lone surrogates, U+FFFE/U+FFFF).
const ILLEGAL_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  // As a reference, so XML parsers' line-end normalisation keeps a CR intact.
  "\r": "&#xD;",
};

/** Escapes text/attribute content and drops characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  return text.replace(ILLEGAL_XML, "").replace(/[&<>"'\r]/g, (c) => ESCAPES[c]);
}
