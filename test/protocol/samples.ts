/**
 * Deterministic sample values built from the model, for round trips through the real SDK.
 * Every member is filled (or only required ones), lists get 2 items, strings carry
 * characters that need escaping on the wire, and values satisfy enums and patterns.
 */
import type { ServiceModel, StringShape } from "../../src/protocol/model.js";

/**
 * Members in the vendored model (botocore 1.43.107) that @aws-sdk/client-elasticache 3.1127
 * does not know; the SDK drops them, so samples leave them out. Checked by the round-trip tests.
 */
export const SDK_GAPS: Record<string, string[]> = {
  ServerlessCache: ["ConnectionType"],
  CreateServerlessCacheRequest: ["ConnectionType"],
  CreateGlobalReplicationGroupMessage: ["Tags"],
};

export interface SampleOptions {
  requiredOnly?: boolean;
  /** Structure shape name -> member names to leave out. */
  omit?: Record<string, string[]>;
}

const MAX_DEPTH = 12;

export function sampleStructure(model: ServiceModel, shapeName: string, opts: SampleOptions = {}): Record<string, unknown> {
  let counter = 0;
  const next = () => ++counter;

  const build = (shapeName: string, label: string, stack: string[]): unknown => {
    const shape = model.shape(shapeName);
    switch (shape.type) {
      case "structure": {
        const out: Record<string, unknown> = {};
        const skip = new Set(opts.omit?.[shapeName] ?? []);
        for (const [name, ref] of Object.entries(shape.members)) {
          if (skip.has(name)) continue;
          if (opts.requiredOnly && !shape.required.includes(name)) continue;
          // Recursion guard: no shape in this model recurses, but do not hang if one ever does.
          if (stack.includes(ref.shape) || stack.length > MAX_DEPTH) continue;
          out[name] = build(ref.shape, name, [...stack, ref.shape]);
        }
        return out;
      }
      case "list":
        return [0, 1].map(() => build(shape.member.shape, label, [...stack, shape.member.shape]));
      case "string":
        return sampleString(shape, label, next());
      case "integer":
      case "long":
        return next();
      case "double":
      case "float":
        return next() + 0.5;
      case "boolean":
        return true;
      case "timestamp":
        return new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678) + next() * 1000);
    }
  };
  return build(shapeName, shapeName, [shapeName]) as Record<string, unknown>;
}

function sampleString(shape: StringShape, label: string, n: number): string {
  if (shape.enum) return shape.enum[n % shape.enum.length];
  const letters = n.toString(26).replace(/./g, (d) => String.fromCharCode(97 + parseInt(d, 26)));
  const candidates = [
    `${label}-${n} <&>"' a+b=c%20 ü🙂`,
    `${label}${letters}`,
    `id${n}`,
    String(n % 10_000).padStart(4, "0"),
  ];
  const fits = (s: string) =>
    (shape.pattern === undefined || new RegExp(`^(?:${shape.pattern})$`, "s").test(s)) &&
    (shape.min === undefined || [...s].length >= shape.min) &&
    (shape.max === undefined || [...s].length <= shape.max);
  const found = candidates.find(fits);
  if (!found) throw new Error(`no sample string fits ${label} (pattern ${shape.pattern})`);
  return found;
}
