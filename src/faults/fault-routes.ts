/**
 * The fault injection routes under `/_emulator/` (README: Testing failures):
 *   GET  nodes                                       every engine process
 *   POST nodes/{cacheClusterId}/{cacheNodeId}/faults one node: kill, pause, restart, disconnect
 *   POST caches/{id}/faults                          every node of a cache cluster, replication group or serverless cache
 *   POST faults/az-power-interruption                a replication group's zone without power
 *   GET|POST|PATCH|DELETE chaos/faults, GET|POST chaos/effects   API faults (chaos.ts)
 * Other `fault` values go to the network effects, when they run (`networkFaults`), else are
 * refused as unknown. Ids are checked first (404), then the body (400), then whether the
 * fault can apply now (409): a refusal changes nothing.
 */
import { NETWORK_FAULT_KINDS } from "./network/effects.js";
import { jsonBody, type EmulatorRouteFamily } from "../server/emulator-routes.js";
import type { EmulatorAnswer } from "../server/http-server.js";
import type { AzPowerInterruptions } from "./az-power.js";
import { MAX_INTERRUPTION_MS } from "./az-power.js";
import type { ChaosApi } from "./chaos.js";
import { FaultRefusal, MAX_PAUSE_MS, NODE_FAULT_KINDS, type NodeFaultKind, type NodeFaults, type NodeRef } from "./node-faults.js";

/** The network effects on the data plane (latency, reset, blackhole, bandwidth), when present. */
export interface NetworkFaults {
  inject(target: { cacheClusterId: string; cacheNodeId: string } | { cacheId: string }, body: Record<string, unknown>): Promise<{ status: number; json: unknown }>;
}

export interface FaultRouteDeps {
  nodes: NodeFaults;
  az: AzPowerInterruptions;
  chaos: ChaosApi;
  networkFaults?: NetworkFaults;
}

const refuse = (status: number, error: string): EmulatorAnswer => ({ status, json: { error } });

export function faultRoutes(deps: FaultRouteDeps): EmulatorRouteFamily {
  return async (method, name, body) => {
    if (name === "nodes" && method === "GET") return { status: 200, json: { nodes: deps.nodes.nodes() } };
    const node = /^nodes\/([^/]+)\/([^/]+)\/faults$/.exec(name);
    if (node && method === "POST") {
      const [cacheClusterId, cacheNodeId] = [decodeURIComponent(node[1]!), decodeURIComponent(node[2]!)];
      const ref = deps.nodes.find(cacheClusterId, cacheNodeId);
      if (!ref) return refuse(404, `cache node ${cacheNodeId} of cache cluster ${cacheClusterId} not found`);
      const answer = await nodeFault(deps, [ref], body, { cacheClusterId, cacheNodeId });
      return answer.faults ? { status: 201, json: answer.faults[0] } : answer.refusal;
    }
    const cache = /^caches\/([^/]+)\/faults$/.exec(name);
    if (cache && method === "POST") {
      const cacheId = decodeURIComponent(cache[1]!);
      const refs = deps.nodes.findCache(cacheId);
      if (!refs) return refuse(404, `no cache cluster, replication group or serverless cache ${cacheId}`);
      const answer = await nodeFault(deps, refs, body, { cacheId });
      return answer.faults ? { status: 201, json: { faults: answer.faults } } : answer.refusal;
    }
    if (name === "faults/az-power-interruption" && method === "POST") return azPower(deps, body);
    if (name.startsWith("chaos/")) {
      const parsed = body.length === 0 ? undefined : parseJson(body);
      if (parsed === INVALID) return refuse(400, "the body is not valid JSON");
      return deps.chaos.answer(method, name, parsed);
    }
    return undefined;
  };
}

const INVALID = Symbol("invalid");
function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return INVALID;
  }
}

async function nodeFault(
  deps: FaultRouteDeps,
  refs: NodeRef[],
  raw: Buffer,
  target: { cacheClusterId: string; cacheNodeId: string } | { cacheId: string },
): Promise<{ faults: unknown[]; refusal?: undefined } | { faults?: undefined; refusal: EmulatorAnswer }> {
  const parsed = jsonBody(raw);
  if ("refusal" in parsed) return { refusal: parsed.refusal };
  const body = parsed.value;
  if (typeof body.fault !== "string" || body.fault === "") return { refusal: refuse(400, `fault is required: one of ${NODE_FAULT_KINDS.join(", ")}, or a network effect`) };
  if (!(NODE_FAULT_KINDS as readonly string[]).includes(body.fault)) {
    if (deps.networkFaults && (NETWORK_FAULT_KINDS as readonly string[]).includes(body.fault)) {
      const answer = await deps.networkFaults.inject(target, body);
      return answer.status < 300 ? { faults: [answer.json] } : { refusal: { status: answer.status, json: answer.json } };
    }
    const known = deps.networkFaults ? [...NODE_FAULT_KINDS, ...NETWORK_FAULT_KINDS] : NODE_FAULT_KINDS;
    return { refusal: refuse(400, `unknown fault ${JSON.stringify(body.fault)}: one of ${known.join(", ")}`) };
  }
  const fault = body.fault as NodeFaultKind;
  const extra = Object.keys(body).find((k) => k !== "fault" && !(k === "durationMs" && fault === "pause"));
  if (extra) return { refusal: refuse(400, `${extra} does not apply to ${fault}${fault === "pause" ? "" : " (durationMs is for pause)"}`) };
  let durationMs: number | undefined;
  if (fault === "pause") {
    durationMs = body.durationMs as number;
    if (!isDuration(durationMs, MAX_PAUSE_MS)) return { refusal: refuse(400, `pause needs durationMs, a whole number of milliseconds from 1 to ${MAX_PAUSE_MS}`) };
  }
  if (refs.length === 0) return { refusal: refuse(409, "the cache has no node") };
  for (const ref of refs) {
    const why = deps.nodes.refusal(ref, fault);
    if (why) return { refusal: refuse(409, why) };
  }
  try {
    return { faults: await deps.nodes.inject(refs, fault, durationMs) };
  } catch (error) {
    if (error instanceof FaultRefusal) return { refusal: refuse(error.status, error.message) };
    throw error;
  }
}

function azPower(deps: FaultRouteDeps, raw: Buffer): EmulatorAnswer {
  const parsed = jsonBody(raw);
  if ("refusal" in parsed) return parsed.refusal;
  const body = parsed.value;
  const extra = Object.keys(body).find((k) => !["replicationGroupId", "availabilityZone", "durationMs"].includes(k));
  if (extra) return refuse(400, `unknown field ${extra} (fields: replicationGroupId, availabilityZone, durationMs)`);
  if (typeof body.replicationGroupId !== "string" || body.replicationGroupId === "") return refuse(400, "replicationGroupId is required");
  if (typeof body.availabilityZone !== "string" || body.availabilityZone === "") return refuse(400, "availabilityZone is required");
  if (!isDuration(body.durationMs, MAX_INTERRUPTION_MS)) return refuse(400, `durationMs is required: a whole number of milliseconds from 1 to ${MAX_INTERRUPTION_MS}`);
  try {
    return { status: 201, json: deps.az.start(body.replicationGroupId.toLowerCase(), body.availabilityZone, body.durationMs) };
  } catch (error) {
    if (error instanceof FaultRefusal) return refuse(error.status, error.message);
    throw error;
  }
}

function isDuration(value: unknown, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= max;
}
