/** Calls to the emulator's own fault injection endpoints, and a writer that measures what a client sees through a fault. */
import type { Redis } from "ioredis";
import type { Emulator } from "../../src/index.js";

export interface Answer<T = any> {
  status: number;
  json: T;
}

/** One `/_emulator/<path>` request with a JSON (or raw text) body; the answer's status and JSON. */
export async function emulatorCall<T = any>(emulator: Emulator, method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const response = await fetch(`${emulator.url}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

export interface NodeListing {
  accountId: string;
  region: string;
  cacheClusterId: string;
  cacheNodeId: string;
  replicationGroupId?: string;
  serverlessCacheName?: string;
  engine: string;
  role?: string;
  availabilityZone?: string;
  port?: number;
  pid?: number;
  status: string;
}

export async function listNodes(emulator: Emulator): Promise<NodeListing[]> {
  return (await emulatorCall<{ nodes: NodeListing[] }>(emulator, "GET", "nodes")).json.nodes;
}

export async function activeFaults(emulator: Emulator): Promise<Array<{ id: string; kind: string; target: Record<string, unknown>; details?: Record<string, unknown> }>> {
  return (await emulatorCall(emulator, "GET", "faults")).json.faults;
}

/**
 * Writes numbered keys through `redis` one after the other until stopped, counting what was
 * acknowledged and what failed, and the longest time between two acknowledged writes (the
 * pause the application saw).
 */
export class Writer {
  acknowledged = 0;
  failed = 0;
  longestGapMs = 0;
  private lastAck = Date.now();
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly redis: Redis) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    for (let i = 0; !this.stopped; i++) {
      try {
        await this.redis.set(`w:${i}`, String(i));
        const now = Date.now();
        this.longestGapMs = Math.max(this.longestGapMs, now - this.lastAck);
        this.lastAck = now;
        this.acknowledged++;
      } catch {
        this.failed++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  /** Resolves once `n` more writes than now have been acknowledged. */
  async acknowledgedMore(n: number, timeoutMs = 30_000): Promise<void> {
    const target = this.acknowledged + n;
    const deadline = Date.now() + timeoutMs;
    while (this.acknowledged < target) {
      if (Date.now() > deadline) throw new Error(`the writer got ${this.acknowledged - target + n} of ${n} writes acknowledged in ${timeoutMs} ms (${this.failed} failed)`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}
