/**
 * Redis Cluster (cluster mode enabled) over real redis-server processes: the start
 * parameters, creating a cluster from fresh nodes, failover, adding/replacing/removing
 * nodes, and the views (CLUSTER NODES / SLOTS / INFO) used to wait until every node agrees.
 *
 * Everything polls over persistent admin connections every few milliseconds. Left alone,
 * a new cluster takes 2-10 s to agree; what Redis 7.0 does, and what we do about it:
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
import net from "node:net";
import type { Logger } from "../../logger.js";
import { respPing } from "../probes.js";
import {
  AdminConnection,
  admin,
  asText,
  check,
  describe,
  parseInfo,
  sleep,
  withConnections,
  type AdminTarget,
  type Command,
} from "./admin.js";
import { toReplicationInfo } from "./replication.js";
import { SLOT_COUNT, expandSlots, keyInSlots, toRanges, type SlotOwner, type SlotRange } from "./slots.js";
import { RespError, type RespValue } from "../resp.js";

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_POLL_MS = 5;
/** How often to re-announce nodes while waiting (a cluster cron tick is 100 ms). */
const ANNOUNCE_EVERY_MS = 50;

const layoutOf = (ranges: SlotRange[]) => JSON.stringify(toRanges(ranges));

// ---------------------------------------------------------------------------------------
// Start parameters

export interface ClusterNodeParamsOptions {
  /** The advertised host clients use: an IP literal, or a name (docker-compose service). */
  announceHost: string;
  /** The node's client port (announced as is: no port mapping). */
  port: number;
  /** cluster-node-timeout: how long before Redis itself flags a silent node as failing. */
  nodeTimeoutMs: number;
  /** The cluster bus port; Redis's default is port + 10000. */
  busPort?: number;
  /** cluster-require-full-coverage; ElastiCache's default is "no". */
  requireFullCoverage?: boolean;
}

/**
 * The `params` of a NodeSpec for a cluster-mode node.
 *
 * - `cluster-config-file nodes.conf` is relative to the node's cwd, its workDir.
 * - Announce: with an IP literal, `cluster-announce-ip`; with a name,
 *   `cluster-announce-hostname` + `cluster-preferred-endpoint-type hostname`, so that
 *   MOVED/ASK, CLUSTER SLOTS/SHARDS/NODES point where clients reach the node. In the
 *   hostname case nodes still meet over the bus by the IPs they see each other on.
 * - `cluster-replica-no-failover yes`: Redis Cluster's own automatic failover waits
 *   node-timeout (+ an election) and ignores AutomaticFailoverEnabled. The emulator sees
 *   a dead process at once (its exit) and decides, then drives CLUSTER FAILOVER TAKEOVER
 *   (see clusterFailover); manual CLUSTER FAILOVER [FORCE|TAKEOVER] still works with
 *   this setting. So the cluster never fails over behind the emulator's back and the
 *   records (which node is primary) stay true.
 * - `cluster-allow-replica-migration no`: we place replicas ourselves; Redis must not
 *   move a replica to an orphaned primary, nor turn a primary emptied by resharding
 *   into a replica of the node that took its last slot.
 * - `repl-diskless-sync-delay 0`: a replica's full sync starts at once instead of after 5 s.
 *
 * The replicas' credentials (masteruser/masterauth for the admin user) are not here: they
 * are set with CONFIG SET by createCluster/addShard/replaceReplica (prepareClusterNode),
 * so the admin password never appears on a command line.
 */
export function clusterNodeParams(opts: ClusterNodeParamsOptions): Record<string, string> {
  const params: Record<string, string> = {
    "cluster-enabled": "yes",
    "cluster-config-file": "nodes.conf",
    "cluster-node-timeout": String(Math.max(1, Math.round(opts.nodeTimeoutMs))),
    "cluster-announce-port": String(opts.port),
    "cluster-require-full-coverage": opts.requireFullCoverage ? "yes" : "no",
    "cluster-allow-replica-migration": "no",
    "cluster-replica-no-failover": "yes",
    "repl-diskless-sync-delay": "0",
  };
  if (net.isIP(opts.announceHost) !== 0) {
    params["cluster-announce-ip"] = opts.announceHost;
  } else {
    params["cluster-announce-hostname"] = opts.announceHost;
    params["cluster-preferred-endpoint-type"] = "hostname";
  }
  if (opts.busPort !== undefined) {
    params["cluster-port"] = String(opts.busPort);
    params["cluster-announce-bus-port"] = String(opts.busPort);
  }
  return params;
}

// ---------------------------------------------------------------------------------------
// Views

export interface ClusterNodeEntry {
  id: string;
  /** The address the node is known by on the bus (announced or seen). */
  ip: string;
  port: number;
  busPort: number;
  hostname?: string;
  flags: string[];
  myself: boolean;
  role: "master" | "replica";
  masterId?: string;
  configEpoch: number;
  connected: boolean;
  /** PFAIL or FAIL. */
  failing: boolean;
  /** In handshake, or without an address yet: not a full member in this view. */
  handshake: boolean;
  slots: SlotRange[];
}

/** CLUSTER NODES text -> entries. */
export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  const out: ClusterNodeEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.trim().split(" ");
    if (parts.length < 8) continue;
    const [id, addr, flagText, master, , , epoch, link, ...slotParts] = parts;
    const m = /^(.*):(\d+)@(\d+)(?:,(.*))?$/.exec(addr!);
    const flags = flagText!.split(",");
    const slots: SlotRange[] = [];
    for (const s of slotParts) {
      if (s.startsWith("[")) continue; // [slot->-id] migrating / [slot-<-id] importing
      const r = /^(\d+)(?:-(\d+))?$/.exec(s);
      if (r) slots.push([Number(r[1]), Number(r[2] ?? r[1])]);
    }
    out.push({
      id: id!,
      ip: m?.[1] ?? "",
      port: Number(m?.[2] ?? 0),
      busPort: Number(m?.[3] ?? 0),
      hostname: m?.[4] || undefined,
      flags,
      myself: flags.includes("myself"),
      role: flags.includes("slave") ? "replica" : "master",
      masterId: master === "-" ? undefined : master,
      configEpoch: Number(epoch),
      connected: link === "connected",
      failing: flags.includes("fail") || flags.includes("fail?"),
      handshake: flags.includes("handshake") || flags.includes("noaddr"),
      slots,
    });
  }
  return out;
}

export interface SlotNodeAddress {
  id: string;
  host: string;
  port: number;
}

/** One CLUSTER SLOTS entry. */
export interface SlotRangeView {
  from: number;
  to: number;
  primary: SlotNodeAddress;
  replicas: SlotNodeAddress[];
}

/** CLUSTER SLOTS reply -> ranges sorted by slot, replicas sorted by id. */
export function parseClusterSlots(reply: RespValue): SlotRangeView[] {
  if (!Array.isArray(reply)) return [];
  const addr = (v: RespValue): SlotNodeAddress => {
    const [host, port, id] = Array.isArray(v) ? v : [];
    return { host: asText(host ?? ""), port: Number(port ?? 0), id: asText(id ?? "") };
  };
  return reply
    .filter((e): e is RespValue[] => Array.isArray(e) && e.length >= 3)
    .map((e) => ({
      from: Number(e[0]),
      to: Number(e[1]),
      primary: addr(e[2]!),
      replicas: e.slice(3).map(addr).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    }))
    .sort((a, b) => a.from - b.from);
}

/** What one node thinks of the cluster. */
export interface ClusterView {
  node: AdminTarget;
  state: string;
  info: Record<string, string>;
  slots: SlotRangeView[];
  nodes: ClusterNodeEntry[];
  myself: ClusterNodeEntry;
}

async function readView(conn: AdminConnection): Promise<ClusterView> {
  const [info, slots, nodes] = await conn.send([["CLUSTER", "INFO"], ["CLUSTER", "SLOTS"], ["CLUSTER", "NODES"]]);
  const infoFields = parseInfo(asText(check(info!)));
  const entries = parseClusterNodes(asText(check(nodes!)));
  const myself = entries.find((e) => e.myself);
  if (!myself) throw new Error(`${describe(conn.target)}: CLUSTER NODES has no myself line (cluster mode off?)`);
  return { node: conn.target, state: infoFields.cluster_state ?? "", info: infoFields, slots: parseClusterSlots(check(slots!)), nodes: entries, myself };
}

/** One node's view of the cluster (CLUSTER INFO + SLOTS + NODES). */
export async function clusterView(node: AdminTarget): Promise<ClusterView> {
  return withConnections([node], ([c]) => readView(c!));
}

/** The layout as text, for comparing views: ranges, owners, replicas and their addresses. */
export function layoutKey(slots: SlotRangeView[]): string {
  const a = (n: SlotNodeAddress) => `${n.id}@${n.host}:${n.port}`;
  return slots.map((s) => `${s.from}-${s.to}=${a(s.primary)}[${s.replicas.map(a).join(",")}]`).join(";");
}

/** Slot -> "primaryId|replicaId,replicaId" ("" when unassigned). */
function ownership(slots: SlotRangeView[]): string[] {
  const out = new Array<string>(SLOT_COUNT).fill("");
  for (const s of slots) {
    const v = `${s.primary.id}|${s.replicas.map((r) => r.id).join(",")}`;
    for (let i = s.from; i <= s.to && i < SLOT_COUNT; i++) out[i] = v;
  }
  return out;
}

export interface ExpectedShard {
  primaryId: string;
  replicaIds: string[];
  slots: SlotRange[];
}

/** Undefined when the layout is exactly the expected shards (owners and replicas); else what differs. */
export function layoutMismatch(slots: SlotRangeView[], expected: ExpectedShard[]): string | undefined {
  const want = new Array<string>(SLOT_COUNT).fill("");
  for (const sh of expected) {
    const v = `${sh.primaryId}|${[...sh.replicaIds].sort().join(",")}`;
    for (const [a, b] of sh.slots) for (let i = a; i <= b; i++) want[i] = v;
  }
  const have = ownership(slots);
  for (let i = 0; i < SLOT_COUNT; i++) {
    if (have[i] !== want[i]) return `slot ${i}: have "${have[i]}", want "${want[i]}"`;
  }
  return undefined;
}

/**
 * The common condition: every view has cluster_state ok, all views show the same layout
 * (owners, replicas, announced addresses), no address is still unknown ("?" or ""),
 * and `expect` (if any) holds. Returns undefined when met, else the reason.
 */
export function disagreement(views: ClusterView[], expect?: (slots: SlotRangeView[]) => string | undefined): string | undefined {
  const first = views[0];
  if (!first) return "no node to ask";
  for (const v of views) {
    if (v.state !== "ok") return `${describe(v.node)}: cluster_state ${v.state}`;
  }
  const key = layoutKey(first.slots);
  for (const v of views) {
    if (layoutKey(v.slots) !== key) return `${describe(v.node)} and ${describe(first.node)} disagree on the slots`;
  }
  for (const s of first.slots) {
    for (const n of [s.primary, ...s.replicas]) {
      if (n.host === "" || n.host === "?" || n.port === 0) return `address of ${n.id} not known yet`;
    }
  }
  return expect?.(first.slots);
}

export interface WaitOptions {
  /** Default 30 s. */
  timeoutMs?: number;
  /** Default 5 ms. */
  pollMs?: number;
  /** Debug lines while waiting (what the cluster still disagrees on). */
  logger?: Logger;
}

/**
 * Polls the views of `conns` until `cond` returns undefined; `nudge` runs every
 * `nudgeEveryMs` while it does not. Throws with the last reason on timeout.
 */
async function waitViews(
  conns: AdminConnection[],
  cond: (views: ClusterView[]) => string | undefined,
  opts: WaitOptions & { what: string; nudge?: (views: ClusterView[]) => Promise<void>; nudgeEveryMs?: number },
): Promise<ClusterView[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const start = Date.now();
  let lastNudge = start;
  let reason = "";
  for (;;) {
    const views = await Promise.all(conns.map(readView));
    const r = cond(views);
    if (r === undefined) return views;
    if (r !== reason) opts.logger?.debug("waiting for the cluster", { what: opts.what, ms: Date.now() - start, reason: r });
    reason = r;
    const now = Date.now();
    if (now - start > timeoutMs) throw new Error(`${opts.what}: not done within ${timeoutMs} ms: ${reason}`);
    if (opts.nudge && now - lastNudge >= (opts.nudgeEveryMs ?? 500)) {
      lastNudge = now;
      await opts.nudge(views).catch(() => undefined);
    }
    await sleep(opts.pollMs ?? DEFAULT_POLL_MS);
  }
}

/** Waits until every node is ok and agrees on the layout (and `expect` holds); returns the layout. */
export async function waitClusterConsistent(
  nodes: AdminTarget[],
  opts: WaitOptions & { expect?: (slots: SlotRangeView[]) => string | undefined } = {},
): Promise<SlotRangeView[]> {
  return withConnections(nodes, async (conns) => {
    const views = await waitViews(conns, (v) => disagreement(v, opts.expect), {
      ...opts,
      what: "cluster agreement",
      nudge: (v) => publishOffsets(conns, v),
      nudgeEveryMs: ANNOUNCE_EVERY_MS,
    });
    return views[0]!.slots;
  });
}

/**
 * CLUSTER SLOTS lists a replica only once the viewer has seen a non-zero replication
 * offset from it, and offsets travel in the header of every cluster bus packet. A
 * replica's next ping can be seconds away; a PUBLISH is broadcast to every node at
 * once and carries the header. (It reaches pattern subscribers of this channel only.)
 */
async function publishOffsets(conns: AdminConnection[], views: ClusterView[]): Promise<void> {
  await Promise.all(
    views.map(async (v, i) => {
      if (v.myself.role === "replica") await conns[i]!.send([["PUBLISH", NUDGE_CHANNEL, ""]]).catch(() => undefined);
    }),
  );
}

const NUDGE_CHANNEL = "__elasticache-local__:topology";

/**
 * Undefined when no view holds a node in handshake: our re-MEETs leave short-lived
 * entries with random ids in CLUSTER NODES, gone at the next cluster cron tick.
 * (They also make the bus re-open a link or two, which shows as "disconnected" in
 * CLUSTER NODES for up to 100 ms; harmless, and not waited for.)
 */
export function unsettled(views: ClusterView[]): string | undefined {
  for (const v of views) {
    for (const e of v.nodes) {
      if (e.handshake) return `${describe(v.node)} still has a handshake with ${e.ip}:${e.port}`;
    }
  }
  return undefined;
}

/** Agreement first (with nudges), then the dust of the nudges settles (no nudging). */
async function waitAgreedAndSettled(
  conns: AdminConnection[],
  cond: (views: ClusterView[]) => string | undefined,
  opts: WaitOptions & { what: string; nudge?: (views: ClusterView[]) => Promise<void>; deadline: number },
): Promise<ClusterView[]> {
  const timeoutMs = () => Math.max(0, opts.deadline - Date.now());
  await waitViews(conns, cond, { ...opts, timeoutMs: timeoutMs(), nudgeEveryMs: ANNOUNCE_EVERY_MS });
  return waitViews(conns, (views) => cond(views) ?? unsettled(views), { pollMs: opts.pollMs, logger: opts.logger, what: opts.what, timeoutMs: timeoutMs() });
}

/** CLUSTER MYID. */
export async function clusterMyId(node: AdminTarget): Promise<string> {
  return asText(await admin(node, ["CLUSTER", "MYID"]));
}

/** CLUSTER NODES of one node, parsed. */
export async function clusterNodes(node: AdminTarget): Promise<ClusterNodeEntry[]> {
  return parseClusterNodes(asText(await admin(node, ["CLUSTER", "NODES"])));
}

/** The primaries that hold slots, as `node` sees them. */
export async function clusterSlotOwners(node: AdminTarget): Promise<SlotOwner[]> {
  return (await clusterNodes(node))
    .filter((n) => n.role === "master" && n.slots.length > 0 && !n.handshake)
    .map((n) => ({ id: n.id, slots: expandSlots(n.slots) }));
}

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
async function announceTo(conn: AdminConnection, views: ClusterView[]): Promise<void> {
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
    const prepared = await Promise.all(conns.map(prepare));
    const of = new Map(nodes.map((n, i) => [n, prepared[i]!]));
    for (const p of prepared) {
      if (p.knownNodes > 1 || p.slotsAssigned > 0) throw new Error(`${describe(p.conn.target)} is already part of a cluster`);
    }
    // Distinct config epochs up front: no epoch collisions to resolve later.
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
            const ready =
              v.state === "ok" &&
              v.myself.masterId === s.holder.id &&
              !!holder &&
              layoutOf(holder.slots) === layoutOf(s.slots);
            if (!ready) return;
            await s.primary.conn.call(["CLUSTER", "FAILOVER", "TAKEOVER"]);
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
    await announce(prepared, prepared);
    await waitAgreedAndSettled(conns, (views) => disagreement(views, (slots) => layoutMismatch(slots, expected)), {
      deadline,
      pollMs,
      logger: opts.logger,
      what: "cluster creation",
      nudge: async (views) => void (await Promise.all([announce(prepared, prepared), publishOffsets(conns, views)])),
    });
    mark("agreed");
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
    const prepared = await Promise.all(conns.map(prepare));
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
            await f.primary.conn.call(["CLUSTER", "FAILOVER", "TAKEOVER"]);
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
// Failover

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
