/**
 * Provisioning at start as the README's compose and CI examples run it: the real command
 * (node dist/cli.js) with ELASTICACHE_LOCAL_INIT set to the shipped example file prints its
 * ready line only once provisioned; `elasticache-local endpoints` prints the variables an
 * application is given, and every endpoint they name answers real clients. A failing entry
 * ends the command with exit code 1 and the entry on stderr.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, killAllRuns, repoRoot, runToExit, startCli } from "../helpers/cli.js";
import { nodePortRange } from "../helpers/emulator.js";
import { parseEnv, useEveryEndpoint } from "./endpoint-clients.js";

const EXAMPLE = join(repoRoot, "fixtures", "init", "example.json");
const nodePorts = () => {
  const range = nodePortRange();
  return `${range.from}-${range.to}`;
};

const dirs: string[] = [];
beforeAll(async () => {
  await ensureBuilt();
}, 180_000);
afterEach(async () => {
  await killAllRuns();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("elasticache-local with ELASTICACHE_LOCAL_INIT", () => {
  it("is ready once the example file is provisioned, and `elasticache-local endpoints` lists endpoints that answer", async () => {
    const cli = await startCli(["--port", "0", "--node-ports", nodePorts()], { ELASTICACHE_LOCAL_INIT: EXAMPLE, ELASTICACHE_LOCAL_LOG_LEVEL: "warn" });
    const health = await fetch(`${cli.url}/_emulator/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ready: true, provisioning: { phase: "provisioned", entries: 5, applied: 5, skipped: 0 } });

    const printed = await runToExit(["endpoints", "--url", cli.url]);
    expect(printed.code).toBe(0);
    const env = parseEnv(printed.stdout());
    expect(await useEveryEndpoint(env)).toEqual(["ORDERS_URL", "PAGES_SERVERS", "PAGES_URL", "SESSIONS_READER_URL", "SESSIONS_URL"]);

    // The JSON form, from ELASTICACHE_LOCAL_URL.
    const json = await runToExit(["endpoints", "--format", "json"], { ELASTICACHE_LOCAL_URL: cli.url });
    expect(json.code).toBe(0);
    const listing = JSON.parse(json.stdout()) as { resources: Array<{ id: string; env: Record<string, string> }> };
    expect(listing.resources.map((r) => r.id).sort()).toEqual(["orders", "pages", "sessions"]);
    expect(Object.assign({}, ...listing.resources.map((r) => r.env))).toEqual(env);

    cli.child.kill("SIGTERM");
    expect((await cli.exited).code).toBe(0);
  });

  it("a failing entry ends the command with exit code 1, the AWS error, the entry and its position", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-init-cli-"));
    dirs.push(dir);
    const file = join(dir, "init.json");
    await writeFile(
      file,
      JSON.stringify([
        { action: "CreateCacheParameterGroup", input: { CacheParameterGroupName: "p", CacheParameterGroupFamily: "redis7", Description: "d" } },
        { action: "CreateReplicationGroup", input: { ReplicationGroupId: "g", ReplicationGroupDescription: "d", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheClusters: 2, CacheParameterGroupName: "missing" } },
      ]),
    );
    const run = await runToExit(["--port", "0", "--node-ports", nodePorts(), "--init", file, "--log-level", "error"]);
    expect(run.code).toBe(1);
    expect(run.stdout()).not.toContain("ready at");
    expect(run.stderr()).toContain(`cannot start: init entry 2 of 2 (${file}, entry 2: CreateReplicationGroup g) failed: CacheParameterGroupNotFound:`);
  });

  it("`endpoints` without a running emulator says where it looked", async () => {
    const run = await runToExit(["endpoints", "--url", "http://127.0.0.1:1"]);
    expect(run.code).toBe(1);
    expect(run.stderr()).toContain("cannot read http://127.0.0.1:1/_emulator/endpoints.env");
  });
});
