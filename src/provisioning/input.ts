/**
 * An entry's input as a handler takes it, from the JSON/YAML of a provisioning file: members
 * as the SDKs name them (the model's member names), timestamps as ISO-8601 strings or epoch
 * seconds, blobs as base64. A member the operation does not have is refused (a typo must not
 * be dropped silently); everything else is left to the model validation every request gets.
 */
import type { ServiceModel, Shape } from "../protocol/model.js";

export function prepareInput(model: ServiceModel, action: string, input: Record<string, unknown>): Record<string, unknown> {
  const operation = model.operation(action);
  if (!operation?.input) return input;
  return convert(model, model.shape(operation.input), input, action) as Record<string, unknown>;
}

function convert(model: ServiceModel, shape: Shape, value: unknown, path: string): unknown {
  if (value === null || value === undefined) return value;
  switch (shape.type) {
    case "structure": {
      if (typeof value !== "object" || Array.isArray(value)) return value;
      const out: Record<string, unknown> = {};
      for (const [name, member] of Object.entries(value as Record<string, unknown>)) {
        const ref = shape.members[name];
        if (!ref) {
          const known = Object.keys(shape.members);
          throw new Error(`${path} has no member "${name}" (members: ${known.join(", ")})`);
        }
        out[name] = convert(model, model.shape(ref.shape), member, `${path}.${name}`);
      }
      return out;
    }
    case "list":
      return Array.isArray(value) ? value.map((item, i) => convert(model, model.shape(shape.member.shape), item, `${path}[${i}]`)) : value;
    case "map":
      if (typeof value !== "object" || Array.isArray(value)) return value;
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, convert(model, model.shape(shape.value.shape), v, `${path}.${k}`)]));
    case "timestamp":
      if (typeof value === "number") return new Date(value * 1000);
      if (typeof value === "string") return new Date(value);
      return value;
    case "blob":
      return typeof value === "string" ? Uint8Array.from(Buffer.from(value, "base64")) : value;
    default:
      return value;
  }
}
