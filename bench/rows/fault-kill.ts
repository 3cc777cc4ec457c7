/**
 * Row 19: a `kill` fault through the emulator's API (`POST /_emulator/nodes/{cluster}/0001/faults`
 * `{"fault":"kill"}`) on the primary -> the PrimaryEndpoint accepts writes again (cluster mode
 * disabled, 1 primary + 2 replicas, AutomaticFailoverEnabled), as row 7 measures it: from the
 * request to the first `SET` answered `+OK` through the PrimaryEndpoint, one fresh raw
 * connection per attempt, retried every 1 ms. Baseline, in the same emulator and the same
 * run: row 7's way, `kill -9` of the primary's pid by the benchmark itself, from the SIGKILL.
 * The ratio is what injecting the fault through the API adds to the failover a user sees.
 */
import type { RowContext } from "../lib/context.js";
import { startEmulator } from "../lib/emulator.js";
import { sleep } from "../lib/procs.js";
import { createGroupUntilAvailable, deleteGroupQuietly } from "../lib/replication.js";
import { row, type RowResult } from "../lib/report.js";
import { info } from "../lib/resp.js";
import { median, round3 } from "../lib/stats.js";
import { setOnce } from "../lib/probes.js";
import { waitHealthy } from "./failover.js";

const PORTS = { emulator: { from: 25600, to: 25699 } };
const GROUP = "bench-fault";
const RETRY_MS = 1;

/** From `start` (a kill by either means) to the first write the PrimaryEndpoint accepts. */
async function untilWritable(endpoint: number, t0: number): Promise<{ ms: number; failed: number }> {
  const deadline = Date.now() + 30_000;
  let failed = 0;
  for (;;) {
    if ((await setOnce(endpoint, "bench:failover")) === "+OK") return { ms: performance.now() - t0, failed };
    failed++;
    if (Date.now() > deadline) throw new Error(`no write accepted through the PrimaryEndpoint 30 s after the kill (${failed} attempts)`);
    await sleep(RETRY_MS);
  }
}

export async function rowFaultKill(ctx: RowContext): Promise<RowResult[]> {
  const reps = ctx.quick ? 3 : 7;
  const harness = await startEmulator(PORTS.emulator, "process");
  const viaApi: number[] = [];
  const direct: number[] = [];
  const failedApi: number[] = [];

  const once = async (how: "api" | "direct", record: boolean) => {
    const h = await waitHealthy(harness.url, 60_000, GROUP);
    if ((await setOnce(h.endpoint, "bench:failover")) !== "+OK") throw new Error("the PrimaryEndpoint refuses a write before the kill");
    let t0: number;
    if (how === "api") {
      t0 = performance.now();
      const answer = await fetch(`${harness.url}/_emulator/nodes/${h.primaryCluster}/0001/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"fault":"kill"}' });
      if (answer.status !== 201) throw new Error(`kill fault refused: ${answer.status} ${await answer.text()}`);
    } else {
      const pid = Number((await info(h.primaryPort, "server")).process_id);
      t0 = performance.now();
      process.kill(pid, "SIGKILL");
    }
    const { ms, failed } = await untilWritable(h.endpoint, t0);
    const healed = await waitHealthy(harness.url, 60_000, GROUP);
    if (healed.primaryCluster === h.primaryCluster) throw new Error(`${h.primaryCluster} is primary again: no failover happened`);
    if (!record) return;
    if (how === "api") {
      viaApi.push(ms);
      failedApi.push(failed);
    } else direct.push(ms);
  };

  try {
    await createGroupUntilAvailable(harness.url, { ReplicationGroupId: GROUP, NumCacheClusters: 3, AutomaticFailoverEnabled: true });
    await once("api", false);
    await once("direct", false);
    for (let i = 0; i < reps; i++) {
      ctx.log(`row 19: repetition ${i + 1}/${reps}`);
      const order: Array<"api" | "direct"> = i % 2 === 0 ? ["api", "direct"] : ["direct", "api"];
      for (const how of order) await once(how, true);
    }
  } finally {
    await deleteGroupQuietly(harness.url, GROUP);
    await harness.stop();
  }
  return [
    row({
      id: "19",
      name: "kill fault (API) primary -> PrimaryEndpoint writes",
      unit: "ms",
      ours: median(viaApi),
      baseline: median(direct),
      baselineLabel: "kill -9 of the pid (row 7's way), same emulator",
      note:
        `median of ${reps} (1 warm-up each dropped), alternating; RG 1+2, automatic failover; SET on a fresh connection every ${RETRY_MS} ms through the PrimaryEndpoint; ` +
        `from the fault request (ours) or the SIGKILL (baseline); median ${median(failedApi)} failed attempts before the first +OK`,
      samples: { oursMs: viaApi.map(round3), baselineMs: direct.map(round3), failedAttempts: failedApi },
    }),
  ];
}
