/**
 * `aws_elasticache_user`, replayed through the SDK as the Terraform AWS provider drives it
 * (internal/service/elasticache/user.go and its acceptance tests in user_test.go):
 * - create: CreateUser with NoPasswordRequired always sent (false unless set), Passwords or an
 *   AuthenticationMode block, Engine as written ("REDIS"), Tags; then `waitUserCreated`
 *   (pending creating, target active);
 * - read, after create and after every update: `waitUserUpdated` (pending modifying, target
 *   active), then AccessString, ARN, Authentication {Type, PasswordCount}, Engine, UserId,
 *   UserName; tags through ListTagsForResource;
 * - update: one ModifyUser with every changed field, then `waitUserUpdated`;
 * - delete: DeleteUser (UserNotFound counts as done), then `waitUserDeleted` (pending
 *   deleting, target NotFound).
 * Every change is checked on the engine too: the user is in a user group of a replication
 * group, and ioredis connects (or is refused) with the user's passwords and access string.
 */
import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteUserCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ListTagsForResourceCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  type CreateUserCommandInput,
  type ElastiCacheClient,
  type Endpoint,
  type User,
} from "@aws-sdk/client-elasticache";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { orNotFound, stateChange, type Observed } from "../helpers/terraform.js";
import { Connections, waitForUserGroup } from "../helpers/users.js";
import { describeReplicationGroup, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let endpoint: Endpoint;
const connections = new Connections();

/** The access string of the provider's acceptance tests: read-only on `app::*`, a few writes taken back. */
const TF_ACCESS_STRING =
  "on ~app::* -@all +@read +@hash +@bitmap +@geo -setbit -bitfield -hset -hsetnx -hmset -hincrby -hincrbyfloat -hdel -bitop -geoadd -georadius -georadiusbymember";
const GROUP = "tf-users";

// ---- the provider's calls, replayed ----

function statusUser(id: string): () => Promise<Observed<User>> {
  return () =>
    orNotFound(async () => {
      const user = (await client.send(new DescribeUsersCommand({ UserId: id }))).Users?.[0];
      return user && { status: user.Status!, value: user };
    }, ["UserNotFound"]);
}

const waitUserCreated = (id: string) => stateChange({ what: `user ${id} created`, pending: ["creating"], target: ["active"], refresh: statusUser(id) });
const waitUserUpdated = (id: string) => stateChange({ what: `user ${id} updated`, pending: ["modifying"], target: ["active"], refresh: statusUser(id) });
const waitUserDeleted = (id: string) => stateChange({ what: `user ${id} deleted`, pending: ["deleting"], target: ["NotFound"], refresh: statusUser(id) });

/** What `resourceUserRead` puts in the state (passwords themselves are never read back). */
async function readUser(id: string) {
  const observed = await waitUserUpdated(id);
  expect(observed.status).toBe("active");
  const user = observed.value!;
  const { TagList } = await client.send(new ListTagsForResourceCommand({ ResourceName: user.ARN }));
  return {
    access_string: user.AccessString,
    arn: user.ARN,
    authentication_mode: { type: user.Authentication?.Type, password_count: user.Authentication?.PasswordCount ?? 0 },
    engine: user.Engine,
    user_id: user.UserId,
    user_name: user.UserName,
    tags: Object.fromEntries((TagList ?? []).map((t) => [t.Key, t.Value])),
  };
}

/** `resourceUserCreate`: CreateUser as the provider builds it, the id from the answer, the created waiter, a read. */
async function createUser(config: Omit<CreateUserCommandInput, "NoPasswordRequired"> & { NoPasswordRequired?: boolean }) {
  const output = await client.send(new CreateUserCommand({ NoPasswordRequired: false, ...config }));
  const id = output.UserId!;
  await waitUserCreated(id);
  return { id, state: await readUser(id) };
}

/** `resourceUserDelete`: DeleteUser (UserNotFound counts as done), then the deleted waiter. */
async function deleteUser(id: string): Promise<void> {
  await client.send(new DeleteUserCommand({ UserId: id })).catch((e: { Code?: string }) => {
    if (e.Code !== "UserNotFound") throw e;
  });
  expect((await waitUserDeleted(id)).status).toBe("NotFound");
}

/** Puts a user in the replication group's user group (another resource of the same configuration). */
async function attach(id: string): Promise<void> {
  await client.send(new ModifyUserGroupCommand({ UserGroupId: GROUP, UserIdsToAdd: [id] }));
  await waitForUserGroup(client, GROUP);
}

// ---- what the engine says ----

/** AUTH as `username` on a fresh connection: "OK" or the engine's error. */
async function auth(username: string, password: string): Promise<string> {
  const redis = await connections.connect(endpoint);
  return redis.call("AUTH", username, password).then(
    (r) => String(r),
    (e: Error) => e.message,
  );
}

/** One command as `username`: its reply, or the engine's error. */
async function runAs(username: string, password: string, ...command: string[]): Promise<string> {
  const redis = await connections.connect(endpoint, { username, password });
  return redis.call(command[0]!, ...command.slice(1)).then(
    (r) => String(r),
    (e: Error) => e.message,
  );
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  // A replication group whose user group lets nobody in without AUTH.
  await client.send(new CreateUserCommand({ UserId: "locked-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true }));
  await client.send(new CreateUserGroupCommand({ UserGroupId: GROUP, Engine: "redis", UserIds: ["locked-default"] }));
  await waitForUserGroup(client, GROUP);
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: "tf-users-rg",
      ReplicationGroupDescription: "users",
      CacheNodeType: "cache.t3.micro",
      NumCacheClusters: 1,
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: "preferred",
      UserGroupIds: [GROUP],
    }),
  );
  await waitForReplicationGroup(client, "tf-users-rg", (g) => g.Status === "available");
  endpoint = (await describeReplicationGroup(client, "tf-users-rg")).NodeGroups![0].PrimaryEndpoint!;
});
afterEach(() => connections.closeAll());
afterAll(async () => {
  await emulator?.stop();
});

describe("aws_elasticache_user with passwords (TestAccElastiCacheUser_basic, _update, _tags)", () => {
  const id = "tf-acc-user-basic";

  it("creates with NoPasswordRequired=false and Passwords, and reads back what was written", async () => {
    const { id: created, state } = await createUser({
      UserId: id,
      UserName: "username1",
      AccessString: TF_ACCESS_STRING,
      Engine: "REDIS",
      Passwords: ["password123456789"],
      Tags: [{ Key: "tagKey", Value: "tagVal" }],
    });
    expect(created).toBe(id);
    expect(state).toEqual({
      access_string: TF_ACCESS_STRING,
      arn: `arn:aws:elasticache:us-east-1:000000000000:user:${id}`,
      authentication_mode: { type: "password", password_count: 1 },
      engine: "redis",
      user_id: id,
      user_name: "username1",
      tags: { tagKey: "tagVal" },
    });
  });

  it("gets the access string and password on the engine", async () => {
    await attach(id);
    expect(await auth("username1", "password123456789")).toBe("OK");
    expect(await runAs("username1", "password123456789", "GET", "app::1")).toBe("null");
    expect(await runAs("username1", "password123456789", "SET", "app::1", "x")).toMatch(/^NOPERM/);
    expect(await runAs("username1", "password123456789", "HSET", "app::h", "f", "v")).toMatch(/^NOPERM/);
    expect(await runAs("username1", "password123456789", "GET", "other:1")).toMatch(/^NOPERM/);
  });

  it("updates the access string and both passwords in one ModifyUser: modifying, then active, then the engine has them", async () => {
    const modified = await client.send(
      new ModifyUserCommand({ UserId: id, AccessString: "on ~* +@all", Passwords: ["password234567891", "password345678912"] }),
    );
    expect(modified.Status).toBe("modifying");
    const state = await readUser(id);
    expect(state).toMatchObject({ access_string: "on ~* +@all", authentication_mode: { type: "password", password_count: 2 } });
    expect(await auth("username1", "password123456789")).toMatch(/^WRONGPASS/);
    expect(await auth("username1", "password345678912")).toBe("OK");
    expect(await runAs("username1", "password234567891", "SET", "other:1", "x")).toBe("OK");
  });

  it("deletes: deleting, then NotFound; the engine no longer knows the user; a second delete is not an error to the provider", async () => {
    const deleting = await client.send(new DeleteUserCommand({ UserId: id }));
    expect(deleting.Status).toBe("deleting");
    expect((await waitUserDeleted(id)).status).toBe("NotFound");
    expect(await auth("username1", "password234567891")).toMatch(/^WRONGPASS/);
    expect((await client.send(new DescribeUserGroupsCommand({ UserGroupId: GROUP }))).UserGroups![0].UserIds).toEqual(["locked-default"]);
    await expectAwsError(client.send(new DeleteUserCommand({ UserId: id })), "UserNotFound", 404);
    await deleteUser(id);
  });
});

describe("aws_elasticache_user with an authentication_mode block (TestAccElastiCacheUser_password_auth_mode, _update_password_auth_mode)", () => {
  const id = "tf-acc-user-mode";

  it("creates with NoPasswordRequired=false and AuthenticationMode password (two passwords)", async () => {
    const { state } = await createUser({
      UserId: id,
      UserName: "moded",
      AccessString: TF_ACCESS_STRING,
      Engine: "REDIS",
      AuthenticationMode: { Type: "password", Passwords: ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"] },
    });
    expect(state.authentication_mode).toEqual({ type: "password", password_count: 2 });
    await attach(id);
    expect(await auth("moded", "aaaaaaaaaaaaaaaa")).toBe("OK");
    expect(await auth("moded", "bbbbbbbbbbbbbbbb")).toBe("OK");
  });

  it("goes to one password, then to two new ones, each through ModifyUser(AuthenticationMode) and the waiter", async () => {
    await client.send(new ModifyUserCommand({ UserId: id, AuthenticationMode: { Type: "password", Passwords: ["aaaaaaaaaaaaaaaa"] } }));
    expect((await readUser(id)).authentication_mode).toEqual({ type: "password", password_count: 1 });
    expect(await auth("moded", "aaaaaaaaaaaaaaaa")).toBe("OK");
    expect(await auth("moded", "bbbbbbbbbbbbbbbb")).toMatch(/^WRONGPASS/);

    await client.send(new ModifyUserCommand({ UserId: id, AuthenticationMode: { Type: "password", Passwords: ["cccccccccccccccc", "dddddddddddddddd"] } }));
    expect((await readUser(id)).authentication_mode).toEqual({ type: "password", password_count: 2 });
    expect(await auth("moded", "aaaaaaaaaaaaaaaa")).toMatch(/^WRONGPASS/);
    expect(await auth("moded", "cccccccccccccccc")).toBe("OK");
    expect(await auth("moded", "dddddddddddddddd")).toBe("OK");
  });

  it("moves to no-password-required and back to passwords with the authentication_mode block", async () => {
    await client.send(new ModifyUserCommand({ UserId: id, AuthenticationMode: { Type: "no-password-required" } }));
    expect((await readUser(id)).authentication_mode).toEqual({ type: "no-password", password_count: 0 });
    expect(await auth("moded", "any-password-at-all")).toBe("OK");
    // Terraform sends no_password_required only when it changed: here with the block.
    await client.send(
      new ModifyUserCommand({ UserId: id, NoPasswordRequired: false, AuthenticationMode: { Type: "password", Passwords: ["eeeeeeeeeeeeeeee"] } }),
    );
    expect((await readUser(id)).authentication_mode).toEqual({ type: "password", password_count: 1 });
    expect(await auth("moded", "any-password-at-all")).toMatch(/^WRONGPASS/);
    expect(await auth("moded", "eeeeeeeeeeeeeeee")).toBe("OK");
    await deleteUser(id);
  });
});

describe("aws_elasticache_user with other authentication modes", () => {
  it("creates an iam user whose id and name are the same (TestAccElastiCacheUser_iam_auth_mode), mixed case too", async () => {
    const { state } = await createUser({
      UserId: "tf-acc-iam",
      UserName: "tf-acc-iam",
      AccessString: TF_ACCESS_STRING,
      Engine: "REDIS",
      AuthenticationMode: { Type: "iam" },
    });
    expect(state).toMatchObject({ user_id: "tf-acc-iam", user_name: "tf-acc-iam", authentication_mode: { type: "iam", password_count: 0 } });
    // Ids are stored lowercase (the API reference: "This value is stored as a lowercase string").
    const { state: mixed } = await createUser({ UserId: "MyUser", UserName: "MyUser", AccessString: "on ~* +@all", Engine: "redis", AuthenticationMode: { Type: "iam" } });
    expect(mixed).toMatchObject({ user_id: "myuser", user_name: "MyUser", authentication_mode: { type: "iam" } });
    await deleteUser("tf-acc-iam");
    await deleteUser("myuser");
  });

  it("creates a no-password-required user from the block, and from no_password_required = true", async () => {
    const { state } = await createUser({
      UserId: "tf-acc-nopass",
      UserName: "nopass",
      AccessString: TF_ACCESS_STRING,
      Engine: "REDIS",
      AuthenticationMode: { Type: "no-password-required" },
    });
    expect(state.authentication_mode).toEqual({ type: "no-password", password_count: 0 });
    const { state: flag } = await createUser({ UserId: "tf-acc-nopass-flag", UserName: "nopass2", AccessString: "on ~* +@all", Engine: "REDIS", NoPasswordRequired: true });
    expect(flag.authentication_mode).toEqual({ type: "no-password", password_count: 0 });
    const { state: both } = await createUser({
      UserId: "tf-acc-nopass-both",
      UserName: "nopass3",
      AccessString: "on ~* +@all",
      Engine: "REDIS",
      NoPasswordRequired: true,
      AuthenticationMode: { Type: "no-password-required" },
    });
    expect(both.authentication_mode).toEqual({ type: "no-password", password_count: 0 });
    for (const id of ["tf-acc-nopass", "tf-acc-nopass-flag", "tf-acc-nopass-both"]) await deleteUser(id);
  });

  it("creates a valkey user (engine = \"VALKEY\")", async () => {
    const { state } = await createUser({ UserId: "tf-acc-valkey", UserName: "vk", AccessString: "on ~* +@all", Engine: "VALKEY", Passwords: ["password123456789"] });
    expect(state).toMatchObject({ engine: "valkey", authentication_mode: { type: "password", password_count: 1 } });
    await deleteUser("tf-acc-valkey");
  });
});

describe("aws_elasticache_user engine change (engine = \"VALKEY\" on update)", () => {
  it("moves a user to valkey once its user group is valkey; a redis group keeps only redis users", async () => {
    await createUser({ UserId: "tf-acc-move", UserName: "mover", AccessString: "on ~* +@all", Engine: "REDIS", Passwords: ["password123456789"] });
    await client.send(
      new CreateUserCommand({ UserId: "move-default", UserName: "default", AccessString: "off", Engine: "redis", Passwords: ["password123456789"] }),
    );
    await client.send(new CreateUserGroupCommand({ UserGroupId: "movers", Engine: "redis", UserIds: ["move-default", "tf-acc-move"] }));
    await waitForUserGroup(client, "movers");
    await expectAwsError(client.send(new ModifyUserCommand({ UserId: "tf-acc-move", Engine: "VALKEY" })), "InvalidParameterValue", 400);
    expect((await readUser("tf-acc-move")).engine).toBe("redis");
    await client.send(new ModifyUserGroupCommand({ UserGroupId: "movers", Engine: "valkey" }));
    await waitForUserGroup(client, "movers");
    await client.send(new ModifyUserCommand({ UserId: "tf-acc-move", Engine: "VALKEY" }));
    expect(await readUser("tf-acc-move")).toMatchObject({ engine: "valkey", authentication_mode: { type: "password", password_count: 1 } });
  });
});

describe("what AWS refuses, in AWS's words", () => {
  const base = { UserId: "tf-acc-refused", UserName: "refused", AccessString: "on ~* +@all", Engine: "REDIS", NoPasswordRequired: false };

  it("no authentication at all, and an authentication type AWS does not know", async () => {
    await expectAwsError(
      client.send(new CreateUserCommand(base)),
      "InvalidParameterValue",
      400,
      "Input Authentication type: null is not in the allowed list: [password,no-password-required,iam]",
    );
    await expectAwsError(
      client.send(new CreateUserCommand({ ...base, AuthenticationMode: { Type: "invalidtype" as "iam" } })),
      "InvalidParameterValue",
      400,
      "Input Authentication type: invalidtype is not in the allowed list: [password,no-password-required,iam]",
    );
  });

  it("an iam user whose id and name differ", async () => {
    await expectAwsError(
      client.send(new CreateUserCommand({ ...base, UserId: "testUserId", UserName: "testUserName", AuthenticationMode: { Type: "iam" } })),
      "InvalidParameterCombination",
      400,
      "User Id and User name must be same for authentication type: iam",
    );
  });

  it("a password shorter than 16 or longer than 128 characters", async () => {
    for (const password of ["short", "x".repeat(129)]) {
      await expectAwsError(
        client.send(new CreateUserCommand({ ...base, Passwords: [password] })),
        "InvalidParameterValue",
        400,
        "Passwords length must be between 16-128 characters.",
      );
    }
    await expectAwsError(client.send(new DescribeUsersCommand({ UserId: base.UserId })), "UserNotFound", 404);
  });
});
