/**
 * Replication for cluster-mode-disabled replication groups: real REPLICAOF between real
 * redis-server processes, run as the emulator's admin user (REPLICAOF and CONFIG are
 * refused to clients, as on ElastiCache).
 */
import { AdminConnection, admin, asText, describe, parseInfo, sleep, type AdminTarget } from "./admin.js";

export interface ReplicationInfo {
  role: "master" | "slave";
  /** master_repl_offset of a primary; slave_repl_offset (what it has processed) of a replica. */
  offset: number;
  /** Replicas: whether the link to the primary is up. */
  linkUp?: boolean;
  /** Primaries: connected_slaves. */
  connectedReplicas?: number;
  /** Replicas: the primary they follow. */
  masterHost?: string;
  masterPort?: number;
  /** The replication id (master_replid). */
  replId?: string;
}

/**
 * The settings that let `replica` authenticate to a primary as the admin user
 * (`masteruser`/`masterauth`), applied with CONFIG SET so the password never shows in a
 * process list. Every function here that makes a node a replica calls it.
 */
export async function setReplicationAuth(node: AdminTarget, auth = node.adminAuth): Promise<void> {
  if (!auth) return;
  await admin(node, ["CONFIG", "SET", "masteruser", auth.user, "masterauth", auth.password]);
}

/**
 * Redis 7 waits `repl-diskless-sync-delay` (5 s by default) for more replicas before a
 * diskless full sync; ours attach within milliseconds, so the primary starts at once.
 */
export const FAST_SYNC_PARAMS: Record<string, string> = { "repl-diskless-sync-delay": "0" };

/** Makes `replica` replicate `primary`: masteruser/masterauth for the admin user, then REPLICAOF host port. */
export async function replicaOf(replica: AdminTarget, primary: AdminTarget): Promise<void> {
  await setReplicationAuth(replica, primary.adminAuth ?? replica.adminAuth);
  // Best effort: a primary we cannot configure still serves the sync, only later.
  await admin(primary, ["CONFIG", "SET", "repl-diskless-sync-delay", "0"]).catch(() => undefined);
  await admin(replica, ["REPLICAOF", primary.endpoint.host, String(primary.endpoint.port)]);
}

/** REPLICAOF NO ONE: the node keeps its data and replication id, and accepts writes. */
export async function promote(node: AdminTarget): Promise<void> {
  await admin(node, ["REPLICAOF", "NO", "ONE"]);
}

export function toReplicationInfo(fields: Record<string, string>): ReplicationInfo {
  const role = fields.role === "slave" ? "slave" : "master";
  const info: ReplicationInfo = {
    role,
    offset: Number(role === "slave" ? (fields.slave_repl_offset ?? fields.master_repl_offset ?? 0) : (fields.master_repl_offset ?? 0)),
    replId: fields.master_replid,
  };
  if (role === "slave") {
    info.linkUp = fields.master_link_status === "up";
    info.masterHost = fields.master_host;
    if (fields.master_port !== undefined) info.masterPort = Number(fields.master_port);
  } else {
    info.connectedReplicas = Number(fields.connected_slaves ?? 0);
  }
  return info;
}

/** INFO replication, parsed. */
export async function replicationInfo(node: AdminTarget): Promise<ReplicationInfo> {
  return toReplicationInfo(parseInfo(asText(await admin(node, ["INFO", "replication"]))));
}

/**
 * Resolves once `replica` follows `primary` with its link up and has processed at least
 * the offset the primary was at when this was called.
 */
export async function waitReplicaSynced(
  replica: AdminTarget,
  primary: AdminTarget,
  timeoutMs = 30_000,
  opts: { pollMs?: number } = {},
): Promise<void> {
  const pollMs = opts.pollMs ?? 5;
  const deadline = Date.now() + timeoutMs;
  const target = (await replicationInfo(primary)).offset;
  let conn: AdminConnection | undefined;
  let last: ReplicationInfo | undefined;
  try {
    for (;;) {
      try {
        conn ??= await AdminConnection.open(replica);
        last = toReplicationInfo(parseInfo(asText(await conn.call(["INFO", "replication"]))));
        if (last.role === "slave" && last.linkUp && last.offset >= target) return;
      } catch (err) {
        conn?.close();
        conn = undefined;
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `${describe(replica)} did not catch up with ${describe(primary)} (offset ${target}) within ${timeoutMs} ms; last: ${JSON.stringify(last)}`,
        );
      }
      await sleep(pollMs);
    }
  } finally {
    conn?.close();
  }
}

/** The node that has processed the most of the replication stream (the one to promote). */
export async function pickMostUpToDate<T extends AdminTarget>(replicas: T[]): Promise<T> {
  const infos = await Promise.allSettled(replicas.map((r) => replicationInfo(r)));
  let best: T | undefined;
  let bestOffset = -1;
  infos.forEach((r, i) => {
    if (r.status === "fulfilled" && r.value.offset > bestOffset) {
      best = replicas[i];
      bestOffset = r.value.offset;
    }
  });
  if (!best) throw new Error(`none of ${replicas.length} replicas answered INFO replication`);
  return best;
}
