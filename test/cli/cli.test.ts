/**
 * The `elasticache-local` command as a user runs it (node dist/cli.js): start-up banner,
 * options and their environment variables, the /_emulator endpoints, shutdown on
 * SIGTERM/SIGINT/SIGHUP, engines that end with a CLI that was SIGKILLed, reaping what an older
 * run left behind; and the library API.
 * Node ports 30000-30499 belong to this file (below the kernel's ephemeral ports, so a probe
 * of a closed port can never connect to itself, and clear of the other test files' ranges).
 */
import {
  CreateCacheClusterCommand,
  DescribeCacheClustersCommand,
  DescribeCacheSubnetGroupsCommand,
  ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEmulator } from "../../src/index.js";
import {
  childPids,
  commandLine,
  ensureBuilt,
  isRunning,
  killAllRuns,
  killCli,
  killPids,
  repoRoot,
  runNode,
  runToExit,
  startCli,
  waitForOutput,
  waitUntilAllGone,
  type CliRun,
  type StartedCli,
} from "../helpers/cli.js";
import { portIsClosed } from "../helpers/ports.js";
import { eventually, waitForCluster } from "../helpers/wait.js";

const NODE_PORTS = "30000-30299";
const ENGINE = /(^|\/)(redis-server|valkey-server|memcached)( |$)/;

const OPTIONS = [
  "port",
  "host",
  "advertised-host",
  "node-host",
  "node-ports",
  "data-dir",
  "engine",
  "redis-server",
  "valkey-server",
  "memcached",
  "forwarder",
  "haproxy",
  "allow-restricted-commands",
  "log-level",
  "region",
  "account-id",
  "create-delay-ms",
  "modify-delay-ms",
  "delete-delay-ms",
  "reboot-delay-ms",
];

let dataDir: string;

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);
// A data dir of its own per test: the state a data dir keeps would carry clusters from test to test.
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "elasticache-local-cli-test-"));
});
afterEach(async () => {
  await killAllRuns();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function client(url: string, accessKeyId = "test"): ElastiCacheClient {
  return new ElastiCacheClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId, secretAccessKey: "test" }, maxAttempts: 1 });
}

/** Engine processes the CLI spawned (its children whose command line names an engine binary). */
function enginePidsOf(cliPid: number): number[] {
  return childPids(cliPid).filter((pid) => ENGINE.test(commandLine(pid) ?? ""));
}

/** SIGKILLs engine pids left behind by a test, but only while they still are engines (never a reused pid). */
async function killLeftoverEngines(pids: number[]): Promise<void> {
  await killPids(pids.filter((pid) => ENGINE.test(commandLine(pid) ?? "")));
}

/** Starts a CLI on a free API port with the test data dir, so its pid records stay inside the test. */
function startTestCli(extra: string[] = [], env: Record<string, string | undefined> = {}, dir = dataDir): Promise<StartedCli> {
  return startCli(["--port", "0", "--node-ports", NODE_PORTS, "--data-dir", dir, ...extra], env);
}

async function stopCli(run: CliRun, signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  run.child.kill(signal);
  return run.exited;
}

/** Creates a 1-node Redis and a 2-node Memcached cluster and waits until both are available. */
async function createRedisAndMemcached(url: string): Promise<number[]> {
  const sdk = client(url);
  await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "cli-redis", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
  await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "cli-mc", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
  const redis = await waitForCluster(sdk, "cli-redis", "available");
  const mc = await waitForCluster(sdk, "cli-mc", "available");
  sdk.destroy();
  return [...redis.CacheNodes!, ...mc.CacheNodes!].map((n) => n.Endpoint!.Port!);
}

describe("start-up", () => {
  it("prints the API URL on stdout and names the engines it found on stderr", async () => {
    const cli = await startTestCli();
    try {
      expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(cli.url).not.toMatch(/:0$/);
      // The URL it printed answers the API.
      const out = await client(cli.url).send(new DescribeCacheClustersCommand({}));
      expect(out.CacheClusters).toEqual([]);
    } finally {
      expect((await stopCli(cli)).code).toBe(0);
    }
    {
      // stderr is complete once the process has exited (stdout and stderr are separate pipes).
      const stderr = cli.stderr();
      // One line per engine with the binary it runs and that binary's version.
      expect(stderr).toMatch(/INFO\s+engine redis: redis-server\b.*\d+\.\d+\.\d+.*\/redis-server\b|INFO\s+engine redis: redis-server\b.*\/redis-server \d+\.\d+/);
      expect(stderr).toMatch(/INFO\s+engine memcached: memcached\b.*\d+\.\d+\.\d+.*\/memcached\b|INFO\s+engine memcached: memcached\b.*\/memcached \d+\.\d+/);
      expect(stderr).toMatch(/INFO\s+engine valkey: /);
      expect(stderr.indexOf("engine redis:")).toBeLessThan(stderr.indexOf("SIGTERM, stopping every engine"));
    }
  });

  it("--help lists every option with its environment variable and exits 0 without starting", async () => {
    const run = await runToExit(["--help"]);
    expect(run.code).toBe(0);
    const help = run.stdout();
    expect(help).toMatch(/^Usage: elasticache-local \[options\]/);
    const lines = help.split("\n");
    for (const flag of OPTIONS) {
      const at = lines.findIndex((l) => new RegExp(`^\\s+--${flag}( <value>)?\\s`).test(l));
      expect(at, `--${flag} in --help`).toBeGreaterThanOrEqual(0);
      expect(lines[at + 1].trim(), `env var of --${flag}`).toBe(`env ELASTICACHE_LOCAL_${flag.toUpperCase().replace(/-/g, "_")}`);
    }
    expect(help).toContain("--version");
    expect(help).not.toContain("ready at");
  });

  it("--version prints the package version", async () => {
    const run = await runToExit(["--version"]);
    expect(run.code).toBe(0);
    expect(run.stdout()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it("exits 2 with the problem and the usage on a bad flag or value", async () => {
    for (const args of [["--bogus"], ["--port", "abc"], ["--node-ports", "9-3"], ["--engine", "vm"], ["--forwarder", "nginx"], ["--log-level", "verbose"], ["stray"]]) {
      // --port 0: should a bad value be taken after all, the run must not collide with the default port.
      const run = await runToExit(args.includes("--port") ? args : [...args, "--port", "0"]);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr(), args.join(" ")).toMatch(/^elasticache-local: .+\n\nUsage: elasticache-local \[options\]/);
      expect(run.stdout(), args.join(" ")).toBe("");
    }
    const bogus = await runToExit(["--bogus"]);
    expect(bogus.stderr()).toContain("'--bogus'");
  });

  it("exits 2 naming the environment variable when one has a bad value", async () => {
    const run = await runToExit([], { ELASTICACHE_LOCAL_PORT: "abc" });
    expect(run.code).toBe(2);
    expect(run.stderr()).toMatch(/^elasticache-local: ELASTICACHE_LOCAL_PORT\b.*"abc"/);
  });

  it("exits 1 when the API port is taken", async () => {
    const busy = await listenOnFreePort();
    try {
      const run = await runToExit(["--port", String(portOf(busy)), "--node-ports", NODE_PORTS, "--data-dir", dataDir]);
      expect(run.code).toBe(1);
      expect(run.stderr()).toMatch(/cannot start: .*EADDRINUSE/);
      expect(run.stdout()).not.toContain("ready at");
    } finally {
      busy.close();
    }
  });
});

function listenOnFreePort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}
function portOf(server: Server): number {
  return (server.address() as { port: number }).port;
}

describe("environment variables", () => {
  it("ELASTICACHE_LOCAL_PORT=0 and ELASTICACHE_LOCAL_NODE_PORTS configure the CLI without flags", async () => {
    const cli = await startCli([], { ELASTICACHE_LOCAL_PORT: "0", ELASTICACHE_LOCAL_NODE_PORTS: NODE_PORTS, ELASTICACHE_LOCAL_DATA_DIR: dataDir });
    try {
      expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(cli.url).not.toMatch(/:4510$/);
      const sdk = client(cli.url);
      await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "env-mc", Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
      const cluster = await waitForCluster(sdk, "env-mc", "available");
      const port = cluster.CacheNodes![0].Endpoint!.Port!;
      expect(port).toBeGreaterThanOrEqual(30000);
      expect(port).toBeLessThanOrEqual(30299);
    } finally {
      expect((await stopCli(cli)).code).toBe(0);
    }
  });

  it("ELASTICACHE_LOCAL_LOG_LEVEL=warn silences the info banner", async () => {
    const cli = await startTestCli([], { ELASTICACHE_LOCAL_LOG_LEVEL: "warn" });
    expect((await stopCli(cli)).code).toBe(0);
    expect(cli.stderr()).not.toContain("engine redis:");
    expect(cli.stderr()).not.toContain("INFO");
  });

  it("ELASTICACHE_LOCAL_REGION and ELASTICACHE_LOCAL_ACCOUNT_ID are the defaults for requests that do not say", async () => {
    const cli = await startTestCli([], { ELASTICACHE_LOCAL_REGION: "ap-south-1", ELASTICACHE_LOCAL_ACCOUNT_ID: "111122223333" });
    try {
      // Unsigned: neither region nor account in the request.
      const xml = await (await fetch(`${cli.url}/?Action=DescribeCacheSubnetGroups&Version=2015-02-02`)).text();
      expect(xml).toContain("<ARN>arn:aws:elasticache:ap-south-1:111122223333:subnetgroup:default</ARN>");
      // Signed by the SDK for us-east-1 with a non-numeric key: the region is the caller's, the account the default.
      const out = await client(cli.url).send(new DescribeCacheSubnetGroupsCommand({}));
      expect(out.CacheSubnetGroups![0].ARN).toBe("arn:aws:elasticache:us-east-1:111122223333:subnetgroup:default");
    } finally {
      expect((await stopCli(cli)).code).toBe(0);
    }
  });

  it("flags win over environment variables", async () => {
    const busy = await listenOnFreePort();
    const cli = await startTestCli(["--log-level", "info", "--account-id", "444455556666"], {
      // The env port is taken: the CLI only starts because --port 0 wins.
      ELASTICACHE_LOCAL_PORT: String(portOf(busy)),
      ELASTICACHE_LOCAL_LOG_LEVEL: "silent",
      ELASTICACHE_LOCAL_ACCOUNT_ID: "111122223333",
      ELASTICACHE_LOCAL_NODE_PORTS: "1-2",
    });
    try {
      expect(cli.url).not.toMatch(new RegExp(`:${portOf(busy)}$`));
      const out = await client(cli.url).send(new DescribeCacheSubnetGroupsCommand({}));
      expect(out.CacheSubnetGroups![0].ARN).toBe("arn:aws:elasticache:us-east-1:444455556666:subnetgroup:default");
      // --node-ports (30000-30299) beat the env range 1-2.
      const sdk = client(cli.url);
      await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "flag-mc", Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
      const cluster = await waitForCluster(sdk, "flag-mc", "available");
      expect(cluster.CacheNodes![0].Endpoint!.Port!).toBeGreaterThanOrEqual(30000);
    } finally {
      busy.close();
      expect((await stopCli(cli)).code).toBe(0);
    }
    expect(cli.stderr()).toContain("engine redis:");
  });
});

describe("/_emulator endpoints", () => {
  it("GET /_emulator/health answers 200 JSON with the status and engines", async () => {
    const cli = await startTestCli();
    try {
      const res = await fetch(`${cli.url}/_emulator/health`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = (await res.json()) as { status: string; engines: Array<{ engine: string; driver: string }> };
      expect(body.status).toBe("running");
      expect(body.engines.map((e) => e.engine).sort()).toEqual(["memcached", "redis", "valkey"]);
      expect((await fetch(`${cli.url}/_emulator/nothing-here`)).status).toBe(404);
    } finally {
      expect((await stopCli(cli)).code).toBe(0);
    }
  });

  it("POST /_emulator/reset removes every cluster and stops their engines", async () => {
    const cli = await startTestCli();
    let engines: number[] = [];
    try {
      const ports = await createRedisAndMemcached(cli.url);
      engines = enginePidsOf(cli.pid);
      expect(engines).toHaveLength(3);

      const res = await fetch(`${cli.url}/_emulator/reset`, { method: "POST" });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: "reset" });

      const out = await client(cli.url).send(new DescribeCacheClustersCommand({}));
      expect(out.CacheClusters).toEqual([]);
      for (const port of ports) expect(await portIsClosed(port), `port ${port}`).toBe(true);
      for (const pid of engines) expect(isRunning(pid), `engine ${pid}`).toBe(false);
      // The emulator goes on serving after a reset.
      expect((await fetch(`${cli.url}/_emulator/health`)).status).toBe(200);
    } finally {
      expect((await stopCli(cli)).code).toBe(0);
      await killLeftoverEngines(engines);
    }
  });
});

describe("shutdown", () => {
  // SIGHUP: the terminal the CLI runs in was closed.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    it(`${signal} stops every engine, then the CLI exits 0`, async () => {
      const cli = await startTestCli();
      let engines: number[] = [];
      try {
        const ports = await createRedisAndMemcached(cli.url);
        engines = enginePidsOf(cli.pid);
        expect(engines).toHaveLength(3);
        expect(engines.every(isRunning)).toBe(true);

        const { code, signal: by } = await stopCli(cli, signal);
        expect(code).toBe(0);
        expect(by).toBeNull();
        expect(cli.stderr()).toContain(`elasticache-local: ${signal}, stopping every engine`);
        for (const pid of engines) expect(isRunning(pid), `engine ${pid}`).toBe(false);
        for (const port of ports) expect(await portIsClosed(port), `port ${port}`).toBe(true);
        // Nothing is left for a later start to reap.
        expect((await readdir(join(dataDir, "run")).catch(() => [])).filter((f) => f.startsWith("engines-"))).toEqual([]);
      } finally {
        await killCli(cli);
        await killLeftoverEngines(engines);
      }
    });
  }
});

describe("a CLI killed with SIGKILL", () => {
  it("its engines end on their own, and the next start with the same data dir brings the clusters back with nothing to reap", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-cli-killed-"));
    let first: StartedCli | undefined;
    let second: StartedCli | undefined;
    let engines: number[] = [];
    try {
      first = await startTestCli([], {}, dir);
      const ports = await createRedisAndMemcached(first.url);
      engines = enginePidsOf(first.pid);
      expect(engines).toHaveLength(3);

      first.child.kill("SIGKILL");
      expect((await first.exited).signal).toBe("SIGKILL");
      // Nobody stopped them, yet they end: the kernel sends each engine SIGTERM when its parent dies.
      expect(await waitUntilAllGone(engines, 5_000), "engines of the killed CLI still running").toEqual([]);
      for (const port of ports) expect(await portIsClosed(port), `port ${port}`).toBe(true);

      second = await startTestCli([], {}, dir);
      // The second emulator restores the clusters from the data dir with engines of its own, and works.
      const sdk = client(second.url);
      const restored = [await waitForCluster(sdk, "cli-redis", "available"), await waitForCluster(sdk, "cli-mc", "available")];
      expect(restored.flatMap((c) => c.CacheNodes!.map((n) => n.Endpoint!.Port))).toEqual(ports);
      expect(enginePidsOf(second.pid)).toHaveLength(3);
      await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "after-crash", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
      await waitForCluster(sdk, "after-crash", "available");
      expect((await stopCli(second)).code).toBe(0);
      for (const port of ports) expect(await portIsClosed(port), `port ${port}`).toBe(true);
      // There was nothing left to reap.
      expect(second.stderr()).not.toContain("left by an emulator");
    } finally {
      await killCli(first);
      await killCli(second);
      await killLeftoverEngines(engines);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a crash in the middle of a pid-file write", () => {
  it("the next start also stops the engines recorded only in the temp file the crash left, and removes it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-cli-tmp-"));
    // A pid that is certainly not running any more: a node process that has exited.
    const gone = runNode(["-e", ""]);
    await gone.exited;
    // The "orphan": a memcached the dead emulator had just spawned (without the parent-death signal, as an older version did).
    const port = 30299; // in this file's range, unused by this test's CLI (it creates no cluster)
    const args = ["-p", String(port), "-l", "127.0.0.1", "-U", "0"];
    if (process.getuid?.() === 0) args.push("-u", "root");
    const orphan = spawn("/usr/bin/memcached", args, { stdio: "ignore" });
    try {
      await waitForPortOpen(port);
      expect(isRunning(orphan.pid!)).toBe(true);
      await mkdir(join(dir, "run"), { recursive: true });
      const record = {
        ownerPid: gone.pid,
        ownerStartedAt: new Date().toISOString(),
        engines: [{ pid: orphan.pid, binary: "/usr/bin/memcached", port, nodeName: "crashed/0001", startedAt: new Date().toISOString() }],
      };
      const tmpName = `engines-${gone.pid}-0badc0de.json.1234abcd.tmp`;
      await writeFile(join(dir, "run", tmpName), JSON.stringify(record));
      // and a temp file the crash cut short, which cannot be read at all.
      await writeFile(join(dir, "run", `engines-${gone.pid}-0badc0de.json.5678abcd.tmp`), '{"ownerPid": ');

      const cli = await startTestCli([], {}, dir);
      try {
        expect(isRunning(orphan.pid!)).toBe(false);
        expect(await portIsClosed(port)).toBe(true);
        expect(await readdir(join(dir, "run"))).toEqual([]);
      } finally {
        expect((await stopCli(cli)).code).toBe(0);
      }
      expect(cli.stderr()).toContain("stopped 1 engine process(es) left by an emulator that did not stop cleanly");
    } finally {
      if (orphan.exitCode === null && orphan.signalCode === null) orphan.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function waitForPortOpen(port: number, timeoutMs = 10_000): Promise<void> {
  return eventually(async () => !(await portIsClosed(port)), { timeoutMs, intervalMs: 20, what: `something to listen on ${port}` });
}

describe("the library API", () => {
  it("runs two emulators in one process on distinct ports; url has the real port; stop() twice is harmless", async () => {
    const a = createEmulator({ port: 0, logLevel: "silent", nodePorts: { from: 30300, to: 30399 } });
    const b = createEmulator({ port: 0, logLevel: "silent", nodePorts: { from: 30400, to: 30499 } });
    try {
      await a.start();
      await b.start();
      const portA = Number(new URL(a.url).port);
      const portB = Number(new URL(b.url).port);
      expect(portA).toBeGreaterThan(0);
      expect(portB).toBeGreaterThan(0);
      expect(portA).not.toBe(portB);
      for (const emulator of [a, b]) {
        expect((await fetch(`${emulator.url}/_emulator/health`)).status).toBe(200);
      }
      // Each has its own state.
      const sdkA = client(a.url);
      await sdkA.send(new CreateCacheClusterCommand({ CacheClusterId: "only-in-a", Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
      await waitForCluster(sdkA, "only-in-a", "available");
      expect((await client(b.url).send(new DescribeCacheClustersCommand({}))).CacheClusters).toEqual([]);

      await a.stop();
      await a.stop();
      expect(await portIsClosed(portA)).toBe(true);
      // b is untouched by a's stop.
      expect((await fetch(`${b.url}/_emulator/health`)).status).toBe(200);
    } finally {
      await a.stop();
      await b.stop();
      await b.stop();
    }
    expect(await portIsClosed(Number(new URL(b.url).port))).toBe(true);
  });

  it("the engines of every emulator of a crashed process end with it; each recorded them, and later starts have nothing to reap", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-cli-two-"));
    let engines: number[] = [];
    let crashed: CliRun | undefined;
    try {
      // One process, two emulators (a data dir each: one emulator per data dir), one cluster each; then the process dies by SIGKILL.
      const script = `
        import { createEmulator } from ${JSON.stringify(join(repoRoot, "dist", "index.js"))};
        import { ElastiCacheClient, CreateCacheClusterCommand, DescribeCacheClustersCommand } from "@aws-sdk/client-elasticache";
        const dir = ${JSON.stringify(dir)};
        const ems = [
          createEmulator({ port: 0, logLevel: "silent", dataDir: dir + "/a", nodePorts: { from: 30300, to: 30399 } }),
          createEmulator({ port: 0, logLevel: "silent", dataDir: dir + "/b", nodePorts: { from: 30400, to: 30499 } }),
        ];
        for (const [i, em] of ems.entries()) {
          await em.start();
          const sdk = new ElastiCacheClient({ endpoint: em.url, region: "us-east-1", credentials: { accessKeyId: "t", secretAccessKey: "t" } });
          await sdk.send(new CreateCacheClusterCommand({ CacheClusterId: "crash-" + i, Engine: "memcached", CacheNodeType: "cache.t3.micro" }));
          for (;;) {
            const out = await sdk.send(new DescribeCacheClustersCommand({ CacheClusterId: "crash-" + i }));
            if (out.CacheClusters[0].CacheClusterStatus === "available") break;
            await new Promise((r) => setTimeout(r, 20));
          }
        }
        process.stdout.write("both available\\n");
        setInterval(() => {}, 1000);
      `;
      crashed = runNode(["--input-type=module", "-e", script]);
      await waitForOutput(crashed, "both available");
      engines = childPids(crashed.pid).filter((pid) => ENGINE.test(commandLine(pid) ?? ""));
      expect(engines).toHaveLength(2);
      crashed.child.kill("SIGKILL");
      await crashed.exited;
      expect(await waitUntilAllGone(engines, 5_000), "engines of the killed process still running").toEqual([]);

      for (const sub of ["a", "b"]) {
        // Each emulator kept the record a reaper needs (for systems where engines cannot be told of their parent's death).
        const run = join(dir, sub, "run");
        const files = (await readdir(run)).filter((f) => /^engines-\d+-[0-9a-f]+\.json$/.test(f));
        expect(files).toHaveLength(1);
        const recorded = JSON.parse(await readFile(join(run, files[0]!), "utf8")) as { ownerPid: number; engines: Array<{ pid: number }> };
        expect(recorded.ownerPid).toBe(crashed.pid);
        expect(recorded.engines).toHaveLength(1);
        expect(engines).toContain(recorded.engines[0]!.pid);
        const next = await startTestCli([], {}, join(dir, sub));
        expect((await stopCli(next)).code).toBe(0);
        expect(next.stderr()).not.toContain("left by an emulator");
        // The dead owner's record is gone.
        expect((await readdir(run)).filter((f) => f.startsWith("engines-"))).toEqual([]);
      }
    } finally {
      await killCli(crashed);
      await killLeftoverEngines(engines);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
