/**
 * Restoring into a different layout: each source RDB is loaded into a temporary engine
 * (not in cluster mode, so it takes keys of any slot), and its keys move to the primary
 * that owns their slot with MIGRATE ... KEYS (DUMP/RESTORE on the engine side, TTLs kept).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { EngineKind, EngineNode } from "../engines/engine.js";
import type { NodeLauncher } from "../nodes/node-launcher.js";
import { RespError } from "../engines/resp.js";
import { AdminConnection, keySlot, parseSlots, SLOT_COUNT } from "../engines/topology/index.js";
import type { Command } from "../engines/topology/admin.js";

export interface RedistributeTarget {
  /** AWS's Slots text; "" or undefined for a node outside cluster mode (it takes every key). */
  slots?: string;
  primary: EngineNode;
}

export interface RedistributeOptions {
  engine: EngineKind;
  engineVersion: string;
  scratchRoot: string;
  name: string;
  /** The targets speak only TLS (serverless caches). */
  tlsTargets?: boolean;
}

const SCAN_COUNT = 2000;
const MIGRATE_TIMEOUT_MS = 60_000;

/**
 * Moves the keys of each source RDB into the target that owns their slot, for the targets
 * `sources[i].to` names (the others have the keys already); resolves with the keys moved.
 */
export async function redistribute(
  launcher: NodeLauncher,
  sources: Array<{ file: string; to: number[] }>,
  targets: RedistributeTarget[],
  opts: RedistributeOptions,
): Promise<number> {
  const counts = await Promise.all(
    sources.map((source, i) => {
      if (source.to.length === 0) return 0;
      const owner = new Int32Array(SLOT_COUNT).fill(-1);
      for (const t of source.to) {
        const slots = targets[t]!.slots;
        if (!slots) owner.fill(t);
        else for (const [from, to] of parseSlots(slots)) owner.fill(t, from, to + 1);
      }
      return moveFrom(launcher, source.file, targets, owner, { ...opts, name: `${opts.name}/source-${i + 1}` });
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * A cluster mode node that started from an RDB has claimed the slots of the keys it loaded;
 * the claims are dropped before the topology assigns the slots (the keys stay).
 */
export async function releaseClaimedSlots(node: EngineNode): Promise<void> {
  const conn = await AdminConnection.open(node);
  try {
    const claimed = parseMyself(String(await conn.call(["CLUSTER", "NODES"])));
    if (claimed.length) await conn.call(["CLUSTER", "DELSLOTSRANGE", ...claimed.flat()]);
  } finally {
    conn.close();
  }
}

/**
 * Once the cluster is wired, a primary that started from an RDB deletes the keys of slots
 * other primaries own. Such keys are only reachable in an importing slot after ASKING, so
 * each slot is opened as IMPORTING from its owner, emptied, then made STABLE again.
 * Resolves with the keys deleted.
 */
export async function dropForeignKeys(node: EngineNode, owners: Array<{ id: string; slots: number[] }>, own: Uint8Array): Promise<number> {
  const conn = await AdminConnection.open(node, { timeoutMs: MIGRATE_TIMEOUT_MS });
  try {
    const ownerOf = new Map<number, string>();
    for (const o of owners) for (const slot of o.slots) ownerOf.set(slot, o.id);
    const foreign = [...ownerOf.keys()].filter((slot) => !own[slot]);
    const counts = await conn.send(foreign.map((slot) => ["CLUSTER", "COUNTKEYSINSLOT", slot]));
    const slots = foreign.filter((_, i) => Number(counts[i]) > 0);
    if (slots.length === 0) return 0;
    throwFirst(await conn.send(slots.map((slot) => ["CLUSTER", "SETSLOT", slot, "IMPORTING", ownerOf.get(slot)!])), "CLUSTER SETSLOT IMPORTING");
    let deleted = 0;
    try {
      let pending = slots;
      while (pending.length > 0) {
        const listed = await conn.send(pending.map((slot) => ["CLUSTER", "GETKEYSINSLOT", slot, SCAN_COUNT]));
        throwFirst(listed, "CLUSTER GETKEYSINSLOT");
        const commands: Command[] = [];
        const next: number[] = [];
        listed.forEach((reply, i) => {
          const keys = reply as Buffer[];
          if (keys.length === 0) return;
          commands.push(["ASKING"], ["DEL", ...keys]);
          deleted += keys.length;
          next.push(pending[i]!);
        });
        throwFirst(await conn.send(commands), "DEL");
        pending = next;
      }
    } finally {
      await conn.send(slots.map((slot) => ["CLUSTER", "SETSLOT", slot, "STABLE"]));
    }
    return deleted;
  } finally {
    conn.close();
  }
}

function throwFirst(replies: unknown[], what: string): void {
  const failed = replies.find((r): r is RespError => r instanceof RespError);
  if (failed) throw new Error(`${what}: ${failed.message}`);
}

/** The slot ranges of the `myself` line of CLUSTER NODES. */
function parseMyself(text: string): Array<[number, number]> {
  const line = text.split("\n").find((l) => l.split(" ")[2]?.split(",").includes("myself"));
  if (!line) return [];
  return line
    .trim()
    .split(" ")
    .slice(8)
    .filter((part) => /^\d+(-\d+)?$/.test(part))
    .map((part) => {
      const [from, to] = part.split("-").map(Number);
      return [from!, to ?? from!];
    });
}

async function moveFrom(launcher: NodeLauncher, rdb: string, targets: RedistributeTarget[], owner: Int32Array, opts: RedistributeOptions): Promise<number> {
  const workDir = await mkdtemp(join(opts.scratchRoot, "restore-"));
  let node: EngineNode | undefined;
  try {
    // Targets that speak only TLS are reached over TLS: MIGRATE connects as the cluster bus does (tls-cluster).
    const tls = opts.tlsTargets ? { transitEncryption: "required" as const, params: { "tls-cluster": "yes" } } : {};
    node = await launcher.startNode({ nodeName: opts.name, engine: opts.engine, engineVersion: opts.engineVersion, workDir, seedRdbPath: rdb, ...tls });
    const conn = await AdminConnection.open(node, { timeoutMs: MIGRATE_TIMEOUT_MS });
    try {
      const heads = targets.map((t): Command => {
        const head: Command = ["MIGRATE", t.primary.endpoint.host, t.primary.endpoint.port, "", 0, MIGRATE_TIMEOUT_MS, "REPLACE"];
        const auth = t.primary.adminAuth;
        if (auth) head.push("AUTH2", auth.user, auth.password);
        return head;
      });
      let moved = 0;
      let cursor = "0";
      do {
        const [next, keys] = (await conn.call(["SCAN", cursor, "COUNT", SCAN_COUNT])) as [Buffer, Buffer[]];
        cursor = next.toString();
        const byTarget = new Map<number, Buffer[]>();
        for (const key of keys) {
          const t = owner[keySlot(key)]!;
          if (t < 0) throw new Error(`no target node group serves the slot of key ${key.toString()}`);
          let list = byTarget.get(t);
          if (!list) byTarget.set(t, (list = []));
          list.push(key);
        }
        const migrates = [...byTarget].map(([t, list]): Command => [...heads[t]!, "KEYS", ...list]);
        const replies = await conn.send(migrates);
        const failed = replies.find((r): r is RespError => r instanceof RespError);
        if (failed) throw new Error(`MIGRATE from the snapshot failed: ${failed.message}`);
        moved += keys.length;
      } while (cursor !== "0");
      return moved;
    } finally {
      conn.close();
    }
  } finally {
    await node?.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}
