/**
 * Serverless caches with a public endpoint (`ConnectionType` `public`) and AWS's system-managed
 * `default.iam-user` / `default.iam-user-group`: the pair is there when named, cannot be
 * changed, gets a client in with an IAM token on a public cache; a public cache needs a user
 * group of IAM users only, on create and through every change of its group or its users.
 */
import {
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ModifyServerlessCacheCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { Cluster } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateIamAuthToken } from "../../src/iam-token.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { fetchCa } from "../helpers/tls.js";
import { Connections, waitForUserGroup } from "../helpers/users.js";
import { describeServerlessCache } from "./helpers.js";

let emulator: Emulator;
let sdk: ElastiCacheClient;
let ca: string;
const connections = new Connections();
const clusters: Cluster[] = [];
const CACHE = "public-cache";
const KEYS = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const PUBLIC_REFUSAL = /with ConnectionType public needs a user group whose users all authenticate with IAM/;

/**
 * CreateServerlessCache as a raw Query request: the JavaScript SDK installed here predates
 * `ConnectionType` (it drops the parameter); the service model has it.
 */
async function createPublicCache(params: Record<string, string>): Promise<{ status: number; text: string }> {
  const body = new URLSearchParams({ Action: "CreateServerlessCache", Version: "2015-02-02", ConnectionType: "public", ...params });
  const response = await fetch(`${emulator.url}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  return { status: response.status, text: await response.text() };
}

const errorOf = (text: string) => ({ code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? "" });

const token = (userId: string) => generateIamAuthToken({ cacheName: CACHE, userId, region: "us-east-1", serverless: true, ...KEYS });

beforeAll(async () => {
  emulator = await startEmulator();
  sdk = sdkClient(emulator);
  ca = await fetchCa(emulator);
}, 60_000);
afterEach(() => {
  connections.closeAll();
  for (const c of clusters.splice(0)) c.disconnect();
});
afterAll(async () => {
  await emulator?.stop();
});

describe("default.iam-user and default.iam-user-group", () => {
  it("are there when named: a valkey IAM user and a valkey user group holding only it", async () => {
    const group = (await sdk.send(new DescribeUserGroupsCommand({ UserGroupId: "default.iam-user-group" }))).UserGroups![0];
    expect(group).toMatchObject({ UserGroupId: "default.iam-user-group", Engine: "valkey", Status: "active", UserIds: ["default.iam-user"] });
    expect(group.ARN).toBe("arn:aws:elasticache:us-east-1:000000000000:usergroup:default.iam-user-group");
    // The model's UserId pattern has no dot: the user is found with a filter (or in the list).
    const user = (await sdk.send(new DescribeUsersCommand({ Filters: [{ Name: "user-id", Values: ["default.iam-user"] }] }))).Users![0];
    expect(user).toMatchObject({ UserId: "default.iam-user", UserName: "default.iam-user", Engine: "valkey", Status: "active", AccessString: "on ~* +@all" });
    expect(user.Authentication).toEqual({ Type: "iam" });
    // Listed like any other from then on.
    const all = (await sdk.send(new DescribeUserGroupsCommand({}))).UserGroups!.map((g) => g.UserGroupId);
    expect(all).toContain("default.iam-user-group");
  });

  it("cannot be modified or deleted", async () => {
    // The model's UserId pattern already refuses the user's id on ModifyUser and DeleteUser.
    await expectAwsError(sdk.send(new ModifyUserCommand({ UserId: "default.iam-user", AccessString: "on ~app:* +@all" })), "InvalidParameterValue", 400);
    await expectAwsError(sdk.send(new DeleteUserCommand({ UserId: "default.iam-user" })), "InvalidParameterValue", 400);
    await expectAwsError(sdk.send(new DeleteUserGroupCommand({ UserGroupId: "default.iam-user-group" })), "InvalidParameterValue", 400, /managed by ElastiCache/);
    await expectAwsError(
      sdk.send(new ModifyUserGroupCommand({ UserGroupId: "default.iam-user-group", Engine: "valkey" })),
      "InvalidParameterValue",
      400,
      /managed by ElastiCache/,
    );
    expect((await sdk.send(new DescribeUserGroupsCommand({ UserGroupId: "default.iam-user-group" }))).UserGroups![0].UserIds).toEqual(["default.iam-user"]);
  });
});

describe("a serverless cache with ConnectionType public", () => {
  beforeAll(async () => {
    await sdk.send(new CreateUserCommand({ UserId: "pub-iam", UserName: "pub-iam", Engine: "valkey", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } }));
    await sdk.send(new CreateUserCommand({ UserId: "pub-pw", UserName: "pub-pw", Engine: "valkey", AccessString: "on ~* +@all", Passwords: ["pub-pw-password-0123456789"] }));
    await sdk.send(new CreateUserGroupCommand({ UserGroupId: "pub-iam-only", Engine: "valkey", UserIds: ["pub-iam"] }));
    await sdk.send(new CreateUserGroupCommand({ UserGroupId: "pub-mixed", Engine: "valkey", UserIds: ["pub-iam", "pub-pw"] }));
    await waitForUserGroup(sdk, "pub-iam-only");
    await waitForUserGroup(sdk, "pub-mixed");
  });

  it("is refused without a user group, with a user group that has a password user, and on memcached", async () => {
    const refused = async (extra: Record<string, string>) => {
      const { status, text } = await createPublicCache({ ServerlessCacheName: "pub-refused", Engine: "valkey", ...extra });
      expect(status).toBe(400);
      return errorOf(text);
    };
    expect(await refused({})).toEqual({ code: "InvalidParameterCombination", message: expect.stringMatching(PUBLIC_REFUSAL) });
    expect(await refused({ UserGroupId: "pub-mixed" })).toEqual({ code: "InvalidParameterCombination", message: expect.stringMatching(/user pub-pw of user group pub-mixed does not/) });
    expect(await refused({ Engine: "memcached" })).toEqual({ code: "InvalidParameterCombination", message: expect.stringMatching(/valkey engine only, not memcached/) });
    expect(await refused({ Engine: "redis" })).toEqual({ code: "InvalidParameterCombination", message: expect.stringMatching(/valkey engine only, not redis/) });
    // And a VPC cache (the default) needs no such group.
    const vpc = await createPublicCache({ ServerlessCacheName: "vpc-cache", Engine: "valkey", ConnectionType: "vpc" });
    expect(vpc.status).toBe(200);
  });

  it("with default.iam-user-group lets default.iam-user in with a serverless token, and nobody without one", async () => {
    const created = await createPublicCache({ ServerlessCacheName: CACHE, Engine: "valkey", UserGroupId: "default.iam-user-group" });
    expect(created.status).toBe(200);
    expect(created.text).toContain("<ConnectionType>public</ConnectionType>");
    expect(created.text).toContain("<UserGroupId>default.iam-user-group</UserGroupId>");
    const cache = await describeServerlessCache(sdk, CACHE, (c) => c.Status === "available");
    const endpoint = cache.Endpoint!;
    const cluster = new Cluster([{ host: endpoint.Address!, port: endpoint.Port! }], {
      redisOptions: { tls: { ca }, username: "default.iam-user", password: token("default.iam-user") },
      dnsLookup: (address, callback) => callback(null, address),
      clusterRetryStrategy: () => null,
    });
    clusters.push(cluster);
    expect(await cluster.set("public:k", "v")).toBe("OK");
    expect(await cluster.get("public:k")).toBe("v");

    const anonymous = await connections.connect(endpoint, { tls: { ca } });
    await expect(anonymous.get("public:k")).rejects.toThrow(/^NOAUTH/);
    const garbage = await connections.connect(endpoint, { tls: { ca } });
    await expect(garbage.call("AUTH", "default.iam-user", "not-a-token")).rejects.toThrow(/^WRONGPASS/);
  });

  it("keeps only IAM users: its group cannot be removed or changed to one with a password user, nor that group's users", async () => {
    await expectAwsError(sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: CACHE, RemoveUserGroup: true })), "InvalidParameterCombination", 400, PUBLIC_REFUSAL);
    await expectAwsError(sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: CACHE, UserGroupId: "pub-mixed" })), "InvalidParameterCombination", 400, PUBLIC_REFUSAL);
    // Another all-IAM group is fine; then that group's users must stay IAM users.
    await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: CACHE, UserGroupId: "pub-iam-only" }));
    await describeServerlessCache(sdk, CACHE, (c) => c.Status === "available" && c.UserGroupId === "pub-iam-only");
    await expectAwsError(sdk.send(new ModifyUserGroupCommand({ UserGroupId: "pub-iam-only", UserIdsToAdd: ["pub-pw"] })), "InvalidParameterCombination", 400, /user pub-pw of user group pub-iam-only would not authenticate with IAM/);
    await expectAwsError(
      sdk.send(new ModifyUserCommand({ UserId: "pub-iam", AuthenticationMode: { Type: "password", Passwords: ["now-a-password-0123456789"] } })),
      "InvalidParameterCombination",
      400,
      /user pub-iam of user group pub-iam-only would not authenticate with IAM/,
    );
    expect((await sdk.send(new DescribeUserGroupsCommand({ UserGroupId: "pub-iam-only" }))).UserGroups![0].UserIds).toEqual(["pub-iam"]);
    expect((await sdk.send(new DescribeUsersCommand({ UserId: "pub-iam" }))).Users![0].Authentication!.Type).toBe("iam");
  });
});
