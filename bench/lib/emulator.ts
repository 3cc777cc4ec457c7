/**
 * The emulator under test and SDK helpers around it. It runs as its own process
 * (`node dist/cli.js`, built by `npm run bench`), as users run it, so that the SDK's own
 * CPU work in this process does not slow the emulator down; without dist/ it runs in process.
 */
import {
  CreateCacheClusterCommand,
  DeleteCacheClusterCommand,
  DescribeCacheClustersCommand,
  ElastiCacheClient,
  type CacheCluster,
  type CreateCacheClusterCommandInput,
} from "@aws-sdk/client-elasticache";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createEmulator, type EmulatorOptions, type EngineMode } from "../../src/index.js";
import { sleep, spawnTracked, stopTracked, type Tracked } from "./procs.js";

export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const REPO = fileURLToPath(new URL("../../", import.meta.url));

export interface Harness {
  url: string;
  /** The emulator's own process, when it runs as one. */
  process?: Tracked;
  client: ElastiCacheClient;
  stop(): Promise<void>;
}

export function sdkClient(url: string): ElastiCacheClient {
  return new ElastiCacheClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
    maxAttempts: 1,
  });
}

/** More options: as CLI flags for the emulator's own process, as fields for an in-process one. */
export interface ExtraOptions {
  cliArgs: string[];
  options: EmulatorOptions;
}

/** Starts an emulator on port 0 with its own node port range; stop() is safe to call twice. */
export async function startEmulator(
  nodePorts: { from: number; to: number },
  engineMode: EngineMode = "process",
  extra: ExtraOptions = { cliArgs: [], options: {} },
): Promise<Harness> {
  return existsSync(CLI) ? startCliEmulator(nodePorts, engineMode, extra.cliArgs) : startInProcessEmulator(nodePorts, engineMode, extra.options);
}

async function startCliEmulator(nodePorts: { from: number; to: number }, engineMode: EngineMode, extraArgs: string[]): Promise<Harness> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ELASTICACHE_LOCAL_")));
  const args = [CLI, "--port", "0", "--node-ports", `${nodePorts.from}-${nodePorts.to}`, "--log-level", "warn", "--engine", engineMode, ...extraArgs];
  // The data path of replication group endpoints (default auto: haproxy when installed).
  if (process.env.BENCH_FORWARDER) args.push("--forwarder", process.env.BENCH_FORWARDER);
  const cli = spawnTracked(process.execPath, args, { cwd: REPO, env });
  let url: string;
  try {
    [, url] = (await waitForLine(cli, /elasticache-local ready at (\S+)/, 15_000)) as unknown as [string, string];
  } catch (error) {
    await stopTracked(cli, 15_000);
    throw error;
  }
  const client = sdkClient(url);
  let stopped = false;
  return {
    url,
    process: cli,
    client,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      client.destroy();
      // SIGTERM: the CLI stops every engine before it exits.
      await stopTracked(cli, 15_000);
    },
  };
}

async function startInProcessEmulator(nodePorts: { from: number; to: number }, engineMode: EngineMode, options: EmulatorOptions): Promise<Harness> {
  const forwarder = process.env.BENCH_FORWARDER as "auto" | "node" | "haproxy" | undefined;
  const emulator = createEmulator({ port: 0, logLevel: "warn", nodePorts, engineMode, forwarder, ...options });
  try {
    await emulator.start();
  } catch (error) {
    await emulator.stop().catch(() => undefined);
    throw error;
  }
  const client = sdkClient(emulator.url);
  let stopped = false;
  return {
    url: emulator.url,
    client,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      client.destroy();
      await emulator.stop();
    },
  };
}

/** Resolves with the match once the process prints a line matching `pattern` on stdout. */
export function waitForLine(p: Tracked, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms:\n${p.output.join("\n")}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString("utf8");
      const m = pattern.exec(text);
      if (m) done(undefined, m);
    };
    const onExit = () => done(new Error(`exited before ${pattern}:\n${p.output.join("\n")}`));
    const done = (err?: Error, m?: RegExpExecArray) => {
      clearTimeout(timer);
      p.child.stdout!.off("data", onData);
      p.child.off("exit", onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    p.child.stdout!.on("data", onData);
    p.child.once("exit", onExit);
  });
}

export async function describeOne(client: ElastiCacheClient, id: string): Promise<CacheCluster | undefined> {
  try {
    const out = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }));
    return out.CacheClusters?.[0];
  } catch (error) {
    if ((error as { name?: string }).name === "CacheClusterNotFoundFault") return undefined;
    throw error;
  }
}

/** Polls every `pollMs` until the cluster is `available`; throws on a failure status or timeout. */
export async function waitAvailable(client: ElastiCacheClient, id: string, pollMs = 2, timeoutMs = 60_000): Promise<CacheCluster> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cluster = await describeOne(client, id);
    const status = cluster?.CacheClusterStatus;
    if (status === "available") return cluster!;
    if (status && !["creating", "modifying", "rebooting cache cluster nodes"].includes(status)) {
      throw new Error(`cluster ${id} went ${status} instead of available`);
    }
    if (Date.now() > deadline) throw new Error(`cluster ${id} not available within ${timeoutMs} ms (last status ${status})`);
    await sleep(pollMs);
  }
}

/**
 * CreateCacheCluster, then DescribeCacheClusters every `pollMs` until it says `available`,
 * as raw form POSTs: like the baseline's raw PINGs, this measures the emulator and not the
 * SDK's client-side cost (signing, middleware), which would be the same against AWS.
 * Returns the elapsed milliseconds (send of the create -> the reply that says available)
 * and the cluster as the SDK then describes it (outside the timing).
 */
export async function createUntilAvailable(
  harness: Harness,
  input: { CacheClusterId: string; Engine: string; CacheNodeType: string; NumCacheNodes: number; TransitEncryptionEnabled?: boolean },
  pollMs = 1,
): Promise<{ ms: number; cluster: CacheCluster }> {
  const form = (action: string, params: Record<string, string | number | boolean>) =>
    new URLSearchParams({ Action: action, Version: "2015-02-02", ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])) }).toString();
  const post = async (body: string) => {
    const response = await fetch(`${harness.url}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
    const text = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status}: ${text}`);
    return text;
  };
  const t0 = performance.now();
  await post(form("CreateCacheCluster", input));
  const describe = form("DescribeCacheClusters", { CacheClusterId: input.CacheClusterId });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = /<CacheClusterStatus>([^<]*)</.exec(await post(describe))?.[1];
    if (status === "available") break;
    if (status !== "creating") throw new Error(`cluster ${input.CacheClusterId} went ${status} instead of available`);
    if (Date.now() > deadline) throw new Error(`cluster ${input.CacheClusterId} not available within 60 s`);
    await sleep(pollMs);
  }
  const ms = performance.now() - t0;
  return { ms, cluster: (await describeOne(harness.client, input.CacheClusterId))! };
}

/** DeleteCacheCluster and wait until DescribeCacheClusters no longer knows it (its processes are stopped by then). */
export async function deleteAndWaitGone(client: ElastiCacheClient, id: string, timeoutMs = 30_000): Promise<void> {
  await client.send(new DeleteCacheClusterCommand({ CacheClusterId: id }));
  const deadline = Date.now() + timeoutMs;
  while ((await describeOne(client, id)) !== undefined) {
    if (Date.now() > deadline) throw new Error(`cluster ${id} still there ${timeoutMs} ms after DeleteCacheCluster`);
    await sleep(5);
  }
}

export function endpointPorts(cluster: CacheCluster): number[] {
  return (cluster.CacheNodes ?? []).map((n) => {
    const port = n.Endpoint?.Port;
    if (!port) throw new Error(`node ${n.CacheNodeId} of ${cluster.CacheClusterId} has no endpoint`);
    return port;
  });
}
