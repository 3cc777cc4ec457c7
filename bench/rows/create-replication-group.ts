/**
 * Row 6: CreateReplicationGroup -> the first DescribeReplicationGroups that says
 * `available` (raw HTTP, polled every 1 ms), for
 *   6a cluster mode disabled, 1 primary + 2 replicas (NumCacheClusters=3), and
 *   6b cluster mode enabled, 3 shards x 1 replica (NumNodeGroups=3, ReplicasPerNodeGroup=1),
 * vs spawning the same number of bare redis-server processes in parallel until each answers
 * PING. The four runs rotate within each repetition; groups are deleted (and gone) between.
 * A part that fails (cluster mode enabled while it is being finished) becomes an error row
 * and the other part still runs.
 */
import { PORTS, type RowContext } from "../lib/context.js";
import { startEmulator } from "../lib/emulator.js";
import { spawnBareRedis } from "../lib/engines.js";
import { probeOnce, waitRedisPong } from "../lib/probes.js";
import { freePort, stopTracked, type Tracked } from "../lib/procs.js";
import { createGroupUntilAvailable, deleteGroupAndWaitGone, deleteGroupQuietly, memberPorts, type GroupView } from "../lib/replication.js";
import { failedRow, row, type RowResult } from "../lib/report.js";
import { clusterSlots, redisOnce } from "../lib/resp.js";
import { median, round3 } from "../lib/stats.js";

const POLL_MS = 1;
const CLUSTER_GOAL_MS = 1500;

interface Part {
  id: string;
  name: string;
  nodes: number;
  params: (id: string) => Record<string, string | number | boolean>;
  check: (g: GroupView) => Promise<void>;
  prefix: string;
  ours: number[];
  bare: number[];
  error?: unknown;
}

const pong = async (port: number, what: string) => {
  if (!(await probeOnce(port, "PING\r\n", /^\+PONG\r\n/))) throw new Error(`${what} (port ${port}) does not answer PING`);
};

/** Outside the timing: the endpoints the API handed out really serve. */
async function checkDisabled(g: GroupView): Promise<void> {
  const ng = g.nodeGroups[0];
  if (!ng || ng.primaryPort === undefined || ng.readerPort === undefined) throw new Error(`${g.id} is available without primary/reader endpoints`);
  if (ng.members.length !== 3) throw new Error(`${g.id} has ${ng.members.length} members, expected 3`);
  await pong(ng.primaryPort, "PrimaryEndpoint");
  await pong(ng.readerPort, "ReaderEndpoint");
  for (const port of memberPorts(g)) await pong(port, "member ReadEndpoint");
  const role = String(await redisOnce(ng.primaryPort, ["ROLE"]).then((r) => (r as unknown[])[0]));
  if (role !== "master") throw new Error(`PrimaryEndpoint of ${g.id} reaches a ${role}`);
}

async function checkEnabled(g: GroupView): Promise<void> {
  if (g.configurationPort === undefined) throw new Error(`${g.id} is available without a ConfigurationEndpoint`);
  if (g.nodeGroups.length !== 3) throw new Error(`${g.id} has ${g.nodeGroups.length} node groups, expected 3`);
  const info = String(await redisOnce(g.configurationPort, ["CLUSTER", "INFO"]));
  if (!/cluster_state:ok/.test(info)) throw new Error(`${g.id} is available but CLUSTER INFO says: ${info.split("\n")[0]}`);
  const slots = await clusterSlots(g.configurationPort);
  const covered = slots.reduce((n, s) => n + s.to - s.from + 1, 0);
  const masters = new Set(slots.map((s) => s.port)).size;
  if (covered !== 16384 || masters !== 3 || slots.some((s) => s.replicas.length !== 1)) {
    throw new Error(`${g.id}: CLUSTER SLOTS covers ${covered} slots over ${masters} primaries (${JSON.stringify(slots.map((s) => [s.from, s.to, s.port, s.replicas.length]))})`);
  }
}

export async function rowCreateReplicationGroup(ctx: RowContext): Promise<RowResult[]> {
  const reps = ctx.quick ? 3 : 7;
  const nodePorts = PORTS.rgCreate.emulator;
  const harness = await startEmulator(nodePorts, "process");
  const parts: Part[] = [
    {
      id: "6a",
      name: "create->available, RG 1 primary + 2 replicas",
      nodes: 3,
      prefix: "bench-rg",
      params: (id) => ({ ReplicationGroupId: id, NumCacheClusters: 3, AutomaticFailoverEnabled: true }),
      check: checkDisabled,
      ours: [],
      bare: [],
    },
    {
      id: "6b",
      name: "create->available, RG cluster mode 3x(1+1)",
      nodes: 6,
      prefix: "bench-cm",
      params: (id) => ({ ReplicationGroupId: id, NumNodeGroups: 3, ReplicasPerNodeGroup: 1 }),
      check: checkEnabled,
      ours: [],
      bare: [],
    },
  ];
  let n = 0;
  const runOurs = async (part: Part): Promise<number> => {
    const id = `${part.prefix}-${n++}`;
    try {
      const { ms, group } = await createGroupUntilAvailable(harness.url, part.params(id), POLL_MS);
      await part.check(group);
      await deleteGroupAndWaitGone(harness.url, id);
      return ms;
    } catch (error) {
      await deleteGroupQuietly(harness.url, id);
      throw error;
    }
  };
  const runBare = async (count: number): Promise<number> => {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort(PORTS.rgCreate.bare));
    const procs: Tracked[] = [];
    const t0 = performance.now();
    try {
      for (const port of ports) procs.push(spawnBareRedis(port));
      await Promise.all(ports.map((port) => waitRedisPong(port, { intervalMs: 1 })));
      return performance.now() - t0;
    } finally {
      await Promise.all(procs.map((p) => stopTracked(p)));
    }
  };
  const live = () => parts.filter((p) => p.error === undefined);
  const attempt = async (part: Part, what: "ours" | "bare", record: boolean) => {
    if (part.error !== undefined) return;
    try {
      const ms = what === "ours" ? await runOurs(part) : await runBare(part.nodes);
      if (record) part[what].push(ms);
    } catch (error) {
      if (what === "bare") throw error; // the baseline failing is the harness's problem: fail the row
      ctx.log(`row 6: ${part.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      part.error = error;
    }
  };
  try {
    // Warm-up (not recorded): first spawns, JIT, first create of each kind.
    for (const part of parts) {
      await attempt(part, "ours", false);
      await attempt(part, "bare", false);
    }
    for (let i = 0; i < reps && live().length; i++) {
      ctx.log(`row 6: repetition ${i + 1}/${reps}`);
      const runs = live().flatMap((p) => [() => attempt(p, "ours", true), () => attempt(p, "bare", true)]);
      // Rotate the order so no run always goes first or right after the heaviest one.
      for (let k = 0; k < runs.length; k++) await runs[(k + i) % runs.length]!();
    }
  } finally {
    await harness.stop();
  }
  return parts.map((part) => {
    if (part.error !== undefined) return failedRow(part.id, part.name, part.error);
    const paired = part.ours.map((x, i) => x / part.bare[i]!);
    const enabled = part.id === "6b";
    return row({
      id: part.id,
      name: part.name,
      unit: "ms",
      ours: median(part.ours),
      baseline: median(part.bare),
      baselineLabel: `${part.nodes} bare spawns+PING`,
      goal: enabled ? { on: "ours", op: "<", value: CLUSTER_GOAL_MS } : undefined,
      note:
        `median of ${part.ours.length} (1 warm-up dropped; median of paired ratios ${median(paired).toFixed(3)}), raw HTTP create + DescribeReplicationGroups every ${POLL_MS} ms; ` +
        (enabled
          ? `goal: absolute ${CLUSTER_GOAL_MS} ms; ours also forms the Redis Cluster (MEET, slots, replicas) and opens the configuration endpoint, the baseline only spawns plain servers`
          : "ours also attaches and syncs both replicas and opens the primary/reader forwarders") +
        "; group deleted (and gone) between runs",
      samples: { oursMs: part.ours.map(round3), baselineMs: part.bare.map(round3), pairedRatios: paired.map(round3) },
    });
  });
}
