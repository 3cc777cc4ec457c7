import { mkdirSync, writeFileSync } from "node:fs";
import { aclFileContents } from "../src/engines/redis-driver.js";
import { waitRedisPong } from "./lib/probes.js";
import { spawnTracked, stopTracked } from "./lib/procs.js";
import { median } from "./lib/stats.js";
mkdirSync("/tmp/benchdiag/w", { recursive: true });
writeFileSync("/tmp/benchdiag/w/users.acl", aclFileContents({ adminUser: "elasticache-local-admin", adminPassword: "x".repeat(48) }));
const variants: Record<string, string[]> = {
  plain: ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
  emu: ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp/benchdiag/w", "--daemonize", "no", "--protected-mode", "no", "--logfile", "", "--aclfile", "/tmp/benchdiag/w/users.acl", "--maxmemory", String(Math.floor(0.5 * 1024 ** 3))],
  noacl: ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp/benchdiag/w", "--maxmemory", String(Math.floor(0.5 * 1024 ** 3))],
};
const res: Record<string, number[]> = {};
let port = 21150;
for (let i = 0; i < 7; i++) for (const [k, a] of Object.entries(variants)) {
  const p0 = port++;
  const t0 = performance.now();
  const p = spawnTracked("/usr/bin/redis-server", ["--port", String(p0), ...a], { cwd: "/tmp/benchdiag" });
  await waitRedisPong(p0, { intervalMs: 1 });
  (res[k] ??= []).push(performance.now() - t0);
  await stopTracked(p);
}
for (const [k, v] of Object.entries(res)) console.log(k, median(v).toFixed(2), v.map((x) => x.toFixed(1)).join(" "));
