/**
 * The network effects a node's public port can be given (README: Testing failures), as the
 * request body names them, and what several at once add up to.
 */

export const NETWORK_FAULT_KINDS = ["latency", "reset", "blackhole", "bandwidth"] as const;
export type NetworkFaultKind = (typeof NETWORK_FAULT_KINDS)[number];

export interface NetworkEffect {
  kind: NetworkFaultKind;
  /** latency: added to every answer (server to client), so a round trip grows by this much. */
  latencyMs?: number;
  /** latency: each delay is latencyMs ± a uniform draw in [0, jitterMs]; data keeps its order. */
  jitterMs?: number;
  /** bandwidth: kilobits per second (1000 bits), in each direction of each connection. */
  kbps?: number;
}

/** What the proxy applies: the active effects of a node combined. */
export interface CombinedEffect {
  reset: boolean;
  blackhole: boolean;
  latencyMs: number;
  jitterMs: number;
  /** Undefined: no limit. The lowest when several are set. */
  kbps: number | undefined;
}

export function combine(effects: Iterable<NetworkEffect>): CombinedEffect {
  const out: CombinedEffect = { reset: false, blackhole: false, latencyMs: 0, jitterMs: 0, kbps: undefined };
  for (const e of effects) {
    if (e.kind === "reset") out.reset = true;
    if (e.kind === "blackhole") out.blackhole = true;
    if (e.kind === "latency") {
      out.latencyMs += e.latencyMs ?? 0;
      out.jitterMs += e.jitterMs ?? 0;
    }
    if (e.kind === "bandwidth" && e.kbps !== undefined) out.kbps = out.kbps === undefined ? e.kbps : Math.min(out.kbps, e.kbps);
  }
  return out;
}

/** The longest a timed effect may last, and the largest latency (both 24 h). */
const MAX_MS = 86_400_000;

/**
 * A request body -> the effect and its duration, or the 400 message. Unknown fields are
 * refused too, so a typo does not silently set a different effect than the one meant.
 */
export function parseNetworkFault(body: Record<string, unknown>): { effect: NetworkEffect; durationMs?: number } | { error: string } {
  const kind = body.fault;
  if (typeof kind !== "string" || !(NETWORK_FAULT_KINDS as readonly string[]).includes(kind)) {
    return { error: `"fault" must be one of ${NETWORK_FAULT_KINDS.join(", ")}` };
  }
  const allowed: Record<NetworkFaultKind, string[]> = {
    latency: ["latencyMs", "jitterMs"],
    reset: [],
    blackhole: [],
    bandwidth: ["kbps"],
  };
  const fields = new Set(["fault", "durationMs", ...allowed[kind as NetworkFaultKind]]);
  const unknown = Object.keys(body).filter((k) => !fields.has(k));
  if (unknown.length > 0) return { error: `unknown field(s) for a ${kind} fault: ${unknown.join(", ")}` };
  const integer = (name: string, min: number, max: number, required: boolean): number | undefined | string => {
    const v = body[name];
    if (v === undefined) return required ? `"${name}" is required for a ${kind} fault` : undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) return `"${name}" must be an integer from ${min} to ${max}`;
    return v;
  };
  const durationMs = integer("durationMs", 1, MAX_MS, false);
  if (typeof durationMs === "string") return { error: durationMs };
  const effect: NetworkEffect = { kind: kind as NetworkFaultKind };
  if (kind === "latency") {
    const latencyMs = integer("latencyMs", 1, MAX_MS, true);
    if (typeof latencyMs === "string") return { error: latencyMs };
    const jitterMs = integer("jitterMs", 0, MAX_MS, false);
    if (typeof jitterMs === "string") return { error: jitterMs };
    effect.latencyMs = latencyMs;
    if (jitterMs !== undefined) effect.jitterMs = jitterMs;
  }
  if (kind === "bandwidth") {
    const kbps = integer("kbps", 1, 100_000_000, true);
    if (typeof kbps === "string") return { error: kbps };
    effect.kbps = kbps;
  }
  return durationMs === undefined ? { effect } : { effect, durationMs };
}
