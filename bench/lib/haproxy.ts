/**
 * haproxy in `mode tcp` as a baseline for the emulator's forwarders: a config in a temp
 * directory, `haproxy -db -f cfg` in the foreground, started and stopped by pid.
 *
 * One thread (`nbthread 1`): the emulator's forwarders run on Node's single event loop,
 * and on a 2-core machine a multi-threaded haproxy would mostly compete with the client.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitRedisPong } from "./probes.js";
import { spawnTracked, stopTracked, type Tracked } from "./procs.js";

export const HAPROXY = process.env.BENCH_HAPROXY ?? "/usr/sbin/haproxy";

export interface HaproxyListener {
  name: string;
  port: number;
  /** Ports on 127.0.0.1; more than one are balanced round-robin per connection. */
  targets: number[];
}

export interface Haproxy {
  proc: Tracked;
  stop(): Promise<void>;
}

export function haproxyConfig(listeners: HaproxyListener[]): string {
  const lines = [
    "global",
    "  nbthread 1",
    // maxconn sizes the fd limit haproxy asks for; the default asks for more than a container grants.
    "  maxconn 4000",
    "defaults",
    "  mode tcp",
    "  timeout connect 5s",
    "  timeout client 5m",
    "  timeout server 5m",
  ];
  for (const l of listeners) {
    lines.push(`listen ${l.name}`, `  bind 127.0.0.1:${l.port}`, "  balance roundrobin");
    l.targets.forEach((t, i) => lines.push(`  server s${i + 1} 127.0.0.1:${t}`));
  }
  return lines.join("\n") + "\n";
}

/** Starts haproxy and waits until every listener passes a PING through to a Redis target. */
export async function startHaproxy(listeners: HaproxyListener[]): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), "elasticache-local-bench-haproxy-"));
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(cfg, haproxyConfig(listeners));
  const proc = spawnTracked(HAPROXY, ["-db", "-f", cfg], { cwd: dir });
  const stop = async () => {
    await stopTracked(proc, 3000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(listeners.map((l) => waitRedisPong(l.port, { intervalMs: 5, timeoutMs: 10_000 })));
  } catch (error) {
    await stop();
    throw new Error(`haproxy did not come up: ${(error as Error).message}\n${proc.output.join("\n")}`);
  }
  return { proc, stop };
}
