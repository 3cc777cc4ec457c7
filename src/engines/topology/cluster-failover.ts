/**
 * Failover in a Redis Cluster: a replica of a shard becomes its primary, planned (CLUSTER
 * FAILOVER: the primary is alive and hands over without losing a write) or by takeover
 * (CLUSTER FAILOVER TAKEOVER: the primary is dead); resolves once the cluster agrees.
 */
import { asText, describe, parseInfo, withConnections, type AdminTarget } from "./admin.js";
import { toReplicationInfo } from "./replication.js";
import { respPing } from "../probes.js";
import { announceTo } from "./cluster-membership.js";
import { DEFAULT_POLL_MS, DEFAULT_TIMEOUT_MS, disagreement, readView, waitAgreedAndSettled, type WaitOptions } from "./cluster-views.js";

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
    await conn.call(mode === "planned" ? ["CLUSTER", "FAILOVER"] : ["CLUSTER", "FAILOVER", "TAKEOVER"]);
    const moved = oldPrimary?.slots ?? [];
    const deadline = t0 + timeoutMs;
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
