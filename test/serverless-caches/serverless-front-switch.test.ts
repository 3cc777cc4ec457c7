/**
 * What listens on a Valkey serverless cache's ports. Without an ECPUPerSecond limit and without
 * IAM users, the engines themselves do (native TLS, no hop of the emulator's): the process that
 * owns the listening socket of the Endpoint (and of the ReaderEndpoint) is the engine that
 * answers `INFO server` there. An ECPUPerSecond limit, or a user group with an IAM user, puts
 * the emulator's front on both ports, live: the data stays, the cluster view keeps naming the
 * same two ports, new connections are metered (the limit throttles) and IAM tokens are checked;
 * removing it gives the ports back to the engines. Open connections are closed at each switch
 * and cluster clients reconnect on their own.
 */
import {
  CreateServerlessCacheCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  ModifyServerlessCacheCommand,
  type ElastiCacheClient,
  type ServerlessCache,
} from "@aws-sdk/client-elasticache";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import Redis, { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIamAuthToken } from "../../src/iam-token.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { fetchCa } from "../helpers/tls.js";
import { waitForUserGroup } from "../helpers/users.js";
import { describeServerlessCache, offerSets } from "./helpers.js";

let emulator: Emulator;
let sdk: ElastiCacheClient;
let ca: string;
const clients: Array<Redis | Cluster> = [];
const LIMIT = 400;

/** The inodes of the sockets listening on TCP `port` (Linux /proc/net). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A" && parseInt(f[1]!.split(":")[1]!, 16) === port) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** Which of `pids` owns the socket listening on `port`. */
function listenerOf(port: number, pids: number[]): number | undefined {
  const sockets = new Set([...listeningInodes(port)].map((inode) => `socket:[${inode}]`));
  return pids.find((pid) => readdirSync(`/proc/${pid}/fd`).some((fd) => {
    try {
      return sockets.has(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      return false;
    }
  }));
}

function direct(port: number, opts: { username?: string; password?: string } = {}): Redis {
  const r = new Redis({ host: "127.0.0.1", port, tls: { ca }, maxRetriesPerRequest: 1, ...opts });
  clients.push(r);
  return r;
}

function cluster(cache: ServerlessCache, opts: { username?: string; password?: string } = {}): Cluster {
  const c = new Cluster([{ host: cache.Endpoint!.Address!, port: cache.Endpoint!.Port! }], { redisOptions: { tls: { ca }, ...opts } });
  clients.push(c);
  return c;
}

/** The pid the engine behind `port` reports (INFO server process_id). */
async function enginePid(port: number, opts: { username?: string; password?: string } = {}): Promise<number> {
  const info = String(await direct(port, opts).info("server"));
  return Number(/^process_id:(\d+)/m.exec(info)![1]);
}

/** Who listens on the Endpoint and the ReaderEndpoint: "engine" (its own socket) or "front" (the emulator's). */
async function listeners(cache: ServerlessCache, auth: { username?: string; password?: string } = {}): Promise<string[]> {
  const ports = [cache.Endpoint!.Port!, cache.ReaderEndpoint!.Port!];
  return Promise.all(
    ports.map(async (port) => {
      const engine = await enginePid(port, auth);
      const owner = listenerOf(port, [engine, process.pid]);
      return owner === engine ? "engine" : owner === process.pid ? "front" : `unknown (${owner})`;
    }),
  );
}

/** The ports CLUSTER SLOTS names: the primary's and the replica's. */
async function slotPorts(cache: ServerlessCache, auth: { username?: string; password?: string } = {}): Promise<number[]> {
  const slots = (await direct(cache.Endpoint!.Port!, auth).cluster("SLOTS")) as Array<[number, number, [string, number], [string, number]]>;
  return [slots[0]![2][1], slots[0]![3][1]];
}

async function modify(input: Omit<ConstructorParameters<typeof ModifyServerlessCacheCommand>[0], "ServerlessCacheName">, name: string): Promise<ServerlessCache> {
  await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: name, ...input }));
  return describeServerlessCache(sdk, name, (c) => c.Status === "available");
}

/** `perSecond` one-ECPU SETs a second for 1.5 s: the rate the client got. */
async function rate(client: Cluster, perSecond: number, tag: string): Promise<number> {
  const { commands, seconds } = await offerSets(client, perSecond, tag, 15);
  return commands / seconds;
}

beforeAll(async () => {
  emulator = await startEmulator();
  sdk = sdkClient(emulator);
  ca = await fetchCa(emulator);
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await emulator?.stop();
});

describe("the ports of a Valkey serverless cache", () => {
  it("are the engines' own without a limit; an ECPUPerSecond limit puts the front there live (data kept, the limit throttles), removing it gives them back", async () => {
    const name = "sl-switch";
    await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: "valkey" }));
    const cache = await describeServerlessCache(sdk, name, (c) => c.Status === "available");
    const ports = [cache.Endpoint!.Port!, cache.ReaderEndpoint!.Port!];
    expect(await listeners(cache)).toEqual(["engine", "engine"]);
    expect(await slotPorts(cache)).toEqual(ports);
    const client = cluster(cache);
    for (let i = 0; i < 20; i++) await client.set(`k${i}`, String(i));

    await modify({ CacheUsageLimits: { ECPUPerSecond: { Maximum: LIMIT } } }, name);
    expect(await listeners(cache)).toEqual(["front", "front"]);
    expect(await slotPorts(cache)).toEqual(ports);
    // The open client was closed at the switch and reconnects; its keys are there.
    expect(await client.get("k7")).toBe("7");
    expect(await rate(client, 2 * LIMIT, "limited")).toBeLessThanOrEqual(LIMIT * 1.15);

    await modify({ CacheUsageLimits: { ECPUPerSecond: { Minimum: 0, Maximum: 0 } } }, name);
    expect(await listeners(cache)).toEqual(["engine", "engine"]);
    expect(await slotPorts(cache)).toEqual(ports);
    expect(await client.get("k19")).toBe("19");
    expect(await rate(client, 2 * LIMIT, "free")).toBeGreaterThan(LIMIT * 1.3);
  }, 90_000);

  it("get the front while the user group has an IAM user (tokens checked), and give it back when the group goes", async () => {
    const name = "sl-switch-iam";
    const keys = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
    await sdk.send(new CreateUserCommand({ UserId: "sw-default", UserName: "default", Engine: "redis", AccessString: "on ~* +@all", NoPasswordRequired: true }));
    await sdk.send(new CreateUserCommand({ UserId: "sw-iam", UserName: "sw-iam", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } }));
    await sdk.send(new CreateUserGroupCommand({ UserGroupId: "sw-group", Engine: "redis", UserIds: ["sw-default", "sw-iam"] }));
    await waitForUserGroup(sdk, "sw-group");
    await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: "valkey" }));
    const cache = await describeServerlessCache(sdk, name, (c) => c.Status === "available");
    expect(await listeners(cache)).toEqual(["engine", "engine"]);
    await cluster(cache).set("kept", "yes");

    await modify({ UserGroupId: "sw-group" }, name);
    expect(await listeners(cache)).toEqual(["front", "front"]);
    const token = generateIamAuthToken({ cacheName: name, userId: "sw-iam", region: "us-east-1", serverless: true, ...keys });
    const iam = cluster(cache, { username: "sw-iam", password: token });
    expect(await iam.get("kept")).toBe("yes");

    await modify({ RemoveUserGroup: true }, name);
    expect(await listeners(cache)).toEqual(["engine", "engine"]);
    expect(await cluster(cache).get("kept")).toBe("yes");
  }, 90_000);
});
