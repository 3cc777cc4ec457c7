/**
 * API faults in LocalStack's Chaos API shape, so scripts written for it carry over:
 * `/_emulator/chaos/faults` holds rules `{region, service, operation, probability, error:
 * {statusCode, code}}` (GET lists them, POST replaces them, PATCH adds, DELETE removes the
 * rules given), and `/_emulator/chaos/effects` holds `{"latency": ms}`. Every AWS API request
 * the emulator serves (ElastiCache, CloudWatch in each of its protocols) waits the latency,
 * then the first rule that matches it (every field given equals the request's; `probability`
 * of 1 when absent) answers with its error, default 503 `ServiceUnavailable`, in the
 * protocol of the request (server/router.ts), so SDK retries behave as against AWS.
 * Each rule is an active fault `chaos-N`, the latency `chaos-latency`.
 */
import { AwsError } from "../protocol/aws-error.js";
import type { ApiInterceptor } from "../server/router.js";
import type { EmulatorAnswer } from "../server/http-server.js";
import type { ActiveFault, FaultSource } from "./fault-registry.js";

export interface ChaosRule {
  region?: string;
  service?: string;
  operation?: string;
  probability?: number;
  error?: { statusCode?: number; code?: string };
}

export interface ChaosEffects {
  latency: number;
}

/** LocalStack's default error and words. */
const DEFAULT_STATUS = 503;
const DEFAULT_CODE = "ServiceUnavailable";
const MESSAGE = "Failing as per Fault Injection Simulator configuration";

/** The largest latency accepted (ms): a minute. */
export const MAX_LATENCY_MS = 60_000;

interface StoredRule {
  id: string;
  rule: ChaosRule;
  startedAt: string;
}

export class ChaosApi implements FaultSource, ApiInterceptor {
  private rules: StoredRule[] = [];
  private latency = 0;
  private latencySince = "";
  private next = 1;

  faults(): ChaosRule[] {
    return this.rules.map((r) => r.rule);
  }

  effects(): ChaosEffects {
    return { latency: this.latency };
  }

  replace(rules: ChaosRule[]): void {
    this.rules = [];
    this.add(rules);
  }

  add(rules: ChaosRule[]): void {
    const now = new Date().toISOString();
    for (const rule of rules) this.rules.push({ id: `chaos-${this.next++}`, rule, startedAt: now });
  }

  /** Removes every rule equal to one given. */
  remove(rules: ChaosRule[]): void {
    const keys = new Set(rules.map(ruleKey));
    this.rules = this.rules.filter((r) => !keys.has(ruleKey(r.rule)));
  }

  setEffects(effects: ChaosEffects): void {
    if (effects.latency !== this.latency) this.latencySince = new Date().toISOString();
    this.latency = effects.latency;
  }

  async intercept(call: { service: string; signingName: string; operation: string; region: string }): Promise<AwsError | undefined> {
    if (this.latency > 0) await new Promise((resolve) => setTimeout(resolve, this.latency));
    const same = (want: string | undefined, ...have: string[]) => want === undefined || have.some((h) => h.toLowerCase() === want.toLowerCase());
    const hit = this.rules.find(
      ({ rule }) =>
        same(rule.region, call.region) &&
        same(rule.service, call.service, call.signingName) &&
        same(rule.operation, call.operation) &&
        Math.random() < (rule.probability ?? 1),
    );
    if (!hit) return undefined;
    const status = hit.rule.error?.statusCode ?? DEFAULT_STATUS;
    return new AwsError(hit.rule.error?.code ?? DEFAULT_CODE, MESSAGE, status, status < 500);
  }

  list(): ActiveFault[] {
    const faults: ActiveFault[] = this.rules.map(({ id, rule, startedAt }) => ({
      id,
      kind: "api-error",
      target: { ...(rule.region ? { region: rule.region } : {}), ...(rule.service ? { service: rule.service } : {}), ...(rule.operation ? { operation: rule.operation } : {}) },
      startedAt,
      details: { probability: rule.probability ?? 1, error: { statusCode: rule.error?.statusCode ?? DEFAULT_STATUS, code: rule.error?.code ?? DEFAULT_CODE } },
    }));
    if (this.latency > 0) faults.push({ id: "chaos-latency", kind: "api-latency", target: {}, startedAt: this.latencySince, details: { latency: this.latency } });
    return faults;
  }

  async clear(id: string): Promise<boolean> {
    if (id === "chaos-latency" && this.latency > 0) {
      this.latency = 0;
      return true;
    }
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  async clearAll(): Promise<void> {
    this.rules = [];
    this.latency = 0;
  }

  /** `/_emulator/chaos/faults` and `/_emulator/chaos/effects`; `body` already parsed (undefined when empty). */
  answer(method: string, name: string, body: unknown): EmulatorAnswer | undefined {
    if (name === "chaos/faults") {
      if (method === "GET") return { status: 200, json: this.faults() };
      if (method !== "POST" && method !== "PATCH" && method !== "DELETE") return undefined;
      const rules = parseRules(body);
      if (typeof rules === "string") return { status: 400, json: { error: rules } };
      if (method === "POST") this.replace(rules);
      else if (method === "PATCH") this.add(rules);
      else this.remove(rules);
      return { status: 200, json: this.faults() };
    }
    if (name === "chaos/effects") {
      if (method === "GET") return { status: 200, json: this.effects() };
      if (method !== "POST") return undefined;
      const effects = parseEffects(body);
      if (typeof effects === "string") return { status: 400, json: { error: effects } };
      this.setEffects(effects);
      return { status: 200, json: this.effects() };
    }
    return undefined;
  }
}

function ruleKey(rule: ChaosRule): string {
  return JSON.stringify([rule.region ?? null, rule.service ?? null, rule.operation ?? null, rule.probability ?? null, rule.error?.statusCode ?? null, rule.error?.code ?? null]);
}

const RULE_FIELDS = new Set(["region", "service", "operation", "probability", "error"]);

/** A list of rules (a single rule object is taken as a list of one), or what is wrong with it. */
export function parseRules(body: unknown): ChaosRule[] | string {
  const list = Array.isArray(body) ? body : body && typeof body === "object" ? [body] : undefined;
  if (!list) return "the body must be a JSON list of rules";
  const rules: ChaosRule[] = [];
  for (const [i, item] of list.entries()) {
    if (!item || typeof item !== "object" || Array.isArray(item)) return `rule ${i}: must be an object`;
    const raw = item as Record<string, unknown>;
    const unknownField = Object.keys(raw).find((k) => !RULE_FIELDS.has(k));
    if (unknownField) return `rule ${i}: unknown field ${unknownField} (fields: region, service, operation, probability, error)`;
    const rule: ChaosRule = {};
    for (const field of ["region", "service", "operation"] as const) {
      const value = raw[field];
      if (value === undefined || value === null) continue;
      if (typeof value !== "string" || value === "") return `rule ${i}: ${field} must be a non-empty string`;
      rule[field] = value;
    }
    if (raw.probability !== undefined && raw.probability !== null) {
      if (typeof raw.probability !== "number" || !(raw.probability >= 0 && raw.probability <= 1)) return `rule ${i}: probability must be a number from 0 to 1`;
      rule.probability = raw.probability;
    }
    if (raw.error !== undefined && raw.error !== null) {
      if (typeof raw.error !== "object" || Array.isArray(raw.error)) return `rule ${i}: error must be an object {statusCode, code}`;
      const error = raw.error as Record<string, unknown>;
      const unknownErrorField = Object.keys(error).find((k) => k !== "statusCode" && k !== "code");
      if (unknownErrorField) return `rule ${i}: error has an unknown field ${unknownErrorField} (fields: statusCode, code)`;
      rule.error = {};
      if (error.statusCode !== undefined) {
        if (typeof error.statusCode !== "number" || !Number.isInteger(error.statusCode) || error.statusCode < 400 || error.statusCode > 599) {
          return `rule ${i}: error.statusCode must be an HTTP error status (400-599)`;
        }
        rule.error.statusCode = error.statusCode;
      }
      if (error.code !== undefined) {
        if (typeof error.code !== "string" || !/^[A-Za-z][A-Za-z0-9.]*$/.test(error.code)) return `rule ${i}: error.code must be an error code such as ThrottlingException`;
        rule.error.code = error.code;
      }
    }
    rules.push(rule);
  }
  return rules;
}

export function parseEffects(body: unknown): ChaosEffects | string {
  if (!body || typeof body !== "object" || Array.isArray(body)) return 'the body must be a JSON object {"latency": ms}';
  const raw = body as Record<string, unknown>;
  const unknownField = Object.keys(raw).find((k) => k !== "latency");
  if (unknownField) return `unknown field ${unknownField} (fields: latency)`;
  const latency = raw.latency ?? 0;
  if (typeof latency !== "number" || !Number.isInteger(latency) || latency < 0 || latency > MAX_LATENCY_MS) return `latency must be a whole number of milliseconds from 0 to ${MAX_LATENCY_MS}`;
  return { latency };
}
