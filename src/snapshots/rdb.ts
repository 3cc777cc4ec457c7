/**
 * Taking a node's data as an RDB file, for real: BGSAVE through the emulator's admin
 * connection, wait for the fork to finish (INFO persistence), then take the file the
 * engine wrote (its `dir`/`dbfilename`).
 */
import { copyFile, link, mkdir, rm, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { EngineNode } from "../engines/engine.js";
import { AdminConnection, parseInfo } from "../engines/topology/index.js";
import { RespError, RespSimple, type RespValue } from "../engines/resp.js";

const POLL_MS = 5;
const SAVE_TIMEOUT_MS = 10 * 60_000;

const text = (v: RespValue): string => (Buffer.isBuffer(v) ? v.toString("utf8") : v instanceof RespSimple ? v.value : String(v));

/** BGSAVE on `node`, then the RDB at `dest`; resolves with its size in bytes. */
export async function saveRdb(node: EngineNode, dest: string, opts: { isCancelled?: () => boolean } = {}): Promise<number> {
  if (!node.adminAuth && !node.adminCommand) throw new Error(`${node.spec.nodeName} runs on an engine that cannot write RDB files`);
  const conn = await AdminConnection.open(node);
  try {
    const [dirReply, fileReply] = await conn.send([
      ["CONFIG", "GET", "dir"],
      ["CONFIG", "GET", "dbfilename"],
    ]);
    const dir = text((dirReply as RespValue[])[1]!);
    const file = text((fileReply as RespValue[])[1]!);
    const deadline = Date.now() + SAVE_TIMEOUT_MS;
    const persistence = async () => parseInfo(text(await conn.call(["INFO", "persistence"])));
    const wait = async () => {
      if (opts.isCancelled?.()) throw new Error("cancelled: the emulator is stopping");
      if (Date.now() > deadline) throw new Error(`BGSAVE on ${node.spec.nodeName} did not finish within ${SAVE_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    };
    let savesBefore: number;
    for (;;) {
      savesBefore = Number((await persistence()).rdb_saves ?? 0);
      const [reply] = await conn.send([["BGSAVE"]]);
      if (!(reply instanceof RespError)) break;
      // A save or an AOF rewrite already running (persistence settings, a replica's sync):
      // ours starts once it is over, so that the snapshot is of this moment or later.
      if (!/progress/i.test(reply.message)) throw reply;
      for (let p = await persistence(); p.rdb_bgsave_in_progress === "1" || p.aof_rewrite_in_progress === "1"; p = await persistence()) await wait();
    }
    for (;;) {
      const info = await persistence();
      if (info.rdb_bgsave_in_progress === "0" && Number(info.rdb_saves ?? 0) > savesBefore) {
        if (info.rdb_last_bgsave_status !== "ok") throw new Error(`BGSAVE on ${node.spec.nodeName} failed`);
        break;
      }
      await wait();
    }
    await placeFile(resolve(dir, file), dest);
    return (await stat(dest)).size;
  } finally {
    conn.close();
  }
}

/**
 * Puts a copy of `from` at `to`. A hard link when possible: the engine replaces its RDB
 * by rename(), so the linked file never changes afterwards; a copy across file systems.
 */
export async function placeFile(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await rm(to, { force: true });
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}
