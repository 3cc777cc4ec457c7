/**
 * Saving a Redis/Valkey node's data before a restart that keeps it (a TLS in transit change,
 * a new IAM front). A primary's writes are paused first, so that no write the engine
 * acknowledged is missing from the save; the pause lasts until the engine stops (writes sent
 * meanwhile are never acknowledged: their clients see the connection close), or ends at once
 * when anything fails before the engine is stopped.
 *
 * Every call here that talks to the engine is bounded: each command by the admin command's
 * own deadline, the wait for the save by `saveWaitMs`. The save is a BGSAVE whose end is
 * polled, not a SAVE: a SAVE blocks the engine for its whole length (a cluster mode node then
 * misses its bus heartbeats) and can outlive the command's deadline while still running.
 */

/** Runs one command as the emulator's administrative user; throws the engine's error reply. */
export type AdminRun = (args: string[]) => Promise<unknown>;

export interface SaveBeforeRestartOptions {
  /** How long the save may take, including waiting for a fork already running (a replica's full sync). */
  saveWaitMs?: number;
  /** The pause between two polls of the save's progress. */
  pollMs?: number;
}

/** What pauseAndSave leaves running: the pause, to lift if the engine is not stopped after all. */
export interface PausedForRestart {
  /** Lifts the write pause (a no-op on a replica, which is never paused); never throws. */
  resume(): Promise<void>;
  /** A replica: the primary it follows (`host port`, as ROLE reports it), to start following again at once. */
  replicaOf?: string;
}

/** Longer than a save and a stop take: the pause ends with the engine. */
const WRITE_PAUSE_MS = 60_000;
const SAVE_WAIT_MS = 30_000;
const POLL_MS = 20;

/** The replies a BGSAVE gets while another fork (a replica's full sync, an AOF rewrite) runs. */
const FORK_BUSY = /in progress|child process is active/i;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Pauses a primary's writes (a replica is not paused: it takes no client writes, and a paused
 * replica stops reading its primary's stream), then saves the dataset to the node's RDB file.
 * Resolves once the RDB is written, with the pause still on; rejects, with the pause lifted,
 * when the save fails or does not end in time.
 */
export async function pauseAndSave(run: AdminRun, opts: SaveBeforeRestartOptions = {}): Promise<PausedForRestart> {
  const deadline = Date.now() + (opts.saveWaitMs ?? SAVE_WAIT_MS);
  const role = (await run(["ROLE"])) as unknown[];
  const primary = role[0] === "master";
  const resume = async () => {
    if (primary) await run(["CLIENT", "UNPAUSE"]).then(() => undefined, () => undefined);
  };
  let saved = false;
  try {
    // Inside the try: a pause whose reply was lost (the command's deadline) is lifted too.
    if (primary) await run(["CLIENT", "PAUSE", String(WRITE_PAUSE_MS), "WRITE"]);
    await backgroundSave(run, deadline, opts.pollMs ?? POLL_MS);
    saved = true;
  } finally {
    if (!saved) await resume();
  }
  const [, host, port] = role;
  return primary || role[0] !== "slave" ? { resume } : { resume, replicaOf: `${String(host)} ${String(port)}` };
}

/** BGSAVE (retried while another fork runs), then polls INFO persistence until it ended; throws unless it succeeded. */
async function backgroundSave(run: AdminRun, deadline: number, pollMs: number): Promise<void> {
  for (;;) {
    try {
      await run(["BGSAVE"]);
      break;
    } catch (error) {
      if (!FORK_BUSY.test(String(error)) || Date.now() > deadline) throw error;
      await delay(pollMs);
    }
  }
  // The BGSAVE was accepted, so the fork that runs now is ours: its end is the next time no save is in progress.
  for (;;) {
    const info = parseInfo(String(await run(["INFO", "persistence"])));
    if (info.rdb_bgsave_in_progress === "0") {
      if (info.rdb_last_bgsave_status !== "ok") throw new Error(`the engine could not save its data before the restart (rdb_last_bgsave_status:${info.rdb_last_bgsave_status})`);
      return;
    }
    if (Date.now() > deadline) throw new Error("the engine's save before the restart did not end in time");
    await delay(pollMs);
  }
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}
