/**
 * Row 7: kill -9 of the primary's engine -> the PrimaryEndpoint accepts writes again
 * (cluster mode disabled, 1 primary + 2 replicas, AutomaticFailoverEnabled). From the
 * SIGKILL to the first `SET` answered `+OK` through the PrimaryEndpoint, one fresh raw
 * connection per attempt, retried every 1 ms. Baseline, for scale: a bare redis-server
 * killed with SIGKILL and spawned again on its port, from the SIGKILL to its first PONG.
 *
 * The group heals itself between repetitions: the dead member comes back as a replica of
 * the new primary; the next repetition waits for that (and times it, as information).
 */
import { PORTS, type RowContext } from "../lib/context.js";
import { startEmulator } from "../lib/emulator.js";
import { spawnBareRedis } from "../lib/engines.js";
import { setOnce, waitRedisPong } from "../lib/probes.js";
import { alive, descendantsOf, freePort, sleep, stopTracked, type Tracked } from "../lib/procs.js";
import { createGroupUntilAvailable, deleteGroupQuietly, describeGroup, type GroupView } from "../lib/replication.js";
import { row, type RowResult } from "../lib/report.js";
import { info } from "../lib/resp.js";
import { median, round3 } from "../lib/stats.js";

const GOAL_MS = 2000;
const RETRY_MS = 1;
const GROUP = "bench-fo";


export interface Healthy {
  group: GroupView;
  primaryPort: number;
  primaryCluster: string;
  endpoint: number;
}

/**
 * The group is whole again: available, one primary and two replicas that each have a
 * ReadEndpoint and report a live link to the primary, and the primary sees both.
 */
export async function waitHealthy(url: string, timeoutMs = 60_000, group = GROUP): Promise<Healthy> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const g = await describeGroup(url, group);
    const ng = g?.nodeGroups[0];
    try {
      if (!g || !ng) throw new Error("group not found");
      if (g.status !== "available") throw new Error(`status ${g.status}`);
      if (ng.primaryPort === undefined) throw new Error("no PrimaryEndpoint");
      const primaries = ng.members.filter((m) => m.role === "primary");
      const replicas = ng.members.filter((m) => m.role === "replica");
      if (primaries.length !== 1 || replicas.length !== 2) throw new Error(`roles ${ng.members.map((m) => m.role).join(",")}`);
      const primary = primaries[0]!;
      if (primary.port === undefined || replicas.some((r) => r.port === undefined)) throw new Error("a member without ReadEndpoint");
      const p = await info(primary.port, "replication");
      if (p.role !== "master" || Number(p.connected_slaves) !== 2) throw new Error(`primary: role ${p.role}, ${p.connected_slaves} replicas`);
      for (const r of replicas) {
        const ri = await info(r.port!, "replication");
        if (ri.role !== "slave" || ri.master_link_status !== "up" || Number(ri.master_port) !== primary.port) {
          throw new Error(`${r.clusterId}: role ${ri.role}, link ${ri.master_link_status}, master port ${ri.master_port}`);
        }
      }
      return { group: g, primaryPort: primary.port, primaryCluster: primary.clusterId, endpoint: ng.primaryPort };
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`${group} did not heal within ${timeoutMs} ms (${last})`);
    await sleep(10);
  }
}

export async function rowFailover(ctx: RowContext): Promise<RowResult[]> {
  const reps = ctx.quick ? 3 : 7;
  const harness = await startEmulator(PORTS.failover.emulator, "process");
  const ours: number[] = [];
  const attempts: Array<Record<string, number>> = [];
  const healMs: number[] = [];
  const bare: number[] = [];
  const bareProcs: Tracked[] = [];
  const emulatorPid = harness.process?.pid ?? process.pid;

  const runOurs = async (record: boolean) => {
    const h = await waitHealthy(harness.url);
    const pid = Number((await info(h.primaryPort, "server")).process_id);
    // The pid a node reports must be an engine our emulator started, nothing else.
    if (!Number.isInteger(pid) || !descendantsOf(emulatorPid).includes(pid)) {
      throw new Error(`primary ${h.primaryCluster} reports process_id ${pid}, which is not a process of our emulator (${emulatorPid})`);
    }
    const before = await setOnce(h.endpoint, "bench:failover");
    if (before !== "+OK") throw new Error(`PrimaryEndpoint refuses a write before the kill: ${before}`);
    const seen: Record<string, number> = {};
    const t0 = performance.now();
    process.kill(pid, "SIGKILL");
    const deadline = Date.now() + 30_000;
    for (;;) {
      const outcome = await setOnce(h.endpoint, "bench:failover");
      seen[outcome] = (seen[outcome] ?? 0) + 1;
      if (outcome === "+OK") break;
      if (Date.now() > deadline) throw new Error(`no write accepted through the PrimaryEndpoint 30 s after the kill (${JSON.stringify(seen)})`);
      await sleep(RETRY_MS);
    }
    const ms = performance.now() - t0;
    if (alive(pid)) throw new Error(`engine ${pid} survived SIGKILL`);
    const healed = await waitHealthy(harness.url);
    const heal = performance.now() - t0;
    if (healed.primaryCluster === h.primaryCluster) throw new Error(`${h.primaryCluster} is primary again: no failover happened`);
    if (record) {
      ours.push(ms);
      attempts.push(seen);
      healMs.push(heal);
    }
  };

  const runBare = async (record: boolean) => {
    const port = await freePort(PORTS.failover.bare);
    const first = spawnBareRedis(port);
    bareProcs.push(first);
    await waitRedisPong(port, { intervalMs: 1 });
    const t0 = performance.now();
    first.child.kill("SIGKILL");
    await first.exited; // the port is free once the process is gone
    const second = spawnBareRedis(port);
    bareProcs.push(second);
    try {
      await waitRedisPong(port, { intervalMs: 1 });
      if (record) bare.push(performance.now() - t0);
    } finally {
      await stopTracked(second);
    }
  };

  try {
    await createGroupUntilAvailable(harness.url, { ReplicationGroupId: GROUP, NumCacheClusters: 3, AutomaticFailoverEnabled: true });
    await runOurs(false);
    await runBare(false);
    for (let i = 0; i < reps; i++) {
      ctx.log(`row 7: repetition ${i + 1}/${reps}`);
      if (i % 2 === 0) {
        await runOurs(true);
        await runBare(true);
      } else {
        await runBare(true);
        await runOurs(true);
      }
    }
  } finally {
    await Promise.all(bareProcs.map((p) => stopTracked(p)));
    await deleteGroupQuietly(harness.url, GROUP);
    await harness.stop();
  }
  const refused = attempts.map((a) => Object.entries(a).reduce((n, [k, v]) => (k === "+OK" ? n : n + v), 0));
  const outcomes: Record<string, number> = {};
  for (const a of attempts) for (const [k, v] of Object.entries(a)) if (k !== "+OK") outcomes[k] = (outcomes[k] ?? 0) + v;
  return [
    row({
      id: "7",
      name: "kill -9 primary -> PrimaryEndpoint writes",
      unit: "ms",
      ours: median(ours),
      baseline: median(bare),
      baselineLabel: "bare kill -9 + respawn+PING",
      goal: { on: "ours", op: "<", value: GOAL_MS },
      note:
        `median of ${reps} (1 warm-up dropped); RG 1+2, automatic failover; SET on a fresh connection every ${RETRY_MS} ms through the PrimaryEndpoint; ` +
        `goal: absolute ${GOAL_MS} ms; median ${median(refused)} failed attempts before the first +OK (${Object.entries(outcomes)
          .map(([k, v]) => `${k} x${v}`)
          .join(", ")}); ` +
        `healed (dead member back as a synced replica) median ${median(healMs).toFixed(0)} ms after the kill`,
      samples: { oursMs: ours.map(round3), baselineMs: bare.map(round3), failedAttempts: attempts, healMs: healMs.map(round3) },
    }),
  ];
}
