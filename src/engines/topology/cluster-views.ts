/**
 * What the nodes of a Redis Cluster think of it, and waiting until they agree: CLUSTER
 * NODES / SLOTS / INFO parsed into views, the conditions compared across views
 * (disagreement, layoutMismatch), and the polling loops the other cluster modules wait
 * with.
 *
 * Everything polls over persistent admin connections every few milliseconds, and nudges
 * the cluster while it waits, because left alone Redis spreads news slowly: a node reads
 * a peer's slots and role only from its bus packets, and CLUSTER SLOTS lists a replica
 * only once the viewer saw a non-zero replication offset from it (see publishOffsets and
 * cluster-membership.ts).
 */
import type { Logger } from "../../logger.js";
import { AdminConnection, admin, asText, check, describe, parseInfo, sleep, withConnections, type AdminTarget } from "./admin.js";
import { SLOT_COUNT, expandSlots, type SlotOwner, type SlotRange } from "./slots.js";
import type { RespValue } from "../resp.js";

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_POLL_MS = 5;
/** How often to re-announce nodes while waiting (a cluster cron tick is 100 ms). */
export const ANNOUNCE_EVERY_MS = 50;

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

export async function readView(conn: AdminConnection): Promise<ClusterView> {
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

/** One range as text: its slots, owner and replicas with their addresses. */
function rangeKey(s: SlotRangeView): string {
  const a = (n: SlotNodeAddress) => `${n.id}@${n.host}:${n.port}`;
  return `${s.from}-${s.to}=${a(s.primary)}[${s.replicas.map(a).join(",")}]`;
}

/** The layout as text, for comparing views: ranges, owners, replicas and their addresses. */
export function layoutKey(slots: SlotRangeView[]): string {
  return slots.map(rangeKey).join(";");
}

/**
 * The first range two views list differently ("none" where one lists fewer), then how each
 * view's CLUSTER NODES holds the nodes named in only one of the two (flags, link, epoch):
 * a replica that one view leaves out of CLUSTER SLOTS is failing there, or without an offset.
 */
function firstDifference(a: ClusterView, b: ClusterView): string {
  for (let i = 0; i < Math.max(a.slots.length, b.slots.length); i++) {
    const [x, y] = [a.slots[i], b.slots[i]];
    const [xKey, yKey] = [x ? rangeKey(x) : "none", y ? rangeKey(y) : "none"];
    if (xKey === yKey) continue;
    const ids = (r: SlotRangeView | undefined) => (r ? [r.primary, ...r.replicas].map((n) => n.id) : []);
    const [xIds, yIds] = [ids(x), ids(y)];
    const odd = [...xIds.filter((id) => !yIds.includes(id)), ...yIds.filter((id) => !xIds.includes(id))];
    const held = (v: ClusterView, id: string) => {
      const e = v.nodes.find((n) => n.id === id);
      return e ? `${e.flags.join(",")} ${e.connected ? "connected" : "disconnected"} epoch ${e.configEpoch}` : "unknown";
    };
    const detail = odd.map((id) => `${id}: ${held(a, id)} / ${held(b, id)}`).join("; ");
    return `${xKey} vs ${yKey}${detail ? ` (${detail})` : ""}`;
  }
  return "";
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
    if (layoutKey(v.slots) !== key) {
      return `${describe(v.node)} and ${describe(first.node)} disagree on the slots: ${firstDifference(v, first)}`;
    }
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
export async function publishOffsets(conns: AdminConnection[], views: ClusterView[]): Promise<void> {
  await Promise.all(
    views.map(async (v, i) => {
      if (v.myself.role === "replica") await conns[i]!.send([["PUBLISH", NUDGE_CHANNEL, ""]]).catch(() => undefined);
    }),
  );
}

const NUDGE_CHANNEL = "__elasticache-local__:topology";

/**
 * Undefined when the dust of our re-MEETs has settled: no view holds a node in handshake,
 * and every node's bus link to every other live node (one with a view) is up.
 *
 * A re-MEET leaves a short-lived entry with a random id in CLUSTER NODES, gone at the next
 * cluster cron tick. It also re-opens links: the node that is met takes the new
 * connection as the sender's inbound link and closes the old one, so the sender's own
 * link to it breaks and shows "disconnected" until a later cron tick reconnects it (100 ms
 * apart, longer on a busy machine). Those links are not harmless. A node without a link to
 * a peer sends it nothing: a replica without a link to its primary refuses CLUSTER
 * FAILOVER ("Master is down or failed, please use CLUSTER FAILOVER FORCE"), and a
 * replica's election reaches only the primaries it has links to (FAILOVER_AUTH_REQUEST
 * is broadcast over established links and not sent again before the manual failover
 * gives up after 5 s), so a planned failover would never win its majority.
 */
export function unsettled(views: ClusterView[]): string | undefined {
  const live = new Set(views.map((v) => v.myself.id));
  for (const v of views) {
    for (const e of v.nodes) {
      if (e.handshake) return `${describe(v.node)} still has a handshake with ${e.ip}:${e.port}`;
      if (!e.myself && !e.connected && live.has(e.id)) return `${describe(v.node)} has no bus link to ${e.id} yet`;
    }
  }
  return undefined;
}

/** Agreement first (with nudges), then the dust of the nudges settles (no nudging). */
export async function waitAgreedAndSettled(
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
