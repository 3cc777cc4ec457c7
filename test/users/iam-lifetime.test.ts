/**
 * IAM-authenticated connections end after their lifetime (AWS: 12 hours, here
 * `iamConnectionLifetimeMs`) unless they authenticate again; with --strict-auth a token's
 * signature must be made with one of the configured credentials.
 */
import { CreateReplicationGroupCommand, CreateUserCommand, CreateUserGroupCommand, type ElastiCacheClient, type Endpoint } from "@aws-sdk/client-elasticache";
import type Redis from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { generateIamAuthToken, type IamTokenRequest } from "../../src/iam-token.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { fetchCa } from "../helpers/tls.js";
import { Connections, waitForUserGroup } from "../helpers/users.js";
import { waitForReplicationGroup } from "../helpers/wait.js";

const LIFETIME_MS = 4000;
const KEY = { accessKeyId: "AKIDSTRICTEXAMPLE", secretAccessKey: "strict-secret-key" };
let emulator: Emulator;
let client: ElastiCacheClient;
let ca: string;
let primary: Endpoint;
const connections = new Connections();
const PASSWORD_USER = { username: "pw-app", password: "pw-app-password-0123456789" };

const token = (over: Partial<IamTokenRequest> = {}) => generateIamAuthToken({ cacheName: "iam-life", userId: "iam-app", region: "us-east-1", ...KEY, ...over });
const closed = (redis: Redis) => new Promise<void>((resolve) => redis.once("end", () => resolve()));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  emulator = await startEmulator({
    strictAuth: true,
    credentials: [{ accessKeyId: "test", secretAccessKey: "test" }, KEY],
    iamConnectionLifetimeMs: LIFETIME_MS,
  });
  client = sdkClient(emulator);
  ca = await fetchCa(emulator);
  await client.send(new CreateUserCommand({ UserId: "iam-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true }));
  await client.send(new CreateUserCommand({ UserId: "iam-app", UserName: "iam-app", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } }));
  await client.send(new CreateUserCommand({ UserId: "pw-app", UserName: "pw-app", Engine: "redis", AccessString: "on ~* +@all", Passwords: [PASSWORD_USER.password] }));
  await client.send(new CreateUserGroupCommand({ UserGroupId: "iam-users", Engine: "redis", UserIds: ["iam-default", "iam-app", "pw-app"] }));
  await waitForUserGroup(client, "iam-users");
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: "iam-life",
      ReplicationGroupDescription: "iam",
      CacheNodeType: "cache.t3.micro",
      Engine: "redis",
      EngineVersion: "7.1",
      NumCacheClusters: 1,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: "preferred",
      UserGroupIds: ["iam-users"],
    }),
  );
  primary = (await waitForReplicationGroup(client, "iam-life", (g) => g.Status === "available")).NodeGroups![0].PrimaryEndpoint!;
});
afterEach(() => connections.closeAll());
afterAll(async () => {
  await emulator?.stop();
});

it("strict mode: a token signed with a configured credential gets in; another secret or key does not", async () => {
  const redis = await connections.connect(primary, { tls: { ca } });
  await expect(redis.call("AUTH", "iam-app", token({ secretAccessKey: "not-the-secret" }))).rejects.toThrow(/^WRONGPASS/);
  await expect(redis.call("AUTH", "iam-app", token({ accessKeyId: "AKIDUNKNOWN" }))).rejects.toThrow(/^WRONGPASS/);
  expect(await redis.call("AUTH", "iam-app", token())).toBe("OK");
});

it("TransitEncryptionMode preferred: a plaintext client authenticates with a token too", async () => {
  const plain = await connections.connect(primary, { username: "iam-app", password: token() });
  expect(await plain.acl("WHOAMI")).toBe("iam-app");
  const refused = await connections.connect(primary);
  await expect(refused.call("AUTH", "iam-app", "garbage")).rejects.toThrow(/^WRONGPASS/);
});

it("closes an IAM connection at the end of its lifetime, unless it authenticated again; password users stay", async () => {
  const renewed = await connections.connect(primary, { tls: { ca }, username: "iam-app", password: token() });
  const expiring = await connections.connect(primary, { tls: { ca }, username: "iam-app", password: token() });
  const password = await connections.connect(primary, { tls: { ca }, ...PASSWORD_USER });
  await expiring.ping();
  const expiringEnd = closed(expiring);
  await sleep(LIFETIME_MS / 2);
  expect(await renewed.call("AUTH", "iam-app", token())).toBe("OK");
  await expiringEnd;
  expect(await renewed.ping()).toBe("PONG");
  expect(await password.ping()).toBe("PONG");
  // The renewed one ends in turn, a lifetime after its new AUTH.
  await closed(renewed);
  expect(await password.ping()).toBe("PONG");
});
