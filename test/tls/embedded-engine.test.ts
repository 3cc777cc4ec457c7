/**
 * The embedded engine subset has no TLS and no ACLs: a create (or modify) asking for TLS in
 * transit, and so for AUTH tokens or user groups, is refused with a reason naming the binary
 * to install, instead of a cache that runs open or never starts.
 */
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  ModifyReplicationGroupCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForUserGroup } from "../helpers/users.js";
import { waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;

beforeAll(async () => {
  emulator = await startEmulator({ engineMode: "embedded" });
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

it("refuses TLS in transit on a cache cluster, Redis and Memcached, naming the binary", async () => {
  const create = (id: string, engine: string, extra = {}) =>
    client.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: engine, CacheNodeType: "cache.t3.micro", NumCacheNodes: 1, TransitEncryptionEnabled: true, ...extra }));
  await expectAwsError(create("tls-redis", "redis"), "InvalidParameterCombination", 400, /redis-server or valkey-server is not installed.*no TLS and no ACLs/);
  await expectAwsError(create("tls-token", "redis", { AuthToken: "a-very-long-token-123" }), "InvalidParameterCombination", 400, /redis-server/);
  await expectAwsError(create("tls-mc", "memcached", { EngineVersion: "1.6.22" }), "InvalidParameterCombination", 400, /memcached is not installed/);
});

it("refuses a replication group with user groups (IAM users included), and turning TLS on later", async () => {
  await client.send(new CreateUserCommand({ UserId: "iam-app", UserName: "iam-app", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } }));
  await client.send(new CreateUserCommand({ UserId: "def", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true }));
  await client.send(new CreateUserGroupCommand({ UserGroupId: "iam-users", Engine: "redis", UserIds: ["def", "iam-app"] }));
  await waitForUserGroup(client, "iam-users");
  const group = (id: string, extra = {}) =>
    client.send(new CreateReplicationGroupCommand({ ReplicationGroupId: id, ReplicationGroupDescription: "x", CacheNodeType: "cache.t3.micro", EngineVersion: "7.0", ...extra }));
  await expectAwsError(group("rbac", { TransitEncryptionEnabled: true, UserGroupIds: ["iam-users"] }), "InvalidParameterCombination", 400, /no TLS and no ACLs/);
  await group("plain");
  await waitForReplicationGroup(client, "plain", (g) => g.Status === "available");
  await expectAwsError(
    client.send(new ModifyReplicationGroupCommand({ ReplicationGroupId: "plain", TransitEncryptionEnabled: true, TransitEncryptionMode: "preferred", ApplyImmediately: true })),
    "InvalidParameterCombination",
    400,
    /no TLS and no ACLs/,
  );
  const after = await waitForReplicationGroup(client, "plain", (g) => g.Status === "available");
  expect(after.TransitEncryptionEnabled).toBe(false);
});
