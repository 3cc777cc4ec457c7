import { mkdirSync, writeFileSync } from "node:fs";
import { aclFileContents } from "../src/engines/redis-driver.js";
import { waitRedisPong } from "./lib/probes.js";
import { runCommand, spawnTracked, stopTracked, type Tracked } from "./lib/procs.js";
import { parseCsv } from "./rows/redis-benchmark.js";
import { median } from "./lib/stats.js";
mkdirSync("/tmp/benchdiag/w", { recursive: true });
writeFileSync("/tmp/benchdiag/w/users.acl", aclFileContents({ adminUser: "elasticache-local-admin", adminPassword: "x".repeat(48) }));
writeFileSync("/tmp/benchdiag/w/open.acl", "user default on nopass ~* &* +@all\n");
const base = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", "/tmp/benchdiag/w"];
const variants: Record<string, string[]> = {
  plain: base,
  acl: [...base, "--aclfile", "/tmp/benchdiag/w/users.acl"],
  openacl: [...base, "--aclfile", "/tmp/benchdiag/w/open.acl"],
  maxmem: [...base, "--maxmemory", String(Math.floor(0.5 * 1024 ** 3))],
};
const procs: Record<string, [Tracked, number]> = {};
let port = 21850;
try {
  for (const [k, a] of Object.entries(variants)) { const p = port++; procs[k] = [spawnTracked("/usr/bin/redis-server", ["--port", String(p), ...a], { cwd: "/tmp/benchdiag" }), p]; await waitRedisPong(p); }
  const res: Record<string, { SET: number[]; GET: number[] }> = {};
  const names = Object.keys(variants);
  for (let r = 0; r < 4; r++) for (let i = 0; i < names.length; i++) {
    const k = names[(i + r) % names.length]!;
    const out = await runCommand("/usr/bin/redis-benchmark", ["-h", "127.0.0.1", "-p", String(procs[k]![1]), "-t", "set,get", "-n", "100000", "-c", "50", "-q", "--csv"]);
    const x = parseCsv(out.stdout);
    (res[k] ??= { SET: [], GET: [] }).SET.push(x.SET); res[k]!.GET.push(x.GET);
  }
  for (const [k, v] of Object.entries(res)) console.log(k.padEnd(8), "SET", median(v.SET).toFixed(0), "GET", median(v.GET).toFixed(0), JSON.stringify(v));
} finally { for (const [p] of Object.values(procs)) await stopTracked(p); }
