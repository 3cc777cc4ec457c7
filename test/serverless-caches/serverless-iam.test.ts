/**
 * IAM users on a serverless cache: a token signed for the cache's name with
 * `ResourceType=ServerlessCache` lets the user in on the Endpoint and the ReaderEndpoint
 * (ioredis Cluster over TLS, redis-py's RedisCluster); every other token gets the engine's
 * WRONGPASS; password users keep working; user group changes apply to the running cache.
 */
import {
  CreateServerlessCacheCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  ModifyServerlessCacheCommand,
  ModifyUserGroupCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { execFile } from "node:child_process";
import { Cluster } from "ioredis";
import type Redis from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateIamAuthToken, type IamTokenRequest } from "../../src/iam-token.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { fetchCa } from "../helpers/tls.js";
import { Connections, waitForUserGroup } from "../helpers/users.js";
import { describeServerlessCache } from "./helpers.js";

type Endpoint = { Address?: string; Port?: number };

let emulator: Emulator;
let sdk: ElastiCacheClient;
let ca: string;
let endpoint: Endpoint;
let reader: Endpoint;
const connections = new Connections();
const clusters: Cluster[] = [];
const CACHE = "iam-serverless";
const GROUP = "sl-iam-users";
const PASSWORD_USER = { username: "sl-pw", password: "sl-pw-password-0123456789" };
const KEYS = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };

const token = (over: Partial<IamTokenRequest> = {}) =>
  generateIamAuthToken({ cacheName: CACHE, userId: "sl-iam", region: "us-east-1", serverless: true, ...KEYS, ...over });

beforeAll(async () => {
  emulator = await startEmulator();
  sdk = sdkClient(emulator);
  ca = await fetchCa(emulator);
  const user = (input: ConstructorParameters<typeof CreateUserCommand>[0]) => sdk.send(new CreateUserCommand(input));
  await user({ UserId: "sl-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true });
  await user({ UserId: "sl-iam", UserName: "sl-iam", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } });
  await user({ UserId: "sl-iam2", UserName: "sl-iam2", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } });
  await user({ UserId: "sl-pw", UserName: "sl-pw", Engine: "redis", AccessString: "on ~* +@all", Passwords: [PASSWORD_USER.password] });
  await sdk.send(new CreateUserGroupCommand({ UserGroupId: GROUP, Engine: "redis", UserIds: ["sl-default", "sl-iam", "sl-pw"] }));
  await waitForUserGroup(sdk, GROUP);
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: CACHE, Engine: "valkey", UserGroupId: GROUP }));
  const cache = await describeServerlessCache(sdk, CACHE, (c) => c.Status === "available");
  endpoint = cache.Endpoint!;
  reader = cache.ReaderEndpoint!;
}, 120_000);
afterEach(() => {
  connections.closeAll();
  for (const c of clusters.splice(0)) c.disconnect();
});
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

describe("a serverless token", () => {
  it("lets ioredis Cluster in over TLS on the Endpoint and the ReaderEndpoint, which the cluster view announces", async () => {
    const cluster = new Cluster([{ host: endpoint.Address!, port: endpoint.Port! }], {
      redisOptions: { ...tlsTo(), username: "sl-iam", password: token() },
      scaleReads: "slave",
      dnsLookup: (address, callback) => callback(null, address),
      clusterRetryStrategy: () => null,
    });
    clusters.push(cluster);
    for (let i = 0; i < 30; i++) await cluster.set(`iam:${i}`, String(i));
    expect(cluster.nodes("master").map((n) => n.options.port)).toEqual([endpoint.Port]);
    expect(cluster.nodes("slave").map((n) => n.options.port)).toEqual([reader.Port]);
    for (const node of cluster.nodes("all")) expect(await node.call("ACL", "WHOAMI")).toBe("sl-iam");
  });

  it("authenticates AUTH and HELLO 3 AUTH on both endpoints", async () => {
    for (const at of [endpoint, reader]) {
      const redis = await connections.connect(at, { ...tlsTo(), username: "sl-iam", password: token() });
      expect(await redis.call("ACL", "WHOAMI")).toBe("sl-iam");
      const raw = await connections.connect(at, tlsTo());
      const hello = (await raw.call("HELLO", "3", "AUTH", "sl-iam", token(), "SETNAME", "hello-client")) as unknown[];
      expect(hello.length).toBeGreaterThan(0);
      expect(await raw.call("CLIENT", "GETNAME")).toBe("hello-client");
    }
    const writer = await connections.connect(endpoint, { ...tlsTo(), username: "sl-iam", password: token() });
    expect(await writer.set("{w}one", "1")).toBe("OK");
  });

  it("lets redis-py's RedisCluster in with a token signed by botocore (ResourceType=ServerlessCache)", async () => {
    const script = `
import sys, redis, botocore.session
from botocore.model import ServiceId
from botocore.signers import RequestSigner
from redis.cluster import RedisCluster
from urllib.parse import ParseResult, urlencode, urlunparse

host, port, ca = sys.argv[1], int(sys.argv[2]), sys.argv[3]
user, cache_name, region = "sl-iam", "${CACHE}", "us-east-1"
session = botocore.session.get_session()
signer = RequestSigner(ServiceId("elasticache"), region, "elasticache", "v4", session.get_credentials(), session.get_component("event_emitter"))

def get_token():
    query = urlencode({"Action": "connect", "User": user, "ResourceType": "ServerlessCache"})
    url = urlunparse(ParseResult(scheme="https", netloc=cache_name, path="/", query=query, params="", fragment=""))
    signed = signer.generate_presigned_url({"method": "GET", "url": url, "body": {}, "headers": {}, "context": {}}, operation_name="connect", expires_in=900, region_name=region)
    return signed.removeprefix("https://")

rc = RedisCluster(host=host, port=port, ssl=True, ssl_ca_certs=ca, username=user, password=get_token())
for i in range(50): rc.set(f"py:{i}", str(i))
ok = sum(1 for i in range(50) if rc.get(f"py:{i}") == str(i).encode())
print(ok, sorted(n.port for n in rc.get_nodes()), rc.execute_command("ACL WHOAMI", target_nodes=RedisCluster.PRIMARIES))
`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        "/usr/bin/python3",
        ["-c", script, endpoint.Address!, String(endpoint.Port), emulator.ca!.file],
        { env: { ...process.env, AWS_ACCESS_KEY_ID: KEYS.accessKeyId, AWS_SECRET_ACCESS_KEY: KEYS.secretAccessKey, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" } },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    expect(out.trim()).toBe(`50 [${endpoint.Port}, ${reader.Port}] sl-iam`);
  });

  it("password users keep working on both endpoints, and a token is no password", async () => {
    for (const at of [endpoint, reader]) {
      const redis = await connections.connect(at, { ...tlsTo(), ...PASSWORD_USER });
      expect(await redis.call("ACL", "WHOAMI")).toBe("sl-pw");
      expect(await auth(redis, "sl-pw", token({ userId: "sl-pw" }))).toMatch(/^WRONGPASS/);
    }
  });
});

describe("refusals: the engine's WRONGPASS, and the connection may try again", () => {
  const refused: Array<[string, () => string]> = [
    ["any password", () => "total-garbage"],
    ["a replication group's token (no ResourceType)", () => token({ serverless: false })],
    ["another cache's token", () => token({ cacheName: "other-serverless" })],
    ["another user's token", () => token({ userId: "sl-iam2" })],
    ["another region's token", () => token({ region: "eu-west-1" })],
    ["an expired token", () => token({ date: new Date(Date.now() - 16 * 60_000) })],
  ];

  it.each(refused)("%s", async (_what, make) => {
    for (const at of [endpoint, reader]) {
      const redis = await connections.connect(at, tlsTo());
      expect(await auth(redis, "sl-iam", make())).toMatch(/^WRONGPASS invalid username-password pair or user is disabled/);
      await expect(redis.get("{w}one")).rejects.toThrow(/NOAUTH/);
      expect(await auth(redis, "sl-iam", token())).toBe("OK");
      expect(await redis.call("ACL", "WHOAMI")).toBe("sl-iam");
    }
  });
});

describe("user group changes reach the running cache", () => {
  it("ModifyUserGroup adds and removes IAM users; ModifyServerlessCache swaps the group", async () => {
    const second = () => token({ userId: "sl-iam2" });
    const before = await connections.connect(endpoint, tlsTo());
    expect(await auth(before, "sl-iam2", second())).toMatch(/^WRONGPASS/);

    await sdk.send(new ModifyUserGroupCommand({ UserGroupId: GROUP, UserIdsToAdd: ["sl-iam2"] }));
    await waitForUserGroup(sdk, GROUP);
    for (const at of [endpoint, reader]) {
      const redis = await connections.connect(at, tlsTo());
      expect(await auth(redis, "sl-iam2", second())).toBe("OK");
    }
    const first = await connections.connect(endpoint, { ...tlsTo(), username: "sl-iam", password: token() });
    expect(await first.ping()).toBe("PONG");

    await sdk.send(new ModifyUserGroupCommand({ UserGroupId: GROUP, UserIdsToRemove: ["sl-iam"] }));
    await waitForUserGroup(sdk, GROUP);
    // A user that leaves the group loses its connections and its tokens.
    await expect(first.ping()).rejects.toThrow();
    const retry = await connections.connect(endpoint, tlsTo());
    expect(await auth(retry, "sl-iam", token())).toMatch(/^WRONGPASS/);
    expect(await auth(retry, "sl-iam2", second())).toBe("OK");

    await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: CACHE, RemoveUserGroup: true }));
    await describeServerlessCache(sdk, CACHE, (c) => c.Status === "available" && c.UserGroupId === undefined);
    const open = await connections.connect(endpoint, tlsTo());
    expect(await open.call("ACL", "WHOAMI")).toBe("default");
    expect(await auth(open, "sl-iam2", second())).toMatch(/^WRONGPASS/);

    await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: CACHE, UserGroupId: GROUP }));
    await describeServerlessCache(sdk, CACHE, (c) => c.Status === "available" && c.UserGroupId === GROUP);
    const back = await connections.connect(reader, tlsTo());
    expect(await auth(back, "sl-iam2", second())).toBe("OK");
    expect(await back.call("ACL", "WHOAMI")).toBe("sl-iam2");
  });
});
