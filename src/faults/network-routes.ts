/**
 * `/_emulator/` routes of the network effects: set one on a node or on a whole cache, list
 * them, clear one or all. A route family for the server's `more` list (answers undefined for
 * what is not its own).
 */
import type { NetworkFaults } from "./network-faults.js";

type Answer = { status: number; json: unknown };

const NODE_FAULTS = /^nodes\/([^/]+)\/([^/]+)\/faults$/;
const CACHE_FAULTS = /^caches\/([^/]+)\/faults$/;
const ONE_FAULT = /^faults\/(net-[^/]+)$/;

function parseBody(body: Buffer): Record<string, unknown> | Answer {
  if (body.length === 0) return {};
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
    return { status: 400, json: { error: "the body must be a JSON object" } };
  } catch {
    return { status: 400, json: { error: "the body is not valid JSON" } };
  }
}

const isAnswer = (v: Record<string, unknown> | Answer): v is Answer => typeof v.status === "number" && "json" in v;

export function networkFaultRoutes(faults: NetworkFaults): (method: string, name: string, body: Buffer) => Promise<Answer | undefined> {
  return async (method, name, body) => {
    const node = NODE_FAULTS.exec(name);
    const cache = CACHE_FAULTS.exec(name);
    if ((node || cache) && method === "POST") {
      const parsed = parseBody(body);
      if (isAnswer(parsed)) return parsed;
      const target = node
        ? { cacheClusterId: decodeURIComponent(node[1]!), cacheNodeId: decodeURIComponent(node[2]!) }
        : { cacheId: decodeURIComponent(cache![1]!) };
      return faults.inject(target, parsed);
    }
    if (name === "faults" && method === "GET") return { status: 200, json: { faults: faults.list() } };
    if (name === "faults" && method === "DELETE") {
      await faults.clearAll();
      return { status: 200, json: { faults: [] } };
    }
    const one = ONE_FAULT.exec(name);
    if (one && method === "DELETE") {
      const id = decodeURIComponent(one[1]!);
      return (await faults.clear(id)) ? { status: 200, json: { cleared: id } } : { status: 404, json: { error: `no active fault ${id}` } };
    }
    return undefined;
  };
}
