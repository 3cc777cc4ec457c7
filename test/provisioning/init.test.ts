/**
 * Provisioning at start (createEmulator({ init })): the shipped example file provisions what it
 * says before start() resolves, every endpoint it lists answers real clients, health is 503
 * until then, a failing entry stops the start with the AWS error and its position, and a
 * restart with a data dir does not apply entries twice.
 */
import {
  AddTagsToResourceCommand,
  DescribeCacheClustersCommand,
  DescribeCacheParametersCommand,
  DescribeReplicationGroupsCommand,
  ListTagsForResourceCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeCacheParameterGroupsCommand,
} from "@aws-sdk/client-elasticache";
import Redis from "ioredis";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../../src/index.js";
import { nodePortRange, sdkClient, startEmulator } from "../helpers/emulator.js";
import { repoRoot } from "../helpers/cli.js";
import { portIsClosed } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait.js";
import { parseEnv, useEveryEndpoint } from "./endpoint-clients.js";

const EXAMPLE = join(repoRoot, "fixtures", "init", "example.json");

const running: Emulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function started(options: Parameters<typeof startEmulator>[0]): Promise<Emulator> {
  const emulator = createEmulator({ port: 0, logLevel: "warn", nodePorts: nodePortRange(), ...options });
  running.push(emulator);
  await emulator.start();
  return emulator;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "elasticache-local-init-"));
  dirs.push(dir);
  return dir;
}

/** The Docker image's HEALTHCHECK command, as the Dockerfile states it, run against `url`: its exit code. */
async function dockerHealthcheck(url: string): Promise<number> {
  const dockerfile = await readFile(join(repoRoot, "Dockerfile"), "utf8");
  const cmd = JSON.parse(/^HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
  expect(cmd[0]).toBe("node");
  return new Promise((resolve) => {
    const env = { ...process.env, ELASTICACHE_LOCAL_PORT: new URL(url).port };
    execFile(process.execPath, cmd.slice(1), { env }, (error) => resolve(error ? Number((error as { code?: number }).code ?? -1) : 0));
  });
}

const health = async (url: string) => {
  const response = await fetch(`${url}/_emulator/health`);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
};

describe("the example init file (fixtures/init/example.json)", () => {
  it("is provisioned when start() resolves: every endpoint it lists answers real clients", async () => {
    const emulator = await started({ init: EXAMPLE });
    const sdk = sdkClient(emulator);

    // Nothing is still on its way: every group and cluster is available at once.
    const groups = (await sdk.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups!;
    expect(groups.map((g) => [g.ReplicationGroupId, g.Status]).sort()).toEqual([
      ["orders", "available"],
      ["sessions", "available"],
    ]);
    expect(groups.find((g) => g.ReplicationGroupId === "orders")!.NodeGroups).toHaveLength(3);
    const pages = (await sdk.send(new DescribeCacheClustersCommand({ CacheClusterId: "pages" }))).CacheClusters![0];
    expect([pages.CacheClusterStatus, pages.NumCacheNodes]).toEqual(["available", 2]);
    // Entries apply in order: the parameter group was modified before the group that uses it.
    const params = await sdk.send(new DescribeCacheParametersCommand({ CacheParameterGroupName: "app-redis7", Source: "user" }));
    expect(params.Parameters!.map((p) => [p.ParameterName, p.ParameterValue])).toEqual([["maxmemory-policy", "allkeys-lru"]]);
    expect(groups.find((g) => g.ReplicationGroupId === "sessions")!.MemberClusters).toHaveLength(2);

    expect(await health(emulator.url)).toMatchObject({ status: 200, body: { status: "running", ready: true, provisioning: { phase: "provisioned", entries: 5, applied: 5 } } });

    const listing = (await (await fetch(`${emulator.url}/_emulator/endpoints`)).json()) as { resources: Array<Record<string, any>> };
    expect(listing.resources.map((r) => [r.type, r.id, r.engine, r.clusterMode ?? null]).sort()).toEqual([
      ["cache-cluster", "pages", "memcached", null],
      ["replication-group", "orders", "redis", true],
      ["replication-group", "sessions", "redis", false],
    ]);
    const sessions = listing.resources.find((r) => r.id === "sessions")!;
    const sessionsGroup = groups.find((g) => g.ReplicationGroupId === "sessions")!;
    // The listing shows what the API says.
    expect(sessions.primaryEndpoint).toEqual({ address: sessionsGroup.NodeGroups![0].PrimaryEndpoint!.Address, port: sessionsGroup.NodeGroups![0].PrimaryEndpoint!.Port });
    expect(sessions.nodes.map((n: { role: string }) => n.role).sort()).toEqual(["primary", "replica"]);
    expect(listing.resources.find((r) => r.id === "pages")!.nodes).toHaveLength(2);

    const envText = await (await fetch(`${emulator.url}/_emulator/endpoints.env`)).text();
    const env = parseEnv(envText);
    expect(Object.keys(env).sort()).toEqual(
      [
        "ORDERS_HOST", "ORDERS_PORT", "ORDERS_URL",
        "PAGES_HOST", "PAGES_PORT", "PAGES_SERVERS", "PAGES_URL",
        "SESSIONS_HOST", "SESSIONS_PORT", "SESSIONS_READER_HOST", "SESSIONS_READER_PORT", "SESSIONS_READER_URL", "SESSIONS_URL",
      ].sort(),
    );
    expect(await useEveryEndpoint(env)).toEqual(["ORDERS_URL", "PAGES_SERVERS", "PAGES_URL", "SESSIONS_READER_URL", "SESSIONS_URL"]);
    sdk.destroy();
  });

  it("is the file the README shows, and the one its compose and CI examples start the image with", async () => {
    const readme = await readFile(join(repoRoot, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Provisioning at start"));
    const shown = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]);
    expect(shown).toEqual(JSON.parse(await readFile(EXAMPLE, "utf8")));
    // The image keeps fixtures/ under /app, where the examples point.
    const examples = readme.slice(readme.indexOf("### Docker"), readme.indexOf("## Options"));
    expect(examples.match(/ELASTICACHE_LOCAL_INIT: \/app\/fixtures\/init\/example\.json/g)).toHaveLength(2);
    expect(await readFile(join(repoRoot, "Dockerfile"), "utf8")).toMatch(/WORKDIR \/app[\s\S]*COPY --from=build \/app\/fixtures \.\/fixtures/);
  });
});

describe("readiness", () => {
  it("health answers 503 with what it waits for until every entry is available; start() resolves only then", async () => {
    const emulator = createEmulator({
      port: 0,
      logLevel: "warn",
      nodePorts: nodePortRange(),
      // Long enough in `creating` that the wait is seen from outside.
      delays: { createMs: 3000 },
      init: [{ action: "CreateCacheCluster", input: { CacheClusterId: "slow", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 } }],
    });
    running.push(emulator);
    let resolved = false;
    const starting = emulator.start().then(() => (resolved = true));
    const url = await waitFor(async () => emulator.url, (u) => u !== "", { what: "the API to listen" });
    const during = await health(url);
    expect(resolved).toBe(false);
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ status: "starting", ready: false, provisioning: { phase: "provisioning", entry: 1, of: 1, action: "CreateCacheCluster" } });
    // The Docker image's HEALTHCHECK fails meanwhile (so compose's service_healthy waits)...
    expect(await dockerHealthcheck(url)).toBe(1);
    expect(resolved).toBe(false);
    await starting;
    expect(await health(url)).toMatchObject({ status: 200, body: { ready: true, provisioning: { phase: "provisioned", applied: 1 } } });
    // ...and passes once provisioned.
    expect(await dockerHealthcheck(url)).toBe(0);
    const cluster = (await sdkClient(emulator).send(new DescribeCacheClustersCommand({ CacheClusterId: "slow", ShowCacheNodeInfo: true }))).CacheClusters![0];
    expect(cluster.CacheClusterStatus).toBe("available");
  });

  it("stop() during provisioning ends the start and every engine it had started", async () => {
    const nodePorts = nodePortRange();
    const port = nodePorts.from + 260;
    const emulator = createEmulator({
      port: 0,
      logLevel: "silent",
      nodePorts,
      delays: { createMs: 3000 },
      init: [{ action: "CreateCacheCluster", input: { CacheClusterId: "cut", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1, Port: port } }],
    });
    running.push(emulator);
    const starting = emulator.start().then(
      () => undefined,
      (e: Error) => e,
    );
    const url = await waitFor(async () => emulator.url, (u) => u !== "", { what: "the API to listen" });
    // Its node runs (answers PING) while the cluster is still `creating`.
    await waitFor(async () => (await health(url)).body.provisioning?.status, (s) => s === "creating", { what: "the cluster to be creating" });
    const node = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    node.on("error", () => undefined); // refused until the node listens
    await waitFor(() => node.connect().then(() => node.ping(), () => "no"), (r) => r === "PONG", { what: "the node to answer" });
    node.disconnect();
    await emulator.stop();
    const error = await starting;
    expect(error?.message).toMatch(/init entry 1 of 1 \(\(options\), entry 1: CreateCacheCluster cut\) failed: the emulator is stopping/);
    expect(await portIsClosed(port)).toBe(true);
  });

  it("without --init, health is ready at once and says nothing of provisioning", async () => {
    const emulator = await started({});
    const { status, body } = await health(emulator.url);
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.provisioning).toBeUndefined();
  });
});

describe("entries", () => {
  it("apply in their region; the endpoint variables of a resource outside the default region carry it", async () => {
    const emulator = await started({
      init: [
        { action: "CreateCacheCluster", region: "eu-west-1", input: { CacheClusterId: "eu-pages", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 } },
        { action: "CreateCacheCluster", input: { CacheClusterId: "home", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 } },
      ],
    });
    const eu = sdkClient(emulator, { region: "eu-west-1" });
    expect((await eu.send(new DescribeCacheClustersCommand({}))).CacheClusters!.map((c) => c.CacheClusterId)).toEqual(["eu-pages"]);
    expect((await sdkClient(emulator).send(new DescribeCacheClustersCommand({}))).CacheClusters!.map((c) => c.CacheClusterId)).toEqual(["home"]);
    const env = parseEnv(await (await fetch(`${emulator.url}/_emulator/endpoints.env`)).text());
    expect(Object.keys(env).filter((k) => k.endsWith("_URL")).sort()).toEqual(["EU_WEST_1_EU_PAGES_URL", "HOME_URL"]);
    expect(env.HOME_URL).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(await useEveryEndpoint(env)).toEqual(["EU_WEST_1_EU_PAGES_SERVERS", "EU_WEST_1_EU_PAGES_URL", "HOME_URL"]);
    eu.destroy();
  });

  it("a folder is read in name order, JSON and YAML files alike", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "20-second.yaml"), "- action: CreateCacheSubnetGroup\n  input:\n    CacheSubnetGroupName: second\n    CacheSubnetGroupDescription: from YAML\n    SubnetIds: [subnet-0a1b2c3d]\n");
    await writeFile(join(dir, "10-first.json"), JSON.stringify([{ action: "CreateCacheParameterGroup", input: { CacheParameterGroupName: "first", CacheParameterGroupFamily: "redis7", Description: "d" } }]));
    await writeFile(join(dir, "notes.txt"), "not an init file");
    const emulator = createEmulator({ port: 0, logLevel: "silent", nodePorts: nodePortRange(), init: dir });
    running.push(emulator);
    await emulator.start();
    expect((await health(emulator.url)).body.provisioning).toMatchObject({ phase: "provisioned", entries: 2, applied: 2 });
    const client = sdkClient(emulator);
    const { CacheSubnetGroups } = await client.send(new DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: "second" }));
    expect(CacheSubnetGroups?.[0]?.CacheSubnetGroupDescription).toBe("from YAML");
    const { CacheParameterGroups } = await client.send(new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: "first" }));
    expect(CacheParameterGroups?.[0]?.CacheParameterGroupFamily).toBe("redis7");
  });
});

describe("a failing entry", () => {
  it("stops the start with the AWS error, the entry and its position; nothing it started keeps running", async () => {
    const dir = await tempDir();
    const file = join(dir, "init.json");
    const nodePorts = nodePortRange();
    // The first entry's node on a port of our choosing, to see it gone afterwards.
    const firstPort = nodePorts.from + 250;
    await writeFile(
      file,
      JSON.stringify([
        { action: "CreateCacheCluster", input: { CacheClusterId: "first", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1, Port: firstPort } },
        { action: "CreateCacheCluster", input: { CacheClusterId: "second", Engine: "redis", CacheNodeType: "cache.t9.enormous", NumCacheNodes: 1 } },
      ]),
    );
    const emulator = createEmulator({ port: 0, logLevel: "silent", nodePorts, init: file });
    running.push(emulator);
    const error = await emulator.start().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toContain(`init entry 2 of 2 (${file}, entry 2: CreateCacheCluster second) failed: InvalidParameterValue:`);
    expect(error!.message).toContain("cache.t9.enormous");
    // The start stopped everything: no API, no engine of the first entry.
    expect(emulator.url).not.toBe("");
    await expect(fetch(`${emulator.url}/_emulator/health`)).rejects.toThrow();
    expect(await portIsClosed(firstPort)).toBe(true);
  });

  it("a member the operation does not have is refused by name, before anything starts", async () => {
    const emulator = createEmulator({
      port: 0,
      logLevel: "silent",
      nodePorts: nodePortRange(),
      init: [{ action: "CreateCacheCluster", input: { CacheClusterId: "typo", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNode: 1 } }],
    });
    running.push(emulator);
    await expect(emulator.start()).rejects.toThrow(/entry 1: CreateCacheCluster typo\) failed: CreateCacheCluster has no member "NumCacheNode"/);
  });

  it("a file that is not a list of entries, or an unknown action, names the file and the entry", async () => {
    const dir = await tempDir();
    const file = join(dir, "bad.json");
    await writeFile(file, JSON.stringify([{ action: "CreateCacheCluster", inputs: {} }]));
    await expect(createEmulator({ port: 0, logLevel: "silent", init: file }).start()).rejects.toThrow(`init file ${file}, entry 1: unknown key "inputs"`);
    const unknown = createEmulator({ port: 0, logLevel: "silent", nodePorts: nodePortRange(), init: [{ action: "CreateCacheClusters" }] });
    running.push(unknown);
    await expect(unknown.start()).rejects.toThrow(/entry 1: CreateCacheClusters\) failed: InvalidAction:/);
  });
});

describe("a restart with a data dir", () => {
  it("does not apply entries twice: resources that came back are kept with their data, new entries are applied", async () => {
    const dataDir = await tempDir();
    const folder = join(dataDir, "..", `${dataDir.split("/").pop()}-init`);
    dirs.push(folder);
    await mkdir(folder);
    const cluster = { CacheClusterId: "kept", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 };
    await writeFile(join(folder, "10-cluster.json"), JSON.stringify([{ action: "CreateCacheCluster", input: cluster }]));
    const arn = "arn:aws:elasticache:us-east-1:000000000000:cluster:kept";
    // A non-create entry: applied once per data dir.
    await writeFile(join(folder, "20-tags.json"), JSON.stringify([{ action: "AddTagsToResource", input: { ResourceName: arn, Tags: [{ Key: "team", Value: "a" }] } }]));

    const first = await started({ init: folder, dataDir });
    const sdk = sdkClient(first);
    const before = (await sdk.send(new DescribeCacheClustersCommand({ CacheClusterId: "kept", ShowCacheNodeInfo: true }))).CacheClusters![0];
    const node = before.CacheNodes![0].Endpoint!;
    const redis = new Redis(node.Port!, node.Address!);
    await redis.set("survives", "yes");
    redis.disconnect();
    // Changed after provisioning: a restart must not put the file's value back.
    await sdk.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "team", Value: "b" }] }));
    sdk.destroy();
    await first.stop();
    running.splice(running.indexOf(first), 1);

    // One entry more in the folder (read in name order).
    await writeFile(join(folder, "30-more.json"), JSON.stringify([{ action: "CreateCacheCluster", input: { ...cluster, CacheClusterId: "added" } }]));
    const second = await started({ init: folder, dataDir });
    expect((await health(second.url)).body.provisioning).toEqual({ phase: "provisioned", entries: 3, applied: 1, skipped: 2 });
    const sdk2 = sdkClient(second);
    const after = (await sdk2.send(new DescribeCacheClustersCommand({ CacheClusterId: "kept", ShowCacheNodeInfo: true }))).CacheClusters![0];
    expect(after.CacheClusterStatus).toBe("available");
    expect(after.CacheClusterCreateTime).toEqual(before.CacheClusterCreateTime);
    const node2 = after.CacheNodes![0].Endpoint!;
    const redis2 = new Redis(node2.Port!, node2.Address!);
    expect(await redis2.get("survives")).toBe("yes");
    redis2.disconnect();
    expect((await sdk2.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([{ Key: "team", Value: "b" }]);
    expect((await sdk2.send(new DescribeCacheClustersCommand({ CacheClusterId: "added" }))).CacheClusters![0].CacheClusterStatus).toBe("available");

    // A reset removes what the file made and forgets that it was applied: the next start applies it all again.
    expect((await fetch(`${second.url}/_emulator/reset`, { method: "POST" })).status).toBe(200);
    sdk2.destroy();
    await second.stop();
    running.splice(running.indexOf(second), 1);
    const third = await started({ init: folder, dataDir });
    expect((await health(third.url)).body.provisioning).toEqual({ phase: "provisioned", entries: 3, applied: 3, skipped: 0 });
    const sdk3 = sdkClient(third);
    expect((await sdk3.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([{ Key: "team", Value: "a" }]);
    sdk3.destroy();
  });
});
