/**
 * IAM authentication on a cluster mode enabled replication group: ioredis's Cluster client
 * authenticates every node with a token for the group, and MOVED / CLUSTER SLOTS lead to the
 * nodes' token-checking ports, where a token for another cache is refused.
 */
import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DescribeCacheClustersCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import Redis, { Cluster } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { generateIamAuthToken } from "../../src/iam-token.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { fetchCa } from "../helpers/tls.js";
import { Connections, waitForUserGroup } from "../helpers/users.js";
import { waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let ca: string;
const connections = new Connections();
const clusters: Cluster[] = [];
let configuration: { Address?: string; Port?: number };
let nodePorts: number[];

const token = (cacheName = "iam-shards") =>
  generateIamAuthToken({ cacheName, userId: "iam-app", region: "us-east-1", accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  ca = await fetchCa(emulator);
  await client.send(new CreateUserCommand({ UserId: "iam-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true }));
  await client.send(new CreateUserCommand({ UserId: "iam-app", UserName: "iam-app", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } }));
  await client.send(new CreateUserGroupCommand({ UserGroupId: "iam-users", Engine: "redis", UserIds: ["iam-default", "iam-app"] }));
  await waitForUserGroup(client, "iam-users");
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: "iam-shards",
      ReplicationGroupDescription: "iam",
      CacheNodeType: "cache.t3.micro",
      Engine: "redis",
      EngineVersion: "7.0",
      NumNodeGroups: 2,
      ReplicasPerNodeGroup: 0,
      CacheParameterGroupName: "default.redis7.cluster.on",
      TransitEncryptionEnabled: true,
      UserGroupIds: ["iam-users"],
    }),
  );
  const group = await waitForReplicationGroup(client, "iam-shards", (g) => g.Status === "available");
  configuration = group.ConfigurationEndpoint!;
  const members = await Promise.all(
    group.MemberClusters!.map(async (id) => (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0]),
  );
  nodePorts = members.map((m) => m.CacheNodes![0].Endpoint!.Port!);
}, 120_000);
afterEach(() => {
  connections.closeAll();
  for (const c of clusters.splice(0)) c.disconnect();
});
afterAll(async () => {
  await emulator?.stop();
});

it("ioredis Cluster authenticates every node with a token and follows the slots", async () => {
  const cluster = new Cluster([{ host: configuration.Address!, port: configuration.Port! }], {
    redisOptions: { tls: { ca }, username: "iam-app", password: token() },
    dnsLookup: (address, callback) => callback(null, address),
    clusterRetryStrategy: () => null,
  });
  clusters.push(cluster);
  for (let i = 0; i < 40; i++) await cluster.set(`key:${i}`, String(i));
  for (let i = 0; i < 40; i++) expect(await cluster.get(`key:${i}`)).toBe(String(i));
  const masters = cluster.nodes("master");
  expect(masters.map((n) => n.options.port).sort()).toEqual([...nodePorts].sort());
  for (const node of masters) expect(await node.acl("WHOAMI")).toBe("iam-app");
});

it("MOVED points at a node's token-checking port; a token for another cache is refused there", async () => {
  const first = await connections.connect({ Address: configuration.Address, Port: nodePorts[0] }, { tls: { ca }, username: "iam-app", password: token() });
  let moved: string | undefined;
  for (let i = 0; moved === undefined && i < 100; i++) {
    await first.get(`probe:${i}`).catch((e: Error) => (moved = e.message));
  }
  const match = /^MOVED \d+ ([^:]+):(\d+)$/.exec(moved ?? "");
  expect(match, moved).not.toBeNull();
  expect(Number(match![2])).toBe(nodePorts[1]);
  const target = { Address: match![1], Port: Number(match![2]) };
  const refused = await connections.connect(target, { tls: { ca } });
  await expect(refused.call("AUTH", "iam-app", token("other-cache"))).rejects.toThrow(/^WRONGPASS/);
  expect(await refused.call("AUTH", "iam-app", token())).toBe("OK");
  const slots = (await refused.call("CLUSTER", "SLOTS")) as Array<[number, number, [string, number]]>;
  expect(slots.map((s) => s[2][1]).sort()).toEqual([...nodePorts].sort());
});

it("a plaintext client cannot reach a TLS-required node through its port", async () => {
  const plain = new Redis(nodePorts[0], configuration.Address!, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  plain.on("error", () => undefined);
  const reply = await plain.connect().then(() => plain.ping()).catch((e: Error) => e.message);
  plain.disconnect();
  expect(reply).not.toBe("PONG");
});
