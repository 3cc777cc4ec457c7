/**
 * Restoring into a different layout: each source RDB is loaded into a temporary engine
 * (not in cluster mode, so it takes keys of any slot), and its keys move to the primary
 * that owns their slot with MIGRATE ... KEYS (DUMP/RESTORE on the engine side, TTLs kept).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { EngineKind, EngineNode, NodeLauncher } from "../engines/engine.js";
import { RespError } from "../engines/resp.js";
import { AdminConnection, keySlot, parseSlots, SLOT_COUNT } from "../engines/topology/index.js";
import type { Command } from "../engines/topology/admin.js";

export interface RedistributeTarget {
  /** AWS's Slots text; "" or undefined for a node outside cluster mode (it takes every key). */
  slots?: string;
  primary: EngineNode;
}

const SCAN_COUNT = 2000;
const MIGRATE_TIMEOUT_MS = 60_000;

/** Moves every key of every source RDB into the target that owns its slot; resolves with the number of keys moved. */
export async function redistribute(
  launcher: NodeLauncher,
  sources: string[],
  targets: RedistributeTarget[],
  opts: { engine: EngineKind; engineVersion: string; scratchRoot: string; name: string },
): Promise<number> {
  const owner = new Int32Array(SLOT_COUNT).fill(-1);
  targets.forEach((t, i) => {
    if (!t.slots) owner.fill(i);
    else for (const [from, to] of parseSlots(t.slots)) owner.fill(i, from, to + 1);
  });
  const counts = await Promise.all(sources.map((rdb, i) => moveFrom(launcher, rdb, targets, owner, { ...opts, name: `${opts.name}/source-${i + 1}` })));
  return counts.reduce((a, b) => a + b, 0);
}

async function moveFrom(
  launcher: NodeLauncher,
  rdb: string,
  targets: RedistributeTarget[],
  owner: Int32Array,
  opts: { engine: EngineKind; engineVersion: string; scratchRoot: string; name: string },
): Promise<number> {
  const workDir = await mkdtemp(join(opts.scratchRoot, "restore-"));
  let node: EngineNode | undefined;
  try {
    node = await launcher.startNode({ nodeName: opts.name, engine: opts.engine, engineVersion: opts.engineVersion, workDir, seedRdbPath: rdb });
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
