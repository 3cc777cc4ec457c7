/** The network fault routes and what tests read around them: round trips, and which process owns a port. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type Redis from "ioredis";
import type { Emulator } from "../../src/index.js";

const run = promisify(execFile);

export async function emulatorCall(emulator: Emulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${emulator.url}/_emulator/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

export const nodeFault = (emulator: Emulator, cluster: string, node: string, body: unknown) => emulatorCall(emulator, "POST", `nodes/${cluster}/${node}/faults`, body);
export const cacheFault = (emulator: Emulator, id: string, body: unknown) => emulatorCall(emulator, "POST", `caches/${id}/faults`, body);
export const listFaults = async (emulator: Emulator): Promise<any[]> => (await emulatorCall(emulator, "GET", "faults")).json.faults;
export const clearFault = (emulator: Emulator, id: string) => emulatorCall(emulator, "DELETE", `faults/${id}`);

/** The pid of the process listening on a TCP port (ss -ltnp), undefined when nothing does. */
export async function portOwner(port: number): Promise<number | undefined> {
  const { stdout } = await run("ss", ["-Hltnp", `sport = :${port}`]);
  const pid = /pid=(\d+)/.exec(stdout)?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/** The round trip of each of `n` PINGs, one after the other, in ms. */
export async function pingTimes(redis: Redis, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await redis.ping();
    out.push(performance.now() - t0);
  }
  return out;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The engine's own pid, as it reports itself. */
export async function enginePid(redis: Redis): Promise<number> {
  return Number(/process_id:(\d+)/.exec(await redis.info("server"))![1]);
}
