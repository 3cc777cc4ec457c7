/**
 * `aws_elasticache_user_group`, replayed through the SDK as the Terraform AWS provider drives it
 * (internal/service/elasticache/user_group.go and its acceptance tests in user_group_test.go):
 * - create: CreateUserGroup(Engine as written, "REDIS"; UserGroupId; UserIds; Tags), then
 *   `waitUserGroupCreated` (pending creating and modifying, target active);
 * - read, after create and update: ARN, Engine, UserIds, UserGroupId; tags through
 *   ListTagsForResource;
 * - update: one ModifyUserGroup with UserIdsToAdd / UserIdsToRemove (the set difference), then
 *   `waitUserGroupUpdated` (pending modifying, target active);
 * - delete: DeleteUserGroup (UserGroupNotFound counts as done), then `waitUserGroupDeleted`
 *   (pending deleting, target NotFound).
 * The group is attached to a replication group (as `user_group_ids` would attach it), and every
 * change is checked on the engine with ioredis.
 */
import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteReplicationGroupCommand,
  DeleteUserGroupCommand,
  DescribeUserGroupsCommand,
  ListTagsForResourceCommand,
  ModifyUserGroupCommand,
  type CreateUserGroupCommandInput,
  type ElastiCacheClient,
  type Endpoint,
  type UserGroup,
} from "@aws-sdk/client-elasticache";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { orNotFound, stateChange, type Observed } from "../helpers/terraform.js";
import { Connections } from "../helpers/users.js";
import { describeReplicationGroup, GONE, orGone, waitFor, waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const connections = new Connections();

const TF_ACCESS_STRING =
  "on ~app::* -@all +@read +@hash +@bitmap +@geo -setbit -bitfield -hset -hsetnx -hmset -hincrby -hincrbyfloat -hdel -bitop -geoadd -georadius -georadiusbymember";
const GROUP = "tf-acc-group";
const DEFAULT_USER = { id: `${GROUP}-1`, name: "default", password: "password123456789" };
const SECOND_USER = { id: `${GROUP}-2`, name: "username1", password: "password987654321" };
const NOT_FOUND = ["UserGroupNotFound"];

// ---- the provider's calls, replayed ----

function statusUserGroup(id: string): () => Promise<Observed<UserGroup>> {
  return () =>
    orNotFound(async () => {
      const group = (await client.send(new DescribeUserGroupsCommand({ UserGroupId: id }))).UserGroups?.[0];
      return group && { status: group.Status!, value: group };
    }, NOT_FOUND);
}

const waitUserGroupCreated = (id: string) =>
  stateChange({ what: `user group ${id} created`, pending: ["creating", "modifying"], target: ["active"], refresh: statusUserGroup(id) });
const waitUserGroupUpdated = (id: string) =>
  stateChange({ what: `user group ${id} updated`, pending: ["modifying"], target: ["active"], refresh: statusUserGroup(id) });
const waitUserGroupDeleted = (id: string) =>
  stateChange({ what: `user group ${id} deleted`, pending: ["deleting"], target: ["NotFound"], refresh: statusUserGroup(id) });

/** What `resourceUserGroupRead` puts in the state. */
async function readUserGroup(id: string) {
  const group = (await client.send(new DescribeUserGroupsCommand({ UserGroupId: id }))).UserGroups![0]!;
  const { TagList } = await client.send(new ListTagsForResourceCommand({ ResourceName: group.ARN }));
  return {
    arn: group.ARN,
    engine: group.Engine,
    user_ids: [...(group.UserIds ?? [])].sort(),
    user_group_id: group.UserGroupId,
    tags: Object.fromEntries((TagList ?? []).map((t) => [t.Key, t.Value])),
  };
}

async function createUserGroup(config: CreateUserGroupCommandInput) {
  const output = await client.send(new CreateUserGroupCommand(config));
  const id = output.UserGroupId!;
  expect((await waitUserGroupCreated(id)).status).toBe("active");
  return { id, state: await readUserGroup(id) };
}

/** `resourceUserGroupUpdate` for `user_ids`: the set difference, in one ModifyUserGroup, then the updated waiter. */
async function updateUserIds(id: string, from: string[], to: string[]) {
  const add = to.filter((u) => !from.includes(u));
  const remove = from.filter((u) => !to.includes(u));
  const output = await client.send(
    new ModifyUserGroupCommand({ UserGroupId: id, UserIdsToAdd: add.length ? add : undefined, UserIdsToRemove: remove.length ? remove : undefined }),
  );
  expect(output.Status).toBe("modifying");
  expect((await waitUserGroupUpdated(id)).status).toBe("active");
  return readUserGroup(id);
}

async function deleteUserGroup(id: string): Promise<void> {
  await client.send(new DeleteUserGroupCommand({ UserGroupId: id })).catch((e: { Code?: string }) => {
    if (e.Code !== "UserGroupNotFound") throw e;
  });
  expect((await waitUserGroupDeleted(id)).status).toBe("NotFound");
}

// ---- what the engine says ----

let endpoint: Endpoint;

async function auth(user: { name: string; password: string }): Promise<string> {
  const redis = await connections.connect(endpoint);
  return redis.call("AUTH", user.name, user.password).then(
    (r) => String(r),
    (e: Error) => e.message,
  );
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  for (const user of [DEFAULT_USER, SECOND_USER]) {
    await client.send(
      new CreateUserCommand({
        UserId: user.id,
        UserName: user.name,
        AccessString: TF_ACCESS_STRING,
        Engine: "REDIS",
        NoPasswordRequired: false,
        Passwords: [user.password],
      }),
    );
  }
});
afterEach(() => connections.closeAll());
afterAll(async () => {
  await emulator?.stop();
});

describe("aws_elasticache_user_group (TestAccElastiCacheUserGroup_basic, _update, _tags)", () => {
  it("creates with a user named default: creating, then active; reads back what was written", async () => {
    const { id, state } = await createUserGroup({ UserGroupId: GROUP, Engine: "REDIS", UserIds: [DEFAULT_USER.id], Tags: [{ Key: "key1", Value: "value1" }] });
    expect(id).toBe(GROUP);
    expect(state).toEqual({
      arn: `arn:aws:elasticache:us-east-1:000000000000:usergroup:${GROUP}`,
      engine: "redis",
      user_ids: [DEFAULT_USER.id],
      user_group_id: GROUP,
      tags: { key1: "value1" },
    });
  });

  it("is enforced by the engine once a replication group uses it", async () => {
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "tf-groups-rg",
        ReplicationGroupDescription: "user groups",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 1,
        TransitEncryptionEnabled: true,
        TransitEncryptionMode: "preferred",
        UserGroupIds: [GROUP],
      }),
    );
    await waitForReplicationGroup(client, "tf-groups-rg", (g) => g.Status === "available");
    endpoint = (await describeReplicationGroup(client, "tf-groups-rg")).NodeGroups![0].PrimaryEndpoint!;
    expect((await readUserGroup(GROUP)).user_ids).toEqual([DEFAULT_USER.id]);
    expect(await auth(DEFAULT_USER)).toBe("OK");
    expect(await auth(SECOND_USER)).toMatch(/^WRONGPASS/);
    // The group's default user has a password: nobody in without AUTH; after it, read-only on app::*.
    const anonymous = await connections.connect(endpoint);
    await expect(anonymous.get("app::1")).rejects.toThrow(/NOAUTH/);
    const asDefault = await connections.connect(endpoint, { username: "default", password: DEFAULT_USER.password });
    expect(await asDefault.get("app::1")).toBeNull();
    await expect(asDefault.set("app::1", "x")).rejects.toThrow(/NOPERM/);
  });

  it("adds a user (UserIdsToAdd): modifying, then active; the engine lets it in", async () => {
    const state = await updateUserIds(GROUP, [DEFAULT_USER.id], [DEFAULT_USER.id, SECOND_USER.id]);
    expect(state.user_ids).toEqual([DEFAULT_USER.id, SECOND_USER.id].sort());
    expect(await auth(SECOND_USER)).toBe("OK");
  });

  it("removes it again (UserIdsToRemove): the engine refuses it", async () => {
    const state = await updateUserIds(GROUP, [DEFAULT_USER.id, SECOND_USER.id], [DEFAULT_USER.id]);
    expect(state.user_ids).toEqual([DEFAULT_USER.id]);
    expect(await auth(SECOND_USER)).toMatch(/^WRONGPASS/);
    expect(await auth(DEFAULT_USER)).toBe("OK");
  });

  it("swaps the default user in one call (add and remove together)", async () => {
    await client.send(new CreateUserCommand({ UserId: `${GROUP}-3`, UserName: "default", AccessString: "on ~* +@all", Engine: "REDIS", Passwords: ["password-of-the-new-default"] }));
    const state = await updateUserIds(GROUP, [DEFAULT_USER.id], [`${GROUP}-3`]);
    expect(state.user_ids).toEqual([`${GROUP}-3`]);
    expect(await auth(DEFAULT_USER)).toMatch(/^WRONGPASS/);
    expect(await auth({ name: "default", password: "password-of-the-new-default" })).toBe("OK");
  });

  it("cannot be deleted while a replication group uses it; deleting, then NotFound once it is free", async () => {
    await expectAwsError(client.send(new DeleteUserGroupCommand({ UserGroupId: GROUP })), "InvalidUserGroupState", 400);
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: "tf-groups-rg" }));
    await waitFor(orGone(() => describeReplicationGroup(client, "tf-groups-rg"), "ReplicationGroupNotFoundFault"), (g) => g === GONE, {
      what: "replication group tf-groups-rg to be deleted",
    });
    const deleting = await client.send(new DeleteUserGroupCommand({ UserGroupId: GROUP }));
    expect(deleting.Status).toBe("deleting");
    await deleteUserGroup(GROUP);
    await expectAwsError(client.send(new DescribeUserGroupsCommand({ UserGroupId: GROUP })), "UserGroupNotFound", 404);
  });
});

describe("what AWS refuses, in AWS's words", () => {
  it("a redis group without a user named default (hashicorp/terraform-provider-aws#25593)", async () => {
    for (const userIds of [undefined, [SECOND_USER.id]]) {
      await expectAwsError(
        client.send(new CreateUserGroupCommand({ UserGroupId: "no-default", Engine: "REDIS", UserIds: userIds })),
        "DefaultUserRequired",
        400,
        "User group needs to contain a user with the user name default.",
      );
    }
    const { id } = await createUserGroup({ UserGroupId: "with-default", Engine: "REDIS", UserIds: [DEFAULT_USER.id, SECOND_USER.id] });
    await expectAwsError(
      client.send(new ModifyUserGroupCommand({ UserGroupId: id, UserIdsToRemove: [DEFAULT_USER.id] })),
      "DefaultUserRequired",
      400,
      "User group needs to contain a user with the user name default.",
    );
    await deleteUserGroup(id);
  });

  it("engine rules: a valkey group needs no default user, takes valkey and redis users that authenticate; a redis group takes only redis users", async () => {
    await client.send(new CreateUserCommand({ UserId: "vk-user", UserName: "vk", AccessString: "on ~* +@all", Engine: "VALKEY", Passwords: ["password123456789"] }));
    await client.send(new CreateUserCommand({ UserId: "open-user", UserName: "open", AccessString: "on ~* +@all", Engine: "REDIS", NoPasswordRequired: true }));
    const { state } = await createUserGroup({ UserGroupId: "vk-group", Engine: "VALKEY", UserIds: ["vk-user", SECOND_USER.id] });
    expect(state).toMatchObject({ engine: "valkey", user_ids: ["tf-acc-group-2", "vk-user"] });
    await expectAwsError(client.send(new CreateUserGroupCommand({ UserGroupId: "vk-open", Engine: "VALKEY", UserIds: ["open-user"] })), "InvalidParameterValue", 400);
    await expectAwsError(
      client.send(new CreateUserGroupCommand({ UserGroupId: "redis-vk", Engine: "REDIS", UserIds: [DEFAULT_USER.id, "vk-user"] })),
      "InvalidParameterValue",
      400,
    );
    await deleteUserGroup("vk-group");
  });

  it("a group that is gone: UserGroupNotFound, which the provider's delete counts as done", async () => {
    await expectAwsError(client.send(new DeleteUserGroupCommand({ UserGroupId: "never-there" })), "UserGroupNotFound", 404);
    await deleteUserGroup("never-there");
  });
});
