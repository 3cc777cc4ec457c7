/**
 * Users and user groups through the SDK: AWS's seeded default user, create / modify /
 * delete / describe (filters, paging), tags, statuses and AWS's errors.
 */
import {
  AddTagsToResourceCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteUserCommand,
  DeleteUserGroupCommand,
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  ListTagsForResourceCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForUserGone, waitForUserGroup } from "../helpers/users.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const PASSWORD = "app-password-0123456789";

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
});

describe("the default user AWS seeds", () => {
  it("is there in every region, open, with no password", async () => {
    for (const region of ["us-east-1", "eu-west-3"]) {
      const { Users } = await sdkClient(emulator, { region }).send(new DescribeUsersCommand({ UserId: "default" }));
      expect(Users).toEqual([
        {
          UserId: "default",
          UserName: "default",
          Status: "active",
          Engine: "redis",
          MinimumEngineVersion: "6.0",
          AccessString: "on ~* +@all",
          UserGroupIds: [],
          Authentication: { Type: "no-password" },
          ARN: `arn:aws:elasticache:${region}:000000000000:user:default`,
        },
      ]);
    }
  });

  it("can be neither modified nor deleted", async () => {
    await expectAwsError(client.send(new ModifyUserCommand({ UserId: "default", AccessString: "off" })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new DeleteUserCommand({ UserId: "default" })), "InvalidParameterValue", 400);
  });
});

describe("users", () => {
  it("creates a password user, stored lowercase, with its password count and tags", async () => {
    const user = await client.send(
      new CreateUserCommand({
        UserId: "App-User",
        UserName: "app",
        Engine: "redis",
        AccessString: "on ~app:* +@all",
        Passwords: [PASSWORD],
        Tags: [{ Key: "team", Value: "web" }],
      }),
    );
    expect(user).toMatchObject({
      UserId: "app-user",
      UserName: "app",
      Status: "active",
      Engine: "redis",
      AccessString: "on ~app:* +@all",
      Authentication: { Type: "password", PasswordCount: 1 },
      ARN: "arn:aws:elasticache:us-east-1:000000000000:user:app-user",
    });
    const { TagList } = await client.send(new ListTagsForResourceCommand({ ResourceName: user.ARN }));
    expect(TagList).toEqual([{ Key: "team", Value: "web" }]);
    await client.send(new AddTagsToResourceCommand({ ResourceName: user.ARN, Tags: [{ Key: "env", Value: "dev" }] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: user.ARN }))).TagList).toHaveLength(2);
  });

  it("creates users with each AuthenticationMode", async () => {
    const two = await client.send(
      new CreateUserCommand({
        UserId: "two-passwords",
        UserName: "two",
        Engine: "valkey",
        AccessString: "on ~* +@read",
        AuthenticationMode: { Type: "password", Passwords: [PASSWORD, `${PASSWORD}-2`] },
      }),
    );
    expect(two.Authentication).toEqual({ Type: "password", PasswordCount: 2 });
    expect(two.MinimumEngineVersion).toBe("7.2");
    const open = await client.send(
      new CreateUserCommand({ UserId: "open", UserName: "open", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "no-password-required" } }),
    );
    expect(open.Authentication).toEqual({ Type: "no-password" });
    const iam = await client.send(
      new CreateUserCommand({ UserId: "iam-user", UserName: "iam-user", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } }),
    );
    expect(iam.Authentication).toEqual({ Type: "iam" });
  });

  it("refuses what AWS refuses, and keeps nothing of it", async () => {
    const base = { UserId: "bad", UserName: "bad", Engine: "redis", AccessString: "on ~* +@all", Passwords: [PASSWORD] };
    await expectAwsError(client.send(new CreateUserCommand({ ...base, UserId: "app-user" })), "UserAlreadyExists", 400);
    await expectAwsError(client.send(new CreateUserCommand({ ...base, UserId: "1bad" })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new CreateUserCommand({ ...base, Engine: "memcached" })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new CreateUserCommand({ ...base, AccessString: "on ~* +@all reset" })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new CreateUserCommand({ ...base, AccessString: "on >secret ~* +@all" })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new CreateUserCommand({ ...base, AccessString: "on ~* +@all +config" })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new CreateUserCommand({ ...base, Passwords: ["short"] })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new CreateUserCommand({ ...base, Passwords: [PASSWORD, PASSWORD, PASSWORD] })), "InvalidParameterValue", 400);
    await expectAwsError(client.send(new CreateUserCommand({ ...base, NoPasswordRequired: true })), "InvalidParameterCombination", 400);
    await expectAwsError(
      client.send(new CreateUserCommand({ ...base, Passwords: undefined })),
      "InvalidParameterValue",
      400,
      "Input Authentication type: null is not in the allowed list: [password,no-password-required,iam]",
    );
    await expectAwsError(
      client.send(new CreateUserCommand({ ...base, UserName: "someone-else", Passwords: undefined, AuthenticationMode: { Type: "iam" } })),
      "InvalidParameterCombination",
      400,
      "User Id and User name must be same for authentication type: iam",
    );
    await expectAwsError(
      client.send(new CreateUserCommand({ ...base, AuthenticationMode: { Type: "password", Passwords: [PASSWORD] } })),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(
      client.send(new CreateUserCommand({ ...base, Passwords: undefined, NoPasswordRequired: true, AuthenticationMode: { Type: "iam" } })),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(client.send(new DescribeUsersCommand({ UserId: "bad" })), "UserNotFound", 404);
  });

  it("modifies the access string (replaced or appended) and the passwords", async () => {
    let user = await client.send(new ModifyUserCommand({ UserId: "app-user", AppendAccessString: "-flushall" }));
    expect(user.AccessString).toBe("on ~app:* +@all -flushall");
    user = await client.send(new ModifyUserCommand({ UserId: "app-user", AccessString: "on ~app:* +@all" }));
    expect(user.AccessString).toBe("on ~app:* +@all");
    user = await client.send(new ModifyUserCommand({ UserId: "app-user", Passwords: [PASSWORD, `${PASSWORD}-new`] }));
    expect(user.Authentication).toEqual({ Type: "password", PasswordCount: 2 });
    user = await client.send(new ModifyUserCommand({ UserId: "open", Passwords: [PASSWORD] }));
    expect(user.Authentication).toEqual({ Type: "password", PasswordCount: 1 });
    user = await client.send(new ModifyUserCommand({ UserId: "open", NoPasswordRequired: true }));
    expect(user.Authentication).toEqual({ Type: "no-password" });
    user = await client.send(new ModifyUserCommand({ UserId: "open", AuthenticationMode: { Type: "password", Passwords: [PASSWORD] } }));
    expect(user.Authentication).toEqual({ Type: "password", PasswordCount: 1 });
  });

  it("refuses bad modifications", async () => {
    await expectAwsError(client.send(new ModifyUserCommand({ UserId: "nobody", AccessString: "off" })), "UserNotFound", 404);
    await expectAwsError(
      client.send(new ModifyUserCommand({ UserId: "app-user", AccessString: "off", AppendAccessString: "on" })),
      "InvalidParameterCombination",
      400,
    );
    await expectAwsError(client.send(new ModifyUserCommand({ UserId: "app-user" })), "InvalidParameterCombination", 400);
    await expectAwsError(client.send(new ModifyUserCommand({ UserId: "app-user", AppendAccessString: "+shutdown" })), "InvalidParameterValue", 400);
    expect((await client.send(new DescribeUsersCommand({ UserId: "app-user" }))).Users![0].AccessString).toBe("on ~app:* +@all");
  });

  it("describes by engine and filters, and pages with Marker", async () => {
    for (let i = 0; i < 22; i++) {
      await client.send(
        new CreateUserCommand({ UserId: `bulk-${String(i).padStart(2, "0")}`, UserName: `bulk${i}`, Engine: "redis", AccessString: "off", NoPasswordRequired: true }),
      );
    }
    const valkey = await client.send(new DescribeUsersCommand({ Engine: "valkey" }));
    expect(valkey.Users!.map((u) => u.UserId)).toEqual(["two-passwords"]);
    const named = await client.send(new DescribeUsersCommand({ Filters: [{ Name: "user-name", Values: ["app", "two"] }] }));
    expect(named.Users!.map((u) => u.UserId)).toEqual(["app-user", "two-passwords"]);
    await expectAwsError(client.send(new DescribeUsersCommand({ Filters: [{ Name: "colour", Values: ["x"] }] })), "InvalidParameterValue", 400);
    const first = await client.send(new DescribeUsersCommand({ MaxRecords: 20 }));
    expect(first.Users).toHaveLength(20);
    expect(first.Marker).toBeDefined();
    const second = await client.send(new DescribeUsersCommand({ MaxRecords: 20, Marker: first.Marker }));
    expect(second.Marker).toBeUndefined();
    const ids = [...first.Users!, ...second.Users!].map((u) => u.UserId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toContain("default");
    expect(ids.length).toBe(27); // default, app-user, two-passwords, open, iam-user and 22 bulk users
  });
});

describe("user groups", () => {
  it("creates a redis group with a default user: creating, then active; users list their groups", async () => {
    const created = await client.send(
      new CreateUserGroupCommand({ UserGroupId: "App-Group", Engine: "redis", UserIds: ["default", "app-user"], Tags: [{ Key: "k", Value: "v" }] }),
    );
    expect(created).toMatchObject({
      UserGroupId: "app-group",
      Status: "creating",
      Engine: "redis",
      UserIds: ["default", "app-user"],
      MinimumEngineVersion: "6.0",
      ReplicationGroups: [],
      ARN: "arn:aws:elasticache:us-east-1:000000000000:usergroup:app-group",
    });
    await waitForUserGroup(client, "app-group");
    const { Users } = await client.send(new DescribeUsersCommand({ UserId: "app-user" }));
    expect(Users![0].UserGroupIds).toEqual(["app-group"]);
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: created.ARN }))).TagList).toEqual([{ Key: "k", Value: "v" }]);
  });

  it("refuses groups AWS refuses", async () => {
    await expectAwsError(client.send(new CreateUserGroupCommand({ UserGroupId: "no-default", Engine: "redis", UserIds: ["app-user"] })), "DefaultUserRequired", 400);
    await expectAwsError(client.send(new CreateUserGroupCommand({ UserGroupId: "g", Engine: "redis", UserIds: ["default", "ghost"] })), "UserNotFound", 404);
    await client.send(
      new CreateUserCommand({ UserId: "other-app", UserName: "app", Engine: "redis", AccessString: "on ~* +@all", Passwords: [PASSWORD] }),
    );
    await expectAwsError(
      client.send(new CreateUserGroupCommand({ UserGroupId: "g", Engine: "redis", UserIds: ["default", "app-user", "other-app"] })),
      "DuplicateUserName",
      400,
    );
    await expectAwsError(client.send(new CreateUserGroupCommand({ UserGroupId: "app-group", Engine: "redis", UserIds: ["default"] })), "UserGroupAlreadyExists", 400);
    await expectAwsError(client.send(new CreateUserGroupCommand({ UserGroupId: "g", Engine: "memcached", UserIds: ["default"] })), "InvalidParameterValue", 400);
    // Valkey groups need no default user, but only users that authenticate.
    await expectAwsError(client.send(new CreateUserGroupCommand({ UserGroupId: "g", Engine: "valkey", UserIds: ["default"] })), "InvalidParameterValue", 400);
    const valkey = await client.send(new CreateUserGroupCommand({ UserGroupId: "valkey-group", Engine: "valkey", UserIds: ["two-passwords"] }));
    expect(valkey.UserIds).toEqual(["two-passwords"]);
    await expectAwsError(client.send(new DescribeUserGroupsCommand({ UserGroupId: "g" })), "UserGroupNotFound", 404);
  });

  it("adds and removes users: modifying with PendingChanges, then active", async () => {
    // A redis group takes only redis users.
    await expectAwsError(client.send(new ModifyUserGroupCommand({ UserGroupId: "app-group", UserIdsToAdd: ["two-passwords"] })), "InvalidParameterValue", 400);
    const modified = await client.send(new ModifyUserGroupCommand({ UserGroupId: "app-group", UserIdsToAdd: ["open"] }));
    expect(modified.Status).toBe("modifying");
    expect(modified.PendingChanges).toEqual({ UserIdsToAdd: ["open"], UserIdsToRemove: [] });
    const active = await waitForUserGroup(client, "app-group");
    expect(active.UserIds).toEqual(["default", "app-user", "open"]);
    expect(active.PendingChanges).toBeUndefined();
    await client.send(new ModifyUserGroupCommand({ UserGroupId: "app-group", UserIdsToRemove: ["open"] }));
    expect((await waitForUserGroup(client, "app-group")).UserIds).toEqual(["default", "app-user"]);
  });

  it("refuses bad membership changes", async () => {
    await expectAwsError(client.send(new ModifyUserGroupCommand({ UserGroupId: "app-group", UserIdsToRemove: ["default"] })), "DefaultUserRequired", 400);
    await expectAwsError(client.send(new ModifyUserGroupCommand({ UserGroupId: "app-group", UserIdsToAdd: ["other-app"] })), "DuplicateUserName", 400);
    await expectAwsError(client.send(new ModifyUserGroupCommand({ UserGroupId: "app-group", UserIdsToAdd: ["ghost"] })), "UserNotFound", 404);
    await expectAwsError(client.send(new ModifyUserGroupCommand({ UserGroupId: "ghost-group", UserIdsToAdd: ["open"] })), "UserGroupNotFound", 404);
    await expectAwsError(client.send(new ModifyUserGroupCommand({ UserGroupId: "app-group" })), "InvalidParameterCombination", 400);
    expect((await client.send(new DescribeUserGroupsCommand({ UserGroupId: "app-group" }))).UserGroups![0].UserIds).toEqual(["default", "app-user"]);
  });

  it("deletes users (leaving their groups) and groups", async () => {
    const user = await client.send(new CreateUserCommand({ UserId: "new-default", UserName: "default", Engine: "redis", AccessString: "on ~* +@read", NoPasswordRequired: true }));
    expect(user.Status).toBe("active");
    await client.send(new CreateUserGroupCommand({ UserGroupId: "second", Engine: "redis", UserIds: ["new-default", "other-app"] }));
    await waitForUserGroup(client, "second");
    // A user named default cannot leave a group by being deleted.
    await expectAwsError(client.send(new DeleteUserCommand({ UserId: "new-default" })), "DefaultUserAssociatedToUserGroup", 400);
    const deleting = await client.send(new DeleteUserCommand({ UserId: "other-app" }));
    expect(deleting.Status).toBe("deleting");
    await waitForUserGone(client, "other-app");
    expect((await client.send(new DescribeUserGroupsCommand({ UserGroupId: "second" }))).UserGroups![0].UserIds).toEqual(["new-default"]);
    const deleted = await client.send(new DeleteUserGroupCommand({ UserGroupId: "second" }));
    expect(deleted.Status).toBe("deleting");
    await expect.poll(() => client.send(new DescribeUserGroupsCommand({ UserGroupId: "second" })).catch((e: { name: string }) => e.name)).toBe("UserGroupNotFoundFault");
    await client.send(new DeleteUserCommand({ UserId: "new-default" }));
    await waitForUserGone(client, "new-default");
    await expectAwsError(client.send(new DeleteUserCommand({ UserId: "new-default" })), "UserNotFound", 404);
    await expectAwsError(client.send(new DeleteUserGroupCommand({ UserGroupId: "second" })), "UserGroupNotFound", 404);
  });

  it("pages user groups", async () => {
    const { UserGroups, Marker } = await client.send(new DescribeUserGroupsCommand({ MaxRecords: 20 }));
    expect(UserGroups!.map((g) => g.UserGroupId)).toEqual(["app-group", "valkey-group"]);
    expect(Marker).toBeUndefined();
  });
});


describe("transitional statuses (held by the configured delays)", () => {
  let slow: Emulator;
  let slowClient: ElastiCacheClient;
  beforeAll(async () => {
    slow = await startEmulator({ delays: { createMs: 600_000, modifyMs: 600_000, deleteMs: 600_000, rebootMs: 0 } });
    slowClient = sdkClient(slow);
  });
  afterAll(async () => {
    await slow?.stop();
  });

  it("refuses changes to a group that is creating or modifying, and to a user that is deleting", async () => {
    await slowClient.send(new CreateUserCommand({ UserId: "u1", UserName: "u1", Engine: "redis", AccessString: "on ~* +@all", Passwords: [PASSWORD] }));
    await slowClient.send(new CreateUserGroupCommand({ UserGroupId: "held", Engine: "redis", UserIds: ["default"] }));
    expect((await slowClient.send(new DescribeUserGroupsCommand({ UserGroupId: "held" }))).UserGroups![0].Status).toBe("creating");
    await expectAwsError(slowClient.send(new ModifyUserGroupCommand({ UserGroupId: "held", UserIdsToAdd: ["u1"] })), "InvalidUserGroupState", 400);
    await expectAwsError(slowClient.send(new DeleteUserGroupCommand({ UserGroupId: "held" })), "InvalidUserGroupState", 400);
    await slowClient.send(new DeleteUserCommand({ UserId: "u1" }));
    expect((await slowClient.send(new DescribeUsersCommand({ UserId: "u1" }))).Users![0].Status).toBe("deleting");
    await expectAwsError(slowClient.send(new ModifyUserCommand({ UserId: "u1", AccessString: "off" })), "InvalidUserState", 400);
    await expectAwsError(slowClient.send(new DeleteUserCommand({ UserId: "u1" })), "InvalidUserState", 400);
  });
});
