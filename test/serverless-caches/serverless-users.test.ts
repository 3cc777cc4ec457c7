/**
 * UserGroupId on a serverless cache: the group's users are the engines' ACL users, with
 * the serverless refusals; changes to the users reach the engines; removing the group opens
 * the cache again; a group in use cannot be deleted.
 */
import {
  CreateServerlessCacheCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  DeleteUserGroupCommand,
  DescribeUserGroupsCommand,
  ModifyServerlessCacheCommand,
  ModifyUserCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { fetchCa } from "../helpers/tls.js";
import { Connections, waitForUser, waitForUserGroup } from "../helpers/users.js";
import { describeServerlessCache } from "./helpers.js";

let emulator: Emulator;
let sdk: ElastiCacheClient;
let ca: string;
const connections = new Connections();
const APP = { username: "app", password: "app-password-0123456789" };

beforeAll(async () => {
  emulator = await startEmulator();
  sdk = sdkClient(emulator);
  ca = await fetchCa(emulator);
  await sdk.send(new CreateUserCommand({ UserId: "app-user", UserName: "app", Engine: "redis", AccessString: "on ~app:* +@all", Passwords: [APP.password] }));
  await sdk.send(new CreateUserCommand({ UserId: "locked-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true }));
  await sdk.send(new CreateUserGroupCommand({ UserGroupId: "apps", Engine: "redis", UserIds: ["locked-default", "app-user"] }));
  await waitForUserGroup(sdk, "apps");
});
afterEach(() => connections.closeAll());
afterAll(async () => {
  await emulator?.stop();
});

it("makes the group's users the engines' users, and RemoveUserGroup opens the cache again", async () => {
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "guarded", Engine: "redis", UserGroupId: "apps" }));
  const cache = await describeServerlessCache(sdk, "guarded", (c) => c.Status === "available");
  const endpoint = cache.Endpoint!;
  const as = (options: object) => connections.connect(endpoint, { tls: { ca }, ...options });

  const app = await as(APP);
  expect(await app.set("app:1", "v")).toBe("OK");
  await expect(app.set("other:1", "v")).rejects.toThrow(/NOPERM/);
  await expect(app.call("KEYS", "app:*")).rejects.toThrow(/NOPERM this user has no permissions to run the 'keys' command/);
  const anonymous = await as({});
  await expect(anonymous.get("app:1")).rejects.toThrow(/NOAUTH|NOPERM/);
  const reader = await connections.connect(cache.ReaderEndpoint!, { tls: { ca }, ...APP });
  expect(await reader.call("READONLY")).toBe("OK");
  await expect(reader.get("other:1")).rejects.toThrow(/NOPERM/);

  expect((await sdk.send(new DescribeUserGroupsCommand({ UserGroupId: "apps" }))).UserGroups![0]!.ServerlessCaches).toEqual(["guarded"]);
  await expectAwsError(sdk.send(new DeleteUserGroupCommand({ UserGroupId: "apps" })), "InvalidUserGroupState", 400, /guarded/);

  // A user's change reaches the engines.
  await sdk.send(new ModifyUserCommand({ UserId: "app-user", AccessString: "on ~* +@all" }));
  await waitForUser(sdk, "app-user");
  await waitForUserGroup(sdk, "apps");
  const widened = await as(APP);
  expect(await widened.set("other:1", "v")).toBe("OK");

  await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "guarded", RemoveUserGroup: true }));
  await describeServerlessCache(sdk, "guarded", (c) => c.Status === "available");
  const open = await as({});
  expect(await open.get("other:1")).toBe("v");
  await expect(open.call("CLIENT", "LIST")).rejects.toThrow(/NOPERM/);
  expect((await sdk.send(new DescribeUserGroupsCommand({ UserGroupId: "apps" }))).UserGroups![0]!.ServerlessCaches).toEqual([]);
});
