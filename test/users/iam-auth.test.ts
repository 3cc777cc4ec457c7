/**
 * IAM users on the engines: a connection authenticating as an IAM user gets in only with a
 * valid ElastiCache IAM token for that user, this replication group and its region (as
 * ioredis and redis-py send it), on the primary, reader and node endpoints; every other
 * token gets the engine's WRONGPASS and the node keeps serving.
 */
import {
  CreateReplicationGroupCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  ModifyUserCommand,
  ModifyUserGroupCommand,
  type ElastiCacheClient,
  type Endpoint,
} from "@aws-sdk/client-elasticache";
import { execFile } from "node:child_process";
import Redis from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateIamAuthToken, type IamTokenRequest } from "../../src/iam-token.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { fetchCa } from "../helpers/tls.js";
import { Connections, waitForUser, waitForUserGroup } from "../helpers/users.js";
import { waitForReplicationGroup } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
let ca: string;
const connections = new Connections();
const PASSWORD_USER = { username: "pw-app", password: "pw-app-password-0123456789" };
const KEYS = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

const token = (over: Partial<IamTokenRequest> = {}) =>
  generateIamAuthToken({ cacheName: "iam-rg", userId: "iam-app", region: "us-east-1", ...KEYS, ...over });

let primary: Endpoint;
let reader: Endpoint;
let nodes: Endpoint[];
let single: Endpoint;

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  ca = await fetchCa(emulator);
  const user = (input: ConstructorParameters<typeof CreateUserCommand>[0]) => client.send(new CreateUserCommand(input));
  await user({ UserId: "iam-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true });
  await user({ UserId: "iam-app", UserName: "iam-app", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } });
  await user({ UserId: "iam-other", UserName: "iam-other", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } });
  await user({ UserId: "pw-app", UserName: "pw-app", Engine: "redis", AccessString: "on ~* +@all", Passwords: [PASSWORD_USER.password] });
  await client.send(new CreateUserGroupCommand({ UserGroupId: "iam-users", Engine: "redis", UserIds: ["iam-default", "iam-app", "iam-other", "pw-app"] }));
  await waitForUserGroup(client, "iam-users");
  const group = (id: string, clusters: number) =>
    client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: id,
        ReplicationGroupDescription: "iam",
        CacheNodeType: "cache.t3.micro",
        Engine: "redis",
        EngineVersion: "7.0",
        NumCacheClusters: clusters,
        TransitEncryptionEnabled: true,
        UserGroupIds: ["iam-users"],
      }),
    );
  await Promise.all([group("iam-rg", 2), group("iam-single", 1)]);
  const rg = await waitForReplicationGroup(client, "iam-rg", (g) => g.Status === "available");
  primary = rg.NodeGroups![0].PrimaryEndpoint!;
  reader = rg.NodeGroups![0].ReaderEndpoint!;
  nodes = rg.NodeGroups![0].NodeGroupMembers!.map((m) => m.ReadEndpoint!);
  single = (await waitForReplicationGroup(client, "iam-single", (g) => g.Status === "available")).NodeGroups![0].PrimaryEndpoint!;
});
afterEach(() => connections.closeAll());
afterAll(async () => {
  await emulator?.stop();
});

const tlsTo = () => ({ tls: { ca } });

/** What AUTH answers on a connection: "OK" or the engine's error. */
async function auth(redis: Redis, ...args: string[]): Promise<string> {
  return redis.call("AUTH", ...args).then(
    (r) => String(r),
    (e: Error) => e.message,
  );
}

describe("ioredis with a generated token", () => {
  it("authenticates on the primary endpoint and writes", async () => {
    const redis = await connections.connect(primary, { ...tlsTo(), username: "iam-app", password: token() });
    expect(await redis.set("iam:1", "v")).toBe("OK");
    expect(await redis.acl("WHOAMI")).toBe("iam-app");
  });

  it("authenticates on the reader endpoint and on every node endpoint", async () => {
    for (const endpoint of [reader, ...nodes]) {
      const redis = await connections.connect(endpoint, { ...tlsTo(), username: "iam-app", password: token() });
      expect(await redis.acl("WHOAMI")).toBe("iam-app");
    }
  });

  it("on a single-node group, with HELLO 3 AUTH (RESP3) too", async () => {
    const redis = await connections.connect(single, { ...tlsTo(), username: "iam-app", password: token({ cacheName: "iam-single" }), protocol: 3 });
    expect(await redis.set("k", "v")).toBe("OK");
    const raw = await connections.connect(single, tlsTo());
    const hello = (await raw.call("HELLO", "3", "AUTH", "iam-app", token({ cacheName: "iam-single" }), "SETNAME", "me")) as unknown[];
    expect(hello).toContain("redis");
    expect(await raw.call("CLIENT", "GETNAME")).toBe("me");
    await expect(raw.call("HELLO", "3", "AUTH", "iam-app", token())).rejects.toThrow(/^WRONGPASS/);
  });
});

describe("refusals: the engine's WRONGPASS, and the node keeps serving", () => {
  const expired = () => token({ date: new Date(Date.now() - 16 * 60_000) });
  const refused: Array<[string, () => string]> = [
    ["any password", () => "total-garbage"],
    ["another user's token", () => token({ userId: "iam-other" })],
    ["another cache's token", () => token({ cacheName: "iam-single" })],
    ["another region's token", () => token({ region: "eu-west-1" })],
    ["an expired token", expired],
    ["a serverless token", () => token({ serverless: true })],
    ["a truncated token", () => token().slice(0, -20)],
    ["a badly percent-encoded token", () => token().replace("User=iam-app", "User=%E0%A4%A")],
  ];

  it.each(refused)("%s", async (_what, make) => {
    const before = await connections.connect(primary, { ...tlsTo(), username: "iam-app", password: token() });
    const redis = await connections.connect(primary, tlsTo());
    expect(await auth(redis, "iam-app", make())).toMatch(/^WRONGPASS invalid username-password pair or user is disabled/);
    await expect(redis.get("iam:1")).rejects.toThrow(/NOAUTH/);
    // The same connection then gets in with a good token; the connection already in is unaffected.
    expect(await auth(redis, "iam-app", token())).toBe("OK");
    expect(await redis.acl("WHOAMI")).toBe("iam-app");
    expect(await before.ping()).toBe("PONG");
  });

  it("a token for the right user passed as another user's (password user) password", async () => {
    const redis = await connections.connect(primary, tlsTo());
    expect(await auth(redis, "pw-app", token({ userId: "pw-app" }))).toMatch(/^WRONGPASS/);
    expect(await auth(redis, PASSWORD_USER.username, PASSWORD_USER.password)).toBe("OK");
  });

  it("a token longer than an unauthenticated bulk may be: the engine closes that connection only", async () => {
    const before = await connections.connect(primary, { ...tlsTo(), username: "iam-app", password: token() });
    const redis = await connections.connect(primary, tlsTo());
    expect(await auth(redis, "iam-app", token() + "&x=" + "a".repeat(100_000))).not.toBe("OK");
    expect(await before.ping()).toBe("PONG");
    const next = await connections.connect(primary, { ...tlsTo(), username: "iam-app", password: token() });
    expect(await next.ping()).toBe("PONG");
  });

  it("ioredis connecting with an expired token gets WRONGPASS", async () => {
    const redis = new Redis(primary.Port!, primary.Address!, { ...tlsTo(), username: "iam-app", password: expired(), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    const errors: string[] = [];
    redis.on("error", (e: Error) => errors.push(e.message));
    await redis.connect().catch((e: Error) => errors.push(e.message));
    await redis.ping().catch((e: Error) => errors.push(e.message));
    redis.disconnect();
    expect(errors.join("\n")).toMatch(/WRONGPASS/);
  });

  it("re-authentication inside MULTI is refused at EXEC", async () => {
    const redis = await connections.connect(primary, { ...tlsTo(), username: "iam-app", password: token() });
    const results = await redis.multi().call("AUTH", "iam-app", token()).set("iam:multi", "1").exec();
    expect(String(results![0][0])).toMatch(/WRONGPASS/);
    expect(results![1][1]).toBe("OK");
    expect(await auth(redis, "iam-app", token())).toBe("OK");
  });

  it("many bad attempts pipelined with good commands keep their replies in order", async () => {
    const redis = await connections.connect(primary, { ...tlsTo(), username: "iam-app", password: token() });
    const pipeline = redis.pipeline();
    for (let i = 0; i < 50; i++) pipeline.set(`iam:p${i}`, String(i)).call("AUTH", "iam-app", i % 2 ? "bad" : token()).get(`iam:p${i}`);
    const replies = (await pipeline.exec())!;
    for (let i = 0; i < 50; i++) {
      expect(replies[3 * i][1]).toBe("OK");
      if (i % 2) expect(String(replies[3 * i + 1][0])).toMatch(/WRONGPASS/);
      else expect(replies[3 * i + 1][1]).toBe("OK");
      expect(replies[3 * i + 2][1]).toBe(String(i));
    }
  });
});

describe("user and user group changes reach the token check", () => {
  it("an IAM user added to the group gets in with its token; removed, it is refused", async () => {
    await client.send(new CreateUserCommand({ UserId: "iam-late", UserName: "iam-late", Engine: "redis", AccessString: "on ~late:* +@all", AuthenticationMode: { Type: "iam" } }));
    const late = () => token({ userId: "iam-late" });
    const before = await connections.connect(primary, tlsTo());
    expect(await auth(before, "iam-late", late())).toMatch(/^WRONGPASS/);
    await client.send(new ModifyUserGroupCommand({ UserGroupId: "iam-users", UserIdsToAdd: ["iam-late"] }));
    await waitForUserGroup(client, "iam-users");
    const redis = await connections.connect(primary, { ...tlsTo(), username: "iam-late", password: late() });
    expect(await redis.set("late:1", "v")).toBe("OK");
    await expect(redis.set("other:1", "v")).rejects.toThrow(/NOPERM/);
    await client.send(new ModifyUserGroupCommand({ UserGroupId: "iam-users", UserIdsToRemove: ["iam-late"] }));
    await waitForUserGroup(client, "iam-users");
    const after = await connections.connect(primary, tlsTo());
    expect(await auth(after, "iam-late", late())).toMatch(/^WRONGPASS/);
  });

  it("an IAM user switched off (access string off) is refused even with a valid token", async () => {
    await client.send(new ModifyUserCommand({ UserId: "iam-other", AccessString: "off ~* +@all" }));
    await waitForUser(client, "iam-other");
    await waitForUserGroup(client, "iam-users");
    const redis = await connections.connect(primary, tlsTo());
    expect(await auth(redis, "iam-other", token({ userId: "iam-other" }))).toMatch(/^WRONGPASS/);
    await client.send(new ModifyUserCommand({ UserId: "iam-other", AccessString: "on ~* +@all" }));
    await waitForUser(client, "iam-other");
    await waitForUserGroup(client, "iam-users");
    expect(await auth(redis, "iam-other", token({ userId: "iam-other" }))).toBe("OK");
  });
});

describe("AWS's rules for IAM users", () => {
  const create = (over: Partial<ConstructorParameters<typeof CreateReplicationGroupCommand>[0]>) =>
    client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "iam-rules",
        ReplicationGroupDescription: "iam",
        CacheNodeType: "cache.t3.micro",
        Engine: "redis",
        TransitEncryptionEnabled: true,
        UserGroupIds: ["iam-users"],
        ...over,
      }),
    );

  it("needs Redis OSS 7.0 or later", async () => {
    await expectAwsError(create({ EngineVersion: "6.2" }), "InvalidParameterCombination", 400, /IAM authentication requires Redis OSS 7.0 or later/);
  });

  it("needs in-transit encryption (as user groups do)", async () => {
    await expectAwsError(create({ EngineVersion: "7.0", TransitEncryptionEnabled: false }), "InvalidParameterCombination", 400);
  });
});

describe("password users and the default user on the same nodes", () => {
  it("a password user still authenticates with its password", async () => {
    const redis = await connections.connect(primary, { ...tlsTo(), ...PASSWORD_USER });
    expect(await redis.acl("WHOAMI")).toBe("pw-app");
  });

  it("a plaintext client gets nothing from a TLS-required node", async () => {
    expect(await connections.connectError(primary, { username: "iam-app", password: token(), connectTimeout: 2000 })).toBeDefined();
  });
});

describe("redis-py with a credential provider generating the token with botocore", () => {
  it("connects, writes and reads (the AWS docs' provider)", async () => {
    const script = `
import sys, redis, botocore.session
from botocore.model import ServiceId
from botocore.signers import RequestSigner
from urllib.parse import ParseResult, urlencode, urlunparse

host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
user, cache_name, region = "iam-app", "iam-rg", "us-east-1"
session = botocore.session.get_session()
signer = RequestSigner(ServiceId("elasticache"), region, "elasticache", "v4", session.get_credentials(), session.get_component("event_emitter"))

def get_token():
    url = urlunparse(ParseResult(scheme="https", netloc=cache_name, path="/", query=urlencode({"Action": "connect", "User": user}), params="", fragment=""))
    signed = signer.generate_presigned_url({"method": "GET", "url": url, "body": {}, "headers": {}, "context": {}}, operation_name="connect", expires_in=900, region_name=region)
    return signed.removeprefix("https://")

if hasattr(redis, "CredentialProvider"):
    class ElastiCacheIAMProvider(redis.CredentialProvider):
        def get_credentials(self):
            return (user, get_token())
    r = redis.Redis(host=host, port=port, ssl=True, ssl_ca_certs=ca, credential_provider=ElastiCacheIAMProvider())
else:
    # redis-py before 4.4 (Debian bookworm's 4.3.4): a fresh token per connection the same way.
    class IAMConnection(redis.SSLConnection):
        def on_connect(self):
            self.username, self.password = user, get_token()
            super().on_connect()
    pool = redis.ConnectionPool(connection_class=IAMConnection, host=host, port=port, ssl_ca_certs=ca)
    r = redis.Redis(connection_pool=pool)
r.set("py:iam", "from-python")
print(r.get("py:iam").decode(), r.acl_whoami())
`;
    const caFile = emulator.ca!.file;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        "/usr/bin/python3",
        ["-c", script, primary.Address!, String(primary.Port), caFile],
        { env: { ...process.env, AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" } },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    expect(out.trim()).toBe("from-python iam-app");
  });
});
