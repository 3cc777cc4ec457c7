/**
 * Failover in a Redis Cluster: a replica of a shard becomes its primary, planned (CLUSTER
 * FAILOVER: the primary is alive and hands over without losing a write) or by takeover
 * (CLUSTER FAILOVER TAKEOVER: the primary is dead); resolves once the cluster agrees.
 */
import { AdminConnection, asText, describe, parseInfo, sleep, withConnections, type AdminTarget } from "./admin.js";
import { toReplicationInfo } from "./replication.js";
import { respPing } from "../probes.js";
import { announceTo } from "./cluster-membership.js";
import {
  DEFAULT_POLL_MS,
  DEFAULT_TIMEOUT_MS,
  disagreement,
  readView,
  unsettled,
  waitAgreedAndSettled,
  type ClusterView,
  type WaitOptions,
} from "./cluster-views.js";

export interface ClusterFailoverOptions extends WaitOptions {
  /**
   * "planned": CLUSTER FAILOVER (primary alive: it stops writes, the replica catches up,
   * roles swap, nothing is lost). "takeover": CLUSTER FAILOVER TAKEOVER (primary dead or
   * unreachable: no agreement needed). "auto" (default): planned when the replica's link
   * is up and the primary answers PING, else takeover.
   */
  mode?: "auto" | "planned" | "takeover";
  /** The live nodes that must agree afterwards (the dead primary must not be in it). Default: the replica. */
  cluster?: AdminTarget[];
}

export interface ClusterFailoverResult {
  mode: "planned" | "takeover";
  oldPrimaryId: string;
  newPrimaryId: string;
  ms: number;
}

/** Promotes a replica of a cluster shard; resolves once it is primary and the cluster agrees. */
export async function clusterFailover(replica: AdminTarget, opts: ClusterFailoverOptions = {}): Promise<ClusterFailoverResult> {
  const t0 = Date.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const cluster = opts.cluster && opts.cluster.length > 0 ? opts.cluster : [replica];
  const all = cluster.includes(replica) ? cluster : [replica, ...cluster];
  return withConnections(all, async (conns) => {
    const conn = conns[all.indexOf(replica)]!;
    const before = await readView(conn);
    const me = before.myself;
    if (me.role !== "replica" || !me.masterId) throw new Error(`${describe(replica)} is not a replica`);
    const oldPrimary = before.nodes.find((n) => n.id === me.masterId);
    let mode = opts.mode ?? "auto";
    if (mode === "auto") {
      const repl = toReplicationInfo(parseInfo(asText(await conn.call(["INFO", "replication"]))));
      const alive =
        repl.linkUp === true &&
        repl.masterHost !== undefined &&
        repl.masterPort !== undefined &&
        (await respPing({ host: repl.masterHost, port: repl.masterPort }, { timeoutMs: 500 }));
      mode = alive ? "planned" : "takeover";
    }
    const deadline = t0 + timeoutMs;
    if (mode === "planned") await waitPlannedFailoverCanStart(conns, conn, me.id, me.masterId, { deadline, pollMs, logger: opts.logger });
    await conn.call(mode === "planned" ? ["CLUSTER", "FAILOVER"] : ["CLUSTER", "FAILOVER", "TAKEOVER"]);
    const moved = oldPrimary?.slots ?? [];
    await waitAgreedAndSettled(
      conns,
      (views) => {
        const mine = views[all.indexOf(replica)]!;
        if (mine.myself.role !== "master") return `${describe(replica)} not primary yet`;
        // A live old primary turns into a replica of the new one; everyone must see it.
        if (views.some((v) => v.myself.id === me.masterId)) {
          for (const v of views) {
            if (v.nodes.find((n) => n.id === me.masterId)?.masterId !== me.id) return `${describe(v.node)} does not see the old primary as a replica yet`;
          }
        }
        return disagreement(views, (slots) => {
          for (const s of slots) {
            for (const [a, b] of moved) {
              if (s.from <= b && s.to >= a && s.primary.id !== me.id) return `slots ${s.from}-${s.to} still owned by ${s.primary.id}`;
            }
          }
          return undefined;
        });
      },
      {
        deadline,
        pollMs,
        logger: opts.logger,
        what: `failover to ${describe(replica)}`,
        // The old primary's new role reaches the others with its next ping (seconds away); a MEET carries it now.
        nudge: async (views) => {
          const old = views.find((v) => v.myself.id === me.masterId);
          if (old) await announceTo(conns[views.indexOf(old)]!, views);
        },
      },
    );
    return { mode, oldPrimaryId: me.masterId, newPrimaryId: me.id, ms: Date.now() - t0 };
  });
}

/**
 * Why a planned failover (CLUSTER FAILOVER) cannot start yet, or undefined. What Redis needs:
 * - the replica's bus link to its primary is up and the primary is not flagged failing
 *   (else the command answers "Master is down or failed, please use CLUSTER FAILOVER FORCE");
 * - its replication link is up (the primary pauses its clients and sends its offset; the
 *   replica starts its election only once it has replicated up to that offset);
 * - every primary knows it as a replica of that primary (a primary votes only for a node
 *   it sees as a replica) and it has a bus link to every live node (the vote request is
 *   broadcast over established links once, and the manual failover gives up after 5 s).
 */
function plannedFailoverBlocker(views: ClusterView[], replicaId: string, primaryId: string, replicationLinkUp: boolean): string | undefined {
  for (const v of views) {
    const entry = v.myself.id === replicaId ? v.myself : v.nodes.find((n) => n.id === replicaId);
    if (entry?.masterId !== primaryId) return `${describe(v.node)} does not see ${replicaId} as a replica of ${primaryId} yet`;
    if (v.myself.id !== replicaId) continue;
    const primary = v.nodes.find((n) => n.id === primaryId);
    if (!primary?.connected) return `${describe(v.node)} has no bus link to its primary yet`;
    if (primary.failing) return `${describe(v.node)} sees its primary failing (${primary.flags.join(",")})`;
    if (!replicationLinkUp) return `${describe(v.node)}: replication link to its primary not up yet`;
  }
  return unsettled(views);
}

async function waitPlannedFailoverCanStart(
  conns: AdminConnection[],
  replica: AdminConnection,
  replicaId: string,
  primaryId: string,
  opts: { deadline: number; pollMs: number; logger?: WaitOptions["logger"] },
): Promise<void> {
  let reason: string | undefined;
  for (;;) {
    const [views, repl] = await Promise.all([
      Promise.all(conns.map(readView)),
      replica.call(["INFO", "replication"]).then((r) => toReplicationInfo(parseInfo(asText(r)))),
    ]);
    const now = plannedFailoverBlocker(views, replicaId, primaryId, repl.linkUp === true);
    if (now === undefined) return;
    if (now !== reason) opts.logger?.debug("waiting before a planned failover", { replica: describe(replica.target), reason: now });
    reason = now;
    if (Date.now() > opts.deadline) throw new Error(`planned failover to ${describe(replica.target)} cannot start: ${reason}`);
    await sleep(opts.pollMs);
  }
}
