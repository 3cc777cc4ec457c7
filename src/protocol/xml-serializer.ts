/**
 * awsQuery response encoding: walks the operation's output shape (model member order)
 * and writes the XML both the JS v3 SDK and botocore parse. Serialization mismatches
 * are server bugs, so they throw plain Errors (the server turns those into a 500).
 *
 * Speed: DescribeCacheClusters pages run to hundreds of KB, so the walk is compiled once
 * per model into writer functions (member tables in model order, tags pre-rendered) and
 * the XML is appended to one string. Resources with an ARN are written once and reused while
 * unchanged (xml-memo.ts). Error paths (`Op.Member[i].Field`) are rebuilt only
 * when a value does not fit its shape, as the error unwinds through the writers.
 */
import { escapeXml, XML_DECL } from "./error-serializer.js";
import { listItemName, type ListShape, type MapShape, type Operation, type ServiceModel, type Shape } from "./model.js";
import { XmlMemo } from "./xml-memo.js";


export function serializeOutput(model: ServiceModel, operationName: string, output: unknown, requestId: string): string {
  return serializeOutputChunks(model, operationName, output, requestId).join("");
}

/**
 * The response as consecutive pieces of at most about CHUNK_CHARS each, for the HTTP layer
 * to encode one by one. One string of a large page would be over V8's 128 KB limit for
 * ordinary heap objects, and allocating it (then freeing it in a full GC) costs more than
 * writing the XML.
 */
export function serializeOutputChunks(model: ServiceModel, operationName: string, output: unknown, requestId: string): string[] {
  const op = model.operation(operationName);
  if (!op) throw new Error(`serializeOutput: unknown operation ${operationName}`);
  const plan = compiledFor(model).plan(op);
  // With an output shape, head and resultClose hold the Result element, written even for an
  // empty output: botocore crashes (KeyError) without it.
  let xml = plan.head;
  const chunks: string[] = [];
  if (op.output && output !== undefined && output !== null) {
    sink = chunks;
    try {
      xml = plan.outputWriter()(xml, output);
    } catch (e) {
      if (e instanceof ShapeMismatch) throw new Error(`serializeOutput: ${op.name}${e.path}${e.problem}`);
      throw e;
    } finally {
      sink = undefined;
    }
  }
  chunks.push(xml + plan.resultClose + responseMetadata(requestId) + plan.tail);
  return chunks;
}

const responseMetadata = (requestId: string) =>
  `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>`;

// ---- errors: a value that does not fit its shape ----

/**
 * Thrown by the writers with the path relative to the writer that threw; each enclosing
 * structure or list prepends its segment (`.Member`, `[i]`) as it unwinds, and
 * serializeOutput turns it into the plain Error the server reports.
 */
class ShapeMismatch {
  path = "";
  constructor(readonly problem: string) {}
}

function prependPath(e: unknown, segment: string): unknown {
  if (e instanceof ShapeMismatch) e.path = segment + e.path;
  return e;
}

// ---- compiled writers ----

const CHUNK_CHARS = 32 * 1024;

/**
 * Where list writers hand over the text written so far once it passes CHUNK_CHARS (see
 * serializeOutputChunks). Writers only ever append, so any point between two appends is
 * a valid cut. Serialization is synchronous, so one module-level sink is enough.
 */
let sink: string[] | undefined;

function cut(xml: string): string {
  if (sink === undefined || xml.length < CHUNK_CHARS) return xml;
  sink.push(xml);
  return "";
}

/**
 * Markup computed once, as one flat string. V8 keeps `a + b` (and template literals) of 13+
 * characters as a rope, and every response containing it would walk that rope again when
 * the response is flattened; Array.prototype.join builds a flat string.
 */
const flat = (...parts: string[]): string => ["", ...parts].join("");

/**
 * Appends the text of a present (non-null) value to `xml` and returns the result. Writers
 * append to the one string rather than returning pieces: fewer, larger rope pieces are
 * what keeps V8's final flattening of the response cheap.
 */
type Writer = (xml: string, value: unknown) => string;

/** How a value is written in one element: `open`, then `write`, then `close`. */
interface ElementPlan {
  /** Tag(s) before the content; empty for a flattened list, whose items carry the tags. */
  open: string;
  close: string;
  write: Writer;
}

interface Member extends ElementPlan {
  name: string;
}

interface OperationPlan {
  /** XML declaration, `<OpResponse xmlns>` and, with an output shape, `<OpResult>`. */
  head: string;
  /** `</OpResult>`, or empty for an operation without output. */
  resultClose: string;
  tail: string;
  outputWriter(): Writer;
}

class CompiledModel {
  private readonly structures = new Map<string, Writer>();
  private readonly plans = new Map<Operation, OperationPlan>();
  private readonly memo = new XmlMemo();

  constructor(private readonly model: ServiceModel) {}

  plan(op: Operation): OperationPlan {
    let plan = this.plans.get(op);
    if (!plan) {
      const result = op.resultWrapper ?? `${op.name}Result`;
      const outputShape = op.output;
      let writer: Writer | undefined;
      const outputWriter = (): Writer => {
        if (!writer) {
          // Checked at the first non-empty output, where the model's error was always thrown.
          this.model.structure(outputShape!);
          writer = this.structure(outputShape!);
        }
        return writer;
      };
      plan = {
        head: flat(XML_DECL, `<${op.name}Response xmlns="${escapeXml(this.model.xmlNamespace)}">`, outputShape ? `<${result}>` : ""),
        resultClose: outputShape ? flat(`</${result}>`) : "",
        tail: flat(`</${op.name}Response>`),
        outputWriter,
      };
      this.plans.set(op, plan);
    }
    return plan;
  }

  /**
   * The writer of a structure's members (not its own tags), in model order. The member table
   * is compiled at first use, which also makes recursive shapes safe. Between two members it
   * writes one string, the first one's close tag and the next one's open tag, cached per pair.
   */
  private structure(shapeName: string): Writer {
    let writer = this.structures.get(shapeName);
    if (writer) return writer;
    let members: Member[] | undefined;
    /** [(previous + 1) * count + next]: close of the previous member written (if any) + open of the next. */
    let separators: (string | undefined)[] = [];
    writer = (xml, value) => {
      if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) {
        throw new ShapeMismatch(" must be an object");
      }
      if (!members) {
        members = this.members(shapeName);
        separators = new Array<string | undefined>((members.length + 1) * members.length);
      }
      const count = members.length;
      const obj = value as Record<string, unknown>;
      let previous = -1;
      let i = 0;
      try {
        for (; i < count; i++) {
          const member = members[i];
          const v = obj[member.name];
          if (v === undefined || v === null) continue;
          const key = (previous + 1) * count + i;
          xml += separators[key] ?? (separators[key] = flat(previous < 0 ? "" : members[previous].close, member.open));
          xml = member.write(xml, v);
          previous = i;
        }
      } catch (e) {
        throw prependPath(e, `.${members[i].name}`);
      }
      return previous < 0 ? xml : xml + members[previous].close;
    };
    if ("ARN" in this.model.structure(shapeName).members) writer = this.memoized(shapeName, writer);
    this.structures.set(shapeName, writer);
    return writer;
  }

  /** A resource's members, written once per content (see xml-memo.ts). */
  private memoized(shapeName: string, write: Writer): Writer {
    return (xml, value) => {
      const arn = (value as { ARN?: unknown } | null)?.ARN;
      if (typeof arn !== "string") return write(xml, value);
      const key = `${shapeName} ${arn}`;
      return xml + (this.memo.lookup(key, value) ?? this.memo.remember(key, value, whole(() => write("", value))));
    };
  }

  private members(shapeName: string): Member[] {
    return Object.entries(this.model.structure(shapeName).members).map(([name, ref]): Member => {
      let target: Shape;
      try {
        target = this.model.shape(ref.shape);
      } catch {
        // A dangling reference fails only when the member is present, with the model's own error.
        const fail: Writer = (xml) => {
          this.model.shape(ref.shape);
          return xml;
        };
        return { name, open: "", close: "", write: fail };
      }
      const tag = ref.locationName ?? name;
      const element = this.element(ref.shape, target, tag);
      // A list shape's own locationName renames its element in botocore only (v3 ignores it,
      // e.g. PendingModifiedValues.LogDeliveryConfigurations); write both so both SDKs see it.
      if (target.type === "list" && !ref.locationName && target.locationName && target.locationName !== tag) {
        const again = this.element(ref.shape, target, target.locationName);
        const between = flat(element.close, again.open);
        return {
          name,
          open: element.open,
          close: again.close,
          write: (xml, v) => again.write(element.write(xml, v) + between, v),
        };
      }
      return { name, ...element };
    });
  }

  private element(shapeName: string, shape: Shape, tag: string): ElementPlan {
    const open = flat(`<${tag}>`);
    const close = flat(`</${tag}>`);
    switch (shape.type) {
      case "structure":
        return { open, close, write: this.structure(shapeName) };
      case "list":
        // Flattened lists (none in this model) repeat the item element without a wrapper.
        return shape.flattened
          ? { open: "", close: "", write: this.list(shape, tag) }
          : { open, close, write: this.list(shape, listItemName(shape)) };
      case "map":
        return { open, close, write: this.map(shape) };
      default:
        return { open, close, write: scalarWriter(shape) };
    }
  }

  /** A map's entries as `<entry><key>k</key><value>v</value></entry>` (awsQuery's map form). */
  private map(shape: MapShape): Writer {
    let key: ElementPlan | undefined;
    let value: ElementPlan | undefined;
    return (xml, map) => {
      if (typeof map !== "object" || map === null || Array.isArray(map)) throw new ShapeMismatch(" must be an object");
      key ??= this.element(shape.key.shape, this.model.shape(shape.key.shape), shape.key.locationName ?? "key");
      value ??= this.element(shape.value.shape, this.model.shape(shape.value.shape), shape.value.locationName ?? "value");
      for (const [k, v] of Object.entries(map as Record<string, unknown>)) {
        if (v === undefined || v === null) continue;
        try {
          xml = value.write(key.write(xml + "<entry>" + key.open, k) + key.close + value.open, v) + value.close + "</entry>";
        } catch (e) {
          throw prependPath(e, `[${JSON.stringify(k)}]`);
        }
      }
      return xml;
    };
  }

  /** The items of a list, each in an `itemTag` element. */
  private list(shape: ListShape, itemTag: string): Writer {
    let item: ElementPlan | undefined;
    let between = "";
    return (xml, value) => {
      if (!Array.isArray(value)) throw new ShapeMismatch(" must be an array");
      if (!item) {
        item = this.element(shape.member.shape, this.model.shape(shape.member.shape), itemTag);
        between = flat(item.close, item.open);
      }
      let written = false;
      let i = 0;
      try {
        for (; i < value.length; i++) {
          const v: unknown = value[i];
          if (v === undefined || v === null) continue;
          xml = cut(item.write(xml + (written ? between : item.open), v));
          written = true;
        }
      } catch (e) {
        throw prependPath(e, `[${i}]`);
      }
      return written ? xml + item.close : xml;
    };
  }
}

/** Runs `render` without cutting: its text is kept whole (a remembered resource). */
function whole(render: () => string): string {
  const outer = sink;
  sink = undefined;
  try {
    return render();
  } finally {
    sink = outer;
  }
}

const compiled = new WeakMap<ServiceModel, CompiledModel>();
function compiledFor(model: ServiceModel): CompiledModel {
  let c = compiled.get(model);
  if (!c) {
    c = new CompiledModel(model);
    compiled.set(model, c);
  }
  return c;
}

// ---- scalars ----

/**
 * Scalar text. Only strings can need escaping: numbers, booleans and ISO timestamps
 * are ASCII without markup characters, so they are written as they are.
 */
function scalarWriter(shape: Shape): Writer {
  const mismatch = (value: unknown) =>
    new ShapeMismatch(` has ${typeof value} ${JSON.stringify(String(value))}, expected ${shape.type}`);
  switch (shape.type) {
    case "string":
      return (xml, value) => {
        if (typeof value === "string") return xml + escapeXml(value);
        if (typeof value === "number" || typeof value === "boolean") return xml + String(value);
        throw mismatch(value);
      };
    case "boolean":
      return (xml, value) => {
        if (value === true || value === "true") return xml + "true";
        if (value === false || value === "false") return xml + "false";
        throw mismatch(value);
      };
    case "integer":
    case "long":
      return (xml, value) => {
        if (typeof value === "number" && Number.isInteger(value)) return xml + String(value);
        if (typeof value === "bigint") return xml + value.toString();
        if (typeof value === "string" && INTEGER_TEXT.test(value)) return xml + value;
        throw mismatch(value);
      };
    case "double":
    case "float":
      return (xml, value) => {
        if (typeof value === "number" && Number.isFinite(value)) return xml + String(value);
        throw mismatch(value);
      };
    case "timestamp":
      return (xml, value) => xml + timestampText(value);
    case "blob":
      return (xml, value) => {
        if (value instanceof Uint8Array) return xml + Buffer.from(value).toString("base64");
        if (typeof value === "string") return xml + Buffer.from(value, "utf8").toString("base64");
        throw mismatch(value);
      };
    default:
      // Structures, lists and maps never get here; kept total for the type checker.
      return (_xml, value) => {
        throw mismatch(value);
      };
  }
}

const INTEGER_TEXT = /^-?\d+$/;

/**
 * Date.prototype.toISOString costs ~0.4 µs, and records hand out the same Date objects on
 * every request (creation times), so remember each Date's text along with the time it was
 * rendered for: a Date changed since (setTime) is rendered again.
 */
const isoTexts = new WeakMap<Date, { time: number; text: string }>();

/** ISO 8601 with milliseconds and Z: v3 rejects zone-less or epoch timestamps. */
function timestampText(value: unknown): string {
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) throw new ShapeMismatch(" is not a valid timestamp");
    const known = isoTexts.get(value);
    if (known !== undefined && known.time === time) return known.text;
    const text = value.toISOString();
    isoTexts.set(value, { time, text });
    return text;
  }
  const date = typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new ShapeMismatch(" is not a valid timestamp");
  return date.toISOString();
}
