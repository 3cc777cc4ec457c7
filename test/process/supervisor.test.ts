/** The supervisor: output lines kept, unexpected exits reported, SIGKILL after the grace period. */
import { describe, expect, it } from "vitest";
import { createLogger, silentLogger } from "../../src/logger.js";
import { spawnSupervised } from "../../src/process/supervisor.js";
import { ReadyTimeoutError, waitReady } from "../../src/engines/probes.js";
import { processGone } from "../helpers/engine-nodes.js";

describe("supervisor", () => {
  it("reports an unexpected exit with the last output lines, and logs them at debug", async () => {
    const logged: string[] = [];
    const proc = spawnSupervised({
      command: "sh",
      args: ["-c", "echo one; echo two >&2; exit 3"],
      logger: createLogger("debug", (l) => logged.push(l)),
    });
    const exit = await new Promise<{ code: number | null; lines: string[] }>((resolve) => proc.onExit((info, lines) => resolve({ code: info.code, lines })));
    expect(exit.code).toBe(3);
    expect(exit.lines.sort()).toEqual(["one", "two"]);
    expect(logged.some((l) => l.includes("DEBUG one"))).toBe(true);
  });

  it("keeps only the last lines", async () => {
    const proc = spawnSupervised({ command: "sh", args: ["-c", "for i in $(seq 1 80); do echo line$i; done"], logger: silentLogger, keepLines: 50 });
    await proc.exited;
    const lines = proc.lastLines();
    expect(lines).toHaveLength(50);
    expect(lines.at(-1)).toBe("line80");
  });

  it("SIGTERMs, then SIGKILLs a process that ignores SIGTERM", async () => {
    const proc = spawnSupervised({ command: "sh", args: ["-c", 'trap "" TERM; echo armed; exec sleep 30'], logger: silentLogger });
    let unexpected = false;
    proc.onExit(() => (unexpected = true));
    await new Promise<void>((resolve) => proc.onLine((l) => l === "armed" && resolve()));
    const info = await proc.stop({ graceMs: 200 });
    expect(info.signal).toBe("SIGKILL");
    expect(processGone(proc.pid!)).toBe(true);
    expect(unexpected).toBe(false);
  });

  it("reports a binary that cannot be started", async () => {
    const proc = spawnSupervised({ command: "/nonexistent/redis-server", args: [], logger: silentLogger });
    const info = await proc.exited;
    expect(info.spawnError).toBeInstanceOf(Error);
    expect(proc.running).toBe(false);
  });
});

describe("waitReady", () => {
  it("polls until the probe answers", async () => {
    let calls = 0;
    await waitReady(async () => ++calls >= 3, { timeoutMs: 1000 });
    expect(calls).toBe(3);
  });

  it("gives up at the deadline", async () => {
    await expect(waitReady(async () => false, { timeoutMs: 50 })).rejects.toBeInstanceOf(ReadyTimeoutError);
  });

  it("stops waiting when aborted", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("process exited")), 20);
    await expect(waitReady(async () => false, { timeoutMs: 5000, signal: ac.signal })).rejects.toThrow("process exited");
  });
});
