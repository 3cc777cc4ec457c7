/**
 * Every fault injected on purpose and still active, whoever injected it (node faults, zone
 * power interruptions, API chaos rules, network effects): each source lists its own, and
 * clears one (by id) or all. Serves `GET /_emulator/faults`, `DELETE /_emulator/faults/{id}`
 * and `DELETE /_emulator/faults`; `/_emulator/reset` and the emulator's stop clear them all.
 * Ids carry their source's prefix: `node-`, `az-`, `chaos-`, `net-`.
 */
import type { EmulatorRouteFamily } from "../server/emulator-routes.js";

export interface ActiveFault {
  id: string;
  kind: string;
  target: Record<string, unknown>;
  startedAt: string;
  endsAt?: string;
  details?: Record<string, unknown>;
}

export interface FaultSource {
  list(): ActiveFault[];
  /** Ends the fault with this id; false when this source has no such fault. */
  clear(id: string): Promise<boolean>;
  clearAll(): Promise<void>;
}

export class FaultRegistry implements FaultSource {
  private readonly sources: FaultSource[] = [];

  addSource(source: FaultSource): void {
    this.sources.push(source);
  }

  list(): ActiveFault[] {
    return this.sources.flatMap((s) => s.list()).sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  }

  async clear(id: string): Promise<boolean> {
    for (const source of this.sources) if (await source.clear(id)) return true;
    return false;
  }

  async clearAll(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.clearAll()));
  }

  /** `GET /_emulator/faults`, `DELETE /_emulator/faults`, `DELETE /_emulator/faults/{id}`. */
  routes(): EmulatorRouteFamily {
    return async (method, name) => {
      if (name === "faults" && method === "GET") return { status: 200, json: { faults: this.list() } };
      if (name === "faults" && method === "DELETE") {
        const cleared = this.list().map((f) => f.id);
        await this.clearAll();
        return { status: 200, json: { cleared } };
      }
      const match = /^faults\/([^/]+)$/.exec(name);
      if (match && method === "DELETE") {
        const id = decodeURIComponent(match[1]!);
        if (await this.clear(id)) return { status: 200, json: { cleared: [id] } };
        return { status: 404, json: { error: `no active fault ${id}` } };
      }
      return undefined;
    };
  }
}
