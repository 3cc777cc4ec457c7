/**
 * Redis Cluster membership over real redis-server processes: creating a cluster from
 * fresh nodes, fresh nodes joining a running one (new shards, replacement replicas), and
 * taking nodes out of it.
 *
 * Left alone, a new cluster takes 2-10 s to agree; what Redis 7.0 does, and what we do about it:
 * - A fresh primary stays cluster_state:fail (CLUSTERDOWN) for 2 s after its process
 *   started (CLUSTER_WRITABLE_DELAY); replicas are exempt -> createCluster's fastStart.
 * - A node reads a peer's slots and role only from PING/PONG/MEET packets of a known
 *   sender, and pings come every node-timeout/2 -> we re-MEET (announce) while waiting;
 *   a MEET is answered within one cron tick (100 ms). It leaves a short-lived handshake
 *   entry, which we wait out before returning.
 * - CLUSTER SLOTS lists a replica only once the viewer saw a non-zero replication offset
 *   from it; a primary that never wrote stays at offset 0 until its first replication
 *   ping (10 s) -> moveReplicationOffset writes and deletes one key, and replicas PUBLISH
 *   (a bus broadcast whose header carries the offset).
 */
import { AdminConnection, admin, asText, check, describe, parseInfo, sleep, withConnections, type AdminTarget, type Command } from "./admin.js";
import { toReplicationInfo } from "./replication.js";
import { randomBytes } from "node:crypto";
import { keyInSlots, SLOT_COUNT, toRanges, type SlotRange } from "./slots.js";
import { RespError, type RespValue } from "../resp.js";
import {
  ANNOUNCE_EVERY_MS,
  DEFAULT_POLL_MS,
  DEFAULT_TIMEOUT_MS,
  disagreement,
  layoutMismatch,
  parseClusterNodes,
  publishOffsets,
  readView,
  waitAgreedAndSettled,
  waitClusterConsistent,
  type ClusterNodeEntry,
  type ClusterView,
  type ExpectedShard,
  type SlotRangeView,
  type WaitOptions,
} from "./cluster-views.js";

const layoutOf = (ranges: SlotRange[]) => JSON.stringify(toRanges(ranges));

// ---------------------------------------------------------------------------------------
// Creating and joining

interface Prepared {
  conn: AdminConnection;
  id: string;
  busPort: number;
  knownNodes: number;
  slotsAssigned: number;
  keys: number;
}

/**
 * Sets what a cluster node needs from the emulator at run time: masteruser/masterauth
 * (replicas authenticate to their primary as the admin user; primaries need it too,
 * they become replicas after a failover) and an immediate diskless sync. Returns the
 * node's id, bus port and state.
 */
async function prepare(conn: AdminConnection): Promise<Prepared> {
  const auth = conn.target.adminAuth;
  const set: Command = ["CONFIG", "SET", "repl-diskless-sync-delay", "0"];
  if (auth) set.push("masteruser", auth.user, "masterauth", auth.password);
  const [setReply, id, busPort, info, dbsize] = await conn.send([
    set,
    ["CLUSTER", "MYID"],
    ["CONFIG", "GET", "cluster-port"],
    ["CLUSTER", "INFO"],
    ["DBSIZE"],
  ]);
  check(setReply!, `${describe(conn.target)}: CONFIG SET`);
  const fields = parseInfo(asText(check(info!, `${describe(conn.target)}: CLUSTER INFO`)));
  const configured = Number(asText((check(busPort!) as RespValue[])[1] ?? "0"));
  return {
    conn,
    id: asText(check(id!, `${describe(conn.target)}: CLUSTER MYID`)),
    busPort: configured > 0 ? configured : conn.target.endpoint.port + 10000,
    knownNodes: Number(fields.cluster_known_nodes ?? 1),
    slotsAssigned: Number(fields.cluster_slots_assigned ?? 0),
    keys: Number(check(dbsize!)),
  };
}

/** Applies the run-time settings of prepare() to one node (e.g. after restarting it from its nodes.conf). */
export async function prepareClusterNode(node: AdminTarget): Promise<{ id: string; busPort: number }> {
  return withConnections([node], async ([c]) => {
    const p = await prepare(c!);
    return { id: p.id, busPort: p.busPort };
  });
}

/**
 * A cluster whose nodes restarted from their nodes.conf (same ids, ports and slots; e.g.
 * after a TLS in transit change): applies again what a restart forgets, then resolves once
 * every node agrees and every replica's replication link is up.
 *
 * What a restart forgets are prepare()'s run-time settings, masteruser/masterauth above
 * all (a replica restarted from its nodes.conf starts replicating before we can set them). Without them a restarted replica connects to its primary unauthenticated; a node
 * whose default user is off (a user group) refuses it (NOAUTH) every second, forever, and
 * the replica never replicates again: CLUSTER SLOTS still lists it (its offset, loaded
 * from its RDB, is not 0) but a planned failover to it waits for an offset it never reaches.
 */
export async function resumeCluster(nodes: AdminTarget[], opts: WaitOptions = {}): Promise<SlotRangeView[]> {
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return withConnections(nodes, async (conns) => {
    await Promise.all(conns.map((c) => prepare(c)));
    const views = await Promise.all(conns.map(readView));
    const replicas = conns.flatMap((conn, i) => {
      const masterId = views[i]!.myself.role === "replica" ? views[i]!.myself.masterId : undefined;
      return masterId ? [{ conn, masterId }] : [];
    });
    // A replica caught in a handshake it began before masterauth was set sent no AUTH but
    // now reads one reply too many as the AUTH reply, and waits for the last reply until
    // repl-timeout (60 s). CLUSTER REPLICATE (same primary) starts a clean handshake.
    await Promise.all(
      replicas.map(async ({ conn, masterId }) => {
        const info = toReplicationInfo(parseInfo(asText(await conn.call(["INFO", "replication"]))));
        if (!info.linkUp) check(await conn.call(["CLUSTER", "REPLICATE", masterId]), `${describe(conn.target)}: CLUSTER REPLICATE`);
      }),
    );
    const slots = await waitClusterConsistent(nodes, { ...opts, timeoutMs: Math.max(0, deadline - Date.now()) });
    await waitReplicaLinks(
      replicas.map((r) => r.conn),
      deadline,
      pollMs,
    );
    return slots;
  });
}

/**
 * Every node in `from` meets every node in `to` (pipelined per node).
 *
 * Also the fastest way to make a node's news (its slots, its new role) known: after the
 * handshake, Redis only reads a peer's header (slots, master) from packets of a known
 * sender, and regular pings come every node-timeout/2 (seconds). A MEET to a node that
 * is known already is answered at once and its header is read: news arrive within one
 * cluster cron tick (100 ms). So `announce` re-meets while we wait for agreement; the
 * short-lived handshake entry it creates on the sender is dropped on the answer.
 */
async function meet(from: Prepared[], to: Prepared[], opts: { ignoreErrors?: boolean } = {}): Promise<void> {
  await Promise.all(
    from.map(async (a) => {
      const cmds = to
        .filter((b) => b.id !== a.id)
        .map((b): Command => ["CLUSTER", "MEET", b.conn.target.endpoint.host, b.conn.target.endpoint.port, b.busPort]);
      const replies = await a.conn.send(cmds);
      if (!opts.ignoreErrors) replies.forEach((r) => check(r, `${describe(a.conn.target)}: CLUSTER MEET`));
    }),
  );
}

function announce(from: Prepared[], to: Prepared[]): Promise<void> {
  return meet(from, to, { ignoreErrors: true }).catch(() => undefined);
}

/** `conn`'s node re-meets the other live nodes (those with a view), by the addresses it knows them at. */
export async function announceTo(conn: AdminConnection, views: ClusterView[]): Promise<void> {
  const self = views.find((v) => v.node === conn.target);
  if (!self) return;
  const live = new Set(views.map((v) => v.myself.id));
  const cmds = self.nodes
    .filter((e) => !e.myself && !e.handshake && live.has(e.id) && e.ip !== "")
    .map((e): Command => ["CLUSTER", "MEET", e.ip, e.port, e.busPort]);
  await conn.send(cmds).catch(() => undefined);
}

/** A node in `conn`'s view that is a full member (handshake done) and a primary. */
function knowsPrimary(view: ClusterNodeEntry[], id: string): boolean {
  const n = view.find((e) => e.id === id);
  return !!n && n.role === "master" && !n.handshake;
}

/**
 * Makes each node a replica of its primary (CLUSTER REPLICATE), as soon as it knows the
 * primary from gossip. Resolves when every one has accepted.
 */
async function attachReplicas(pairs: Array<{ conn: AdminConnection; masterId: string }>, deadline: number, pollMs: number): Promise<void> {
  const pending = new Set(pairs);
  let lastError = "";
  while (pending.size > 0) {
    await Promise.all(
      [...pending].map(async (p) => {
        const view = parseClusterNodes(asText(await p.conn.call(["CLUSTER", "NODES"])));
        const me = view.find((e) => e.myself);
        if (me?.masterId === p.masterId && me.role === "replica") {
          pending.delete(p);
          return;
        }
        if (!knowsPrimary(view, p.masterId)) return;
        const [r] = await p.conn.send([["CLUSTER", "REPLICATE", p.masterId]]);
        if (r instanceof RespError) lastError = `${describe(p.conn.target)}: ${r.message}`;
        else pending.delete(p);
      }),
    );
    if (pending.size === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`replicas not attached in time (${[...pending].map((p) => describe(p.conn.target)).join(", ")}) ${lastError}`);
    }
    await sleep(pollMs);
  }
}

/**
 * Redis 7.0 lists a replica in CLUSTER SLOTS only once its replication offset is not 0,
 * and a primary that has never written anything stays at offset 0 until its first
 * replication PING (repl-ping-replica-period, 10 s). So a fresh primary writes and
 * deletes one key of its own slots: the offset moves, replicas show up at once.
 */
export async function moveReplicationOffset(conn: AdminConnection, slots: SlotRange[], deadline: number, pollMs: number): Promise<void> {
  if (slots.length === 0) return;
  const info = toReplicationInfo(parseInfo(asText(await conn.call(["INFO", "replication"]))));
  if (info.role !== "master" || info.offset > 0) return;
  const key = keyInSlots(slots);
  for (;;) {
    // A fresh primary answers CLUSTERDOWN for its first 2 s (see CreateClusterOptions.fastStart).
    const [set] = await conn.send([["SET", key, "1"]]);
    if (!(set instanceof RespError)) break;
    if (!/^CLUSTERDOWN/.test(set.message) || Date.now() > deadline) check(set, `${describe(conn.target)}: moving the replication offset`);
    await sleep(pollMs);
  }
  check((await conn.send([["DEL", key]]))[0]!, `${describe(conn.target)}: moving the replication offset`);
}

/**
 * A node with an append-only file that loaded a data set from a primary (a fast start's primary
 * replicates the slot holder first) starts its file again with a rewrite, and until that rewrite
 * is done (or while it waits for another child, such as a replica's sync) the writes it
 * acknowledges are in no file a restart reads: an engine killed then comes back without them. Resolves once
 * nothing of the kind is pending (at once without an append-only file).
 */
async function waitAppendOnlyWritten(conn: AdminConnection, deadline: number, pollMs: number): Promise<void> {
  for (;;) {
    const info = parseInfo(asText(await conn.call(["INFO", "persistence"])));
    if (info.aof_enabled !== "1" || (info.aof_rewrite_scheduled === "0" && info.aof_rewrite_in_progress === "0")) return;
    if (Date.now() > deadline) throw new Error(`${describe(conn.target)}: its append-only file is not rewritten in time`);
    await sleep(pollMs);
  }
}

async function waitReplicaLinks(conns: AdminConnection[], deadline: number, pollMs: number): Promise<void> {
  let pending = conns;
  while (pending.length > 0) {
    const infos = await Promise.all(pending.map(async (c) => toReplicationInfo(parseInfo(asText(await c.call(["INFO", "replication"]))))));
    pending = pending.filter((_, i) => !(infos[i]!.role === "slave" && infos[i]!.linkUp));
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`replication links not up in time: ${pending.map((c) => describe(c.target)).join(", ")}`);
    await sleep(pollMs);
  }
}

export interface ClusterShardSpec<T extends AdminTarget = AdminTarget> {
  primary: T;
  replicas: T[];
  slots: SlotRange[];
}

export interface CreateClusterOptions extends WaitOptions {
  /**
   * Redis holds a freshly started primary in cluster_state:fail for 2 s after the process
   * started (CLUSTER_WRITABLE_DELAY), whatever we do; a replica is exempt. So for a
   * shard with a replica and no data, the replica holds the slots first, the primary
   * replicates it (and becomes ok at once, as a replica), then takes over with CLUSTER
   * FAILOVER TAKEOVER and the replica follows it. The end state is the same; the
   * cluster is usable ~2 s sooner. Default true; shards without replicas wait the 2 s.
   */
  fastStart?: boolean;
}

export interface CreatedCluster {
  shards: Array<{ primaryId: string; replicaIds: string[] }>;
  /** Milliseconds per phase, for logs and benchmarks. */
  timings: Record<string, number>;
}

/**
 * Builds a Redis Cluster from fresh cluster-enabled nodes (started with clusterNodeParams):
 * every node meets every other, primaries get their slots (ADDSLOTSRANGE), replicas
 * CLUSTER REPLICATE their primary; resolves when every node reports cluster_state:ok and
 * all show the same, expected, CLUSTER SLOTS.
 */
export async function createCluster<T extends AdminTarget>(
  shards: Array<ClusterShardSpec<T>>,
  opts: CreateClusterOptions = {},
): Promise<CreatedCluster> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (name: string) => (timings[name] = Date.now() - t0);
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const deadline = t0 + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const nodes: AdminTarget[] = shards.flatMap((s) => [s.primary, ...s.replicas]);
  if (new Set(nodes).size !== nodes.length) throw new Error("a node appears twice in the cluster spec");

  return withConnections(nodes, async (conns) => {
    const prepared = await Promise.all(conns.map((c) => prepare(c)));
    const of = new Map(nodes.map((n, i) => [n, prepared[i]!]));
    for (const p of prepared) {
      if (p.knownNodes > 1 || p.slotsAssigned > 0) throw new Error(`${describe(p.conn.target)} is already part of a cluster`);
    }
    // Distinct config epochs up front (1..n): no epoch collisions to resolve later.
    const highestEpoch = prepared.length;
    await Promise.all(prepared.map((p, i) => p.conn.send([["CLUSTER", "SET-CONFIG-EPOCH", i + 1]])));
    mark("prepared");

    const plan = shards.map((s) => {
      const primary = of.get(s.primary)!;
      const replicas = s.replicas.map((r) => of.get(r)!);
      const fast = opts.fastStart !== false && replicas.length > 0 && primary.keys === 0 && s.slots.length > 0;
      return { primary, replicas, slots: toRanges(s.slots), fast, holder: fast ? replicas[0]! : primary };
    });
    await Promise.all(
      plan
        .filter((s) => s.slots.length > 0)
        .map(async (s) => check(await s.holder.conn.call(["CLUSTER", "ADDSLOTSRANGE", ...s.slots.flat()]), `${describe(s.holder.conn.target)}: ADDSLOTSRANGE`)),
    );
    mark("slots");

    if (prepared.length <= 64) await meet(prepared, prepared);
    else {
      // Big clusters: a star, gossip does the rest.
      await meet(prepared.slice(0, 1), prepared);
      await meet(prepared.slice(1), prepared.slice(0, 1));
    }
    mark("met");

    const fast = plan.filter((s) => s.fast);
    if (fast.length > 0) {
      // The primary replicates the slot holder, is ok as a replica, then takes over. Its view
      // must show the holder's slots first (TAKEOVER claims what the old master holds).
      await attachReplicas(fast.map((s) => ({ conn: s.primary.conn, masterId: s.holder.id })), deadline, pollMs);
      const holders = fast.map((s) => s.holder);
      const primaries = fast.map((s) => s.primary);
      let lastAnnounce = 0;
      const pending = new Set(fast);
      while (pending.size > 0) {
        await Promise.all(
          [...pending].map(async (s) => {
            const v = await readView(s.primary.conn);
            const holder = v.nodes.find((n) => n.id === s.holder.id);
            // TAKEOVER claims the slots with currentEpoch + 1. A primary that has not yet heard
            // of the highest epoch set above may pick one a slot holder already has; Redis then
            // resolves the collision by bumping the node with the lower id, and when that is the
            // holder of the slots being claimed, the holder wins them back and the new primary
            // turns into its replica for good. So: take over only once the epoch is known.
            const ready =
              v.state === "ok" &&
              v.myself.masterId === s.holder.id &&
              Number(v.info.cluster_current_epoch ?? 0) >= highestEpoch &&
              !!holder &&
              layoutOf(holder.slots) === layoutOf(s.slots);
            if (!ready) return;
            check(await s.primary.conn.call(["CLUSTER", "FAILOVER", "TAKEOVER"]), `${describe(s.primary.conn.target)}: CLUSTER FAILOVER TAKEOVER`);
            pending.delete(s);
          }),
        );
        if (pending.size === 0) break;
        if (Date.now() > deadline) throw new Error(`fast start: primaries not ready to take over in time`);
        if (Date.now() - lastAnnounce >= ANNOUNCE_EVERY_MS) {
          lastAnnounce = Date.now();
          void announce(holders, primaries);
        }
        await sleep(pollMs);
      }
      mark("fastStartTakeover");
    }
    const expected = await settleShards(plan, prepared, { deadline, pollMs, logger: opts.logger, mark });
    return { shards: expected.map(({ primaryId, replicaIds }) => ({ primaryId, replicaIds })), timings };
  });
}

/**
 * The end of a cluster's creation, once every primary holds its slots: replicas attached to
 * their primaries with their links up, the replication offsets moved (so CLUSTER SLOTS lists
 * the replicas), and every node agreeing on the expected layout. `meetFrom`: the nodes that
 * re-MEET the others to spread the news while waiting (default: all).
 */
async function settleShards(
  plan: Array<{ primary: Prepared; replicas: Prepared[]; slots: SlotRange[] }>,
  prepared: Prepared[],
  opts: { deadline: number; pollMs: number; logger?: WaitOptions["logger"]; mark: (phase: string) => void; meetFrom?: Prepared[] },
): Promise<ExpectedShard[]> {
  const meetFrom = opts.meetFrom ?? prepared;
  const { deadline, pollMs, mark } = opts;
  await attachReplicas(
    plan.flatMap((s) => s.replicas.map((r) => ({ conn: r.conn, masterId: s.primary.id }))),
    deadline,
    pollMs,
  );
  mark("replicated");
  const replicaConns = plan.flatMap((s) => s.replicas.map((r) => r.conn));
  await waitReplicaLinks(replicaConns, deadline, pollMs);
  mark("replicaLinksUp");
  await Promise.all(plan.filter((s) => s.replicas.length > 0).map((s) => moveReplicationOffset(s.primary.conn, s.slots, deadline, pollMs)));

  const expected: ExpectedShard[] = plan.map((s) => ({ primaryId: s.primary.id, replicaIds: s.replicas.map((r) => r.id), slots: s.slots }));
  const conns = prepared.map((p) => p.conn);
  await announce(meetFrom, prepared);
  await Promise.all([
    waitAgreedAndSettled(conns, (views) => disagreement(views, (slots) => layoutMismatch(slots, expected)), {
      deadline,
      pollMs,
      logger: opts.logger,
      what: "cluster creation",
      nudge: async (views) => void (await Promise.all([announce(meetFrom, prepared), publishOffsets(conns, views)])),
    }),
    ...plan.map((s) => waitAppendOnlyWritten(s.primary.conn, deadline, pollMs)),
  ]);
  mark("agreed");
  return expected;
}

/** The primary's cluster-node-timeout while a seeded shard settles: it pings a replica whose last pong is older than half of it. */
const SEEDED_PING_NODE_TIMEOUT_MS = 200;

/** Where a node of a seeded shard will listen: an IP address (nodes.conf holds no names), its client and bus ports. */
export interface SeedAddress {
  host: string;
  port: number;
  /** Default: port + 10000, Redis's own default and the TLS nodes' (redis-driver.ts). */
  busPort?: number;
}

/** A one-shard cluster written ahead of its nodes' start (seedShard): their ids and nodes.conf files. */
export interface ShardSeed {
  primaryId: string;
  replicaIds: string[];
  primaryConfig: string;
  replicaConfigs: string[];
}

/**
 * The nodes.conf files of a one-shard cluster (every slot) whose nodes will start on these
 * addresses: the cluster exists as they start, without MEET, handshake, slot assignment or
 * CLUSTER REPLICATE, and the nodes' first cluster cron connects their bus links. Redis holds a
 * fresh primary in cluster_state:fail for 2 s after its start (CreateClusterOptions.fastStart)
 * while a replica is exempt, so, as fastStart does, the files have the primary start as a
 * replica of the first replica, which holds the slots; formSeededShard has it take over.
 */
export function seedShard(primary: SeedAddress, replicas: SeedAddress[]): ShardSeed {
  if (replicas.length === 0) throw new Error("a seeded shard needs a replica to hold its slots until the primary takes over");
  const newId = () => randomBytes(20).toString("hex");
  const primaryId = newId();
  const replicaIds = replicas.map(newId);
  const holder = replicaIds[0]!;
  const nodes = [
    { id: primaryId, at: primary, role: "slave", master: holder, epoch: 0, slots: "" },
    ...replicas.map((at, i) => (i === 0 ? { id: holder, at, role: "master", master: "-", epoch: 1, slots: ` 0-${SLOT_COUNT - 1}` } : { id: replicaIds[i]!, at, role: "slave", master: holder, epoch: 0, slots: "" })),
  ];
  const file = (self: string) =>
    nodes.map((n) => `${n.id} ${n.at.host}:${n.at.port}@${n.at.busPort ?? n.at.port + 10000} ${n.id === self ? "myself," : ""}${n.role},nofailover ${n.master} 0 0 ${n.epoch} connected${n.slots}`).join("\n") +
    "\nvars currentEpoch 1 lastVoteEpoch 0\n";
  return { primaryId, replicaIds, primaryConfig: file(primaryId), replicaConfigs: replicaIds.map(file) };
}

/**
 * Makes a shard whose nodes started from seedShard's files what createCluster makes: the
 * primary (a replica in its file, so cluster_state:ok at once) takes over every slot as soon as
 * it reports ok, the other nodes follow it as replicas, and it resolves when every node agrees.
 */
export async function formSeededShard<T extends AdminTarget>(shard: { primary: T; replicas: T[] }, seed: ShardSeed, opts: WaitOptions = {}): Promise<CreatedCluster> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (name: string) => (timings[name] = Date.now() - t0);
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const deadline = t0 + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return withConnections([shard.primary, ...shard.replicas], async (conns) => {
    const prepared = await Promise.all(conns.map((c) => prepare(c)));
    const [primary, ...replicas] = prepared;
    const ids = [seed.primaryId, ...seed.replicaIds];
    prepared.forEach((p, i) => {
      if (p.id !== ids[i]) throw new Error(`${describe(p.conn.target)} did not start from its seeded nodes.conf (id ${p.id}, expected ${ids[i]})`);
    });
    mark("prepared");
    for (;;) {
      const view = await readView(primary!.conn);
      if (view.state === "ok" && view.myself.role === "replica") break;
      if (Date.now() > deadline) throw new Error(`${describe(primary!.conn.target)}: not ready to take over its seeded shard in time`);
      await sleep(pollMs);
    }
    // The primary pings its replicas every cluster cron tick while they settle, so it hears their new role and
    // offset at once (a re-MEET would too, but leaves handshake entries and broken bus links to wait out).
    const [, nodeTimeout] = (check(await primary!.conn.call(["CONFIG", "GET", "cluster-node-timeout"])) as RespValue[]).map(asText);
    check(await primary!.conn.call(["CONFIG", "SET", "cluster-node-timeout", String(SEEDED_PING_NODE_TIMEOUT_MS)]));
    check(await primary!.conn.call(["CLUSTER", "FAILOVER", "TAKEOVER"]), `${describe(primary!.conn.target)}: CLUSTER FAILOVER TAKEOVER`);
    mark("takeover");
    let expected: ExpectedShard[];
    try {
      expected = await settleShards([{ primary: primary!, replicas, slots: [[0, SLOT_COUNT - 1]] }], prepared, { deadline, pollMs, logger: opts.logger, mark, meetFrom: [] });
    } finally {
      check(await primary!.conn.call(["CONFIG", "SET", "cluster-node-timeout", nodeTimeout!]));
    }
    return { shards: expected.map(({ primaryId, replicaIds }) => ({ primaryId, replicaIds })), timings };
  });
}

export interface JoinMember {
  node: AdminTarget;
  /** The primary this node replicates (a member or a node of the cluster); none: a primary without slots. */
  replicaOf?: AdminTarget;
}

/**
 * Brings fresh nodes into a running cluster: each meets every node, replicas attach to
 * their primary; resolves when every node (old and new) knows every new node in its
 * role and all agree on the slots.
 */
export async function joinCluster(members: JoinMember[], cluster: AdminTarget[], opts: WaitOptions = {}): Promise<string[]> {
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const all = [...members.map((m) => m.node), ...cluster.filter((c) => !members.some((m) => m.node === c))];
  return withConnections(all, async (conns) => {
    const prepared = await Promise.all(conns.map((c) => prepare(c)));
    const newOnes = prepared.slice(0, members.length);
    for (const p of newOnes) {
      if (p.knownNodes > 1 || p.slotsAssigned > 0) throw new Error(`${describe(p.conn.target)} is already part of a cluster`);
    }
    const find = (n: AdminTarget) => {
      const i = all.indexOf(n);
      if (i < 0) throw new Error(`${describe(n)} is neither joining nor in the cluster`);
      return prepared[i]!;
    };
    await meet(newOnes, prepared);
    const pairs = members.flatMap((m, i) => (m.replicaOf ? [{ conn: newOnes[i]!.conn, master: find(m.replicaOf) }] : []));
    // A new primary with a new replica skips Redis's 2 s start delay as createCluster does
    // (fastStart): it replicates its replica, is ok as a replica, takes over (no slots to claim).
    const fast = newOnes.flatMap((p) => {
      const helper = pairs.find((r) => r.master === p);
      return helper ? [{ primary: p, helper: find(helper.conn.target) }] : [];
    });
    if (fast.length > 0) {
      await attachReplicas(fast.map((f) => ({ conn: f.primary.conn, masterId: f.helper.id })), deadline, pollMs);
      const pending = new Set(fast);
      while (pending.size > 0) {
        await Promise.all(
          [...pending].map(async (f) => {
            const v = await readView(f.primary.conn);
            if (v.state !== "ok" || v.myself.masterId !== f.helper.id) return;
            check(await f.primary.conn.call(["CLUSTER", "FAILOVER", "TAKEOVER"]), `${describe(f.primary.conn.target)}: CLUSTER FAILOVER TAKEOVER`);
            pending.delete(f);
          }),
        );
        if (pending.size === 0) break;
        if (Date.now() > deadline) throw new Error("new primaries not ready to take over in time");
        await sleep(pollMs);
      }
    }
    await attachReplicas(pairs.map((p) => ({ conn: p.conn, masterId: p.master.id })), deadline, pollMs);
    await waitReplicaLinks(pairs.map((p) => p.conn), deadline, pollMs);
    for (const master of new Set(pairs.map((p) => p.master))) {
      const me = parseClusterNodes(asText(await master.conn.call(["CLUSTER", "NODES"]))).find((e) => e.myself);
      await moveReplicationOffset(master.conn, me?.slots ?? [], deadline, pollMs);
    }
    await announce(newOnes, prepared);
    const want = members.map((m, i) => ({ id: newOnes[i]!.id, masterId: m.replicaOf ? find(m.replicaOf).id : undefined }));
    await waitAgreedAndSettled(
      conns,
      (views) => {
        for (const v of views) {
          for (const w of want) {
            const e = v.nodes.find((n) => n.id === w.id);
            if (!e || e.handshake) return `${describe(v.node)} does not know ${w.id} yet`;
            if (w.masterId ? e.masterId !== w.masterId : e.role !== "master") return `${describe(v.node)} does not see ${w.id} in its role yet`;
          }
        }
        return disagreement(views, (slots) => {
          // A new replica of a primary with slots must be listed with it.
          for (const w of want) {
            if (!w.masterId) continue;
            for (const s of slots) {
              if (s.primary.id === w.masterId && !s.replicas.some((r) => r.id === w.id)) return `${w.id} not listed as a replica yet`;
            }
          }
          return undefined;
        });
      },
      { deadline, pollMs, logger: opts.logger, what: "joining the cluster", nudge: async (views) => void (await Promise.all([announce(newOnes, prepared), publishOffsets(conns, views)])) },
    );
    return newOnes.map((p) => p.id);
  });
}

/** A new shard (primary without slots + its replicas) joins the cluster; move slots to it with migrateSlots. */
export async function addShard(
  shard: { primary: AdminTarget; replicas: AdminTarget[] },
  cluster: AdminTarget[],
  opts: WaitOptions = {},
): Promise<{ primaryId: string; replicaIds: string[] }> {
  const ids = await joinCluster(
    [{ node: shard.primary }, ...shard.replicas.map((r) => ({ node: r, replicaOf: shard.primary }))],
    cluster,
    opts,
  );
  return { primaryId: ids[0]!, replicaIds: ids.slice(1) };
}

/**
 * A fresh node joins as a replica of `primary` (e.g. replacing a dead node, or a new
 * replica for IncreaseReplicaCount). `cluster`: the live nodes, primary included or not.
 */
export async function replaceReplica(primary: AdminTarget, fresh: AdminTarget, cluster: AdminTarget[], opts: WaitOptions = {}): Promise<string> {
  const others = cluster.includes(primary) ? cluster : [primary, ...cluster];
  const [id] = await joinCluster([{ node: fresh, replicaOf: primary }], others, opts);
  return id!;
}

// ---------------------------------------------------------------------------------------
// Removing

/**
 * CLUSTER FORGET `nodeId` on every node of `cluster` (within Redis's 60 s ban, so gossip
 * does not bring it back). Unknown ids are fine (already forgotten).
 */
export async function forgetDeadNode(nodeId: string, cluster: AdminTarget[]): Promise<void> {
  await forgetNodes([nodeId], cluster);
}

async function forgetNodes(ids: string[], cluster: AdminTarget[]): Promise<void> {
  await withConnections(cluster, async (conns) => {
    await Promise.all(
      conns.map(async (c) => {
        const replies = await c.send(ids.map((id) => ["CLUSTER", "FORGET", id]));
        replies.forEach((r) => {
          if (r instanceof RespError && !/Unknown node/i.test(r.message)) {
            throw new Error(`${describe(c.target)}: CLUSTER FORGET: ${r.message}`);
          }
        });
      }),
    );
  });
}

/**
 * Takes live nodes that hold no slots out of the cluster: every remaining node forgets
 * them, then each removed node is reset (CLUSTER RESET SOFT) so it stops gossiping.
 * Remove a shard's replicas with its primary (a replica refuses to forget its own primary).
 */
export async function removeNodesFromCluster(nodes: AdminTarget[], others: AdminTarget[], opts: { reset?: boolean } = {}): Promise<string[]> {
  const ids = await withConnections(nodes, (conns) =>
    Promise.all(
      conns.map(async (c) => {
        const view = parseClusterNodes(asText(await c.call(["CLUSTER", "NODES"])));
        const me = view.find((e) => e.myself)!;
        if (me.slots.length > 0) throw new Error(`${describe(c.target)} still holds slots; migrate them first`);
        return me.id;
      }),
    ),
  );
  await forgetNodes(ids, others);
  if (opts.reset !== false) {
    await Promise.all(nodes.map((n) => admin(n, ["CLUSTER", "RESET", "SOFT"]).catch(() => undefined)));
  }
  return ids;
}

export async function removeNodeFromCluster(node: AdminTarget, others: AdminTarget[], opts: { reset?: boolean } = {}): Promise<string> {
  const [id] = await removeNodesFromCluster([node], others, opts);
  return id!;
}
