/**
 * IAM authentication with Valkey GLIDE (@valkey/valkey-glide), the client AWS documents for
 * it, over TLS trusting the emulator's CA: GlideClient on a cluster mode disabled group,
 * GlideClusterClient on a cluster mode enabled group's configuration endpoint and on a
 * serverless cache, each authenticating as an IAM user with a token as its password; wrong and
 * expired tokens refused with the engine's WRONGPASS; pub/sub and a blocking command on an IAM
 * connection. And GLIDE's own IAM mode (`iamConfig`), which signs its tokens itself with the
 * AWS SDK's credential chain (here the environment's keys, offline): verified against
 * `--strict-auth` credentials on node-based groups, and refused on a serverless cache, as
 * AWS refuses it: this GLIDE signs no `ResourceType=ServerlessCache` (valkey-glide#5248).
 */
import {
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  CreateUserCommand,
  CreateUserGroupCommand,
  ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import {
  GlideClient,
  GlideClientConfiguration,
  GlideClusterClient,
  Logger,
  ServiceType,
  type BaseClientConfiguration,
  type ServerCredentials,
} from "@valkey/valkey-glide";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateIamAuthToken, type IamTokenRequest } from "../../src/iam-token.js";
import type { Emulator } from "../../src/index.js";
import { startEmulator } from "../helpers/emulator.js";
import { describeServerlessCache } from "../serverless-caches/helpers.js";
import { fetchCa } from "../helpers/tls.js";
import { waitForUserGroup } from "../helpers/users.js";
import { waitFor, waitForReplicationGroup } from "../helpers/wait.js";

type Address = { host: string; port: number };

const KEY = { accessKeyId: "AKIAGLIDETESTKEY0001", secretAccessKey: "glide-test-secret-key" };
const REGION = "us-east-1";
const USER = "glide-iam";
const GROUP = "glide-rg";
const SHARDED = "glide-shards";
const SERVERLESS = "glide-serverless";

let emulator: Emulator;
let sdk: ElastiCacheClient;
let ca: string;
let primary: Address;
let reader: Address;
let configuration: Address;
let serverless: Address;
const open: Array<GlideClient | GlideClusterClient> = [];
const ENV_NAMES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_EC2_METADATA_DISABLED"] as const;
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));

const token = (cacheName: string, over: Partial<IamTokenRequest> = {}) => generateIamAuthToken({ cacheName, userId: USER, region: REGION, ...KEY, ...over });

/** TLS trusting the emulator's CA, no retries that would hide a refusal. */
function options(addresses: Address[], credentials: ServerCredentials): BaseClientConfiguration & { advancedConfiguration: object } {
  return {
    addresses,
    useTLS: true,
    credentials,
    requestTimeout: 5000,
    advancedConfiguration: { connectionTimeout: 5000, tlsAdvancedConfiguration: { rootCertificates: ca } },
  };
}

async function standalone(addresses: Address[], credentials: ServerCredentials, extra: Partial<GlideClientConfiguration> = {}): Promise<GlideClient> {
  const client = await GlideClient.createClient({ ...options(addresses, credentials), ...extra });
  open.push(client);
  return client;
}

async function cluster(address: Address, credentials: ServerCredentials): Promise<GlideClusterClient> {
  const client = await GlideClusterClient.createClient(options([address], credentials));
  open.push(client);
  return client;
}

/** The error a client creation ends with ("" when it connects). */
async function refusal(create: () => Promise<GlideClient | GlideClusterClient>): Promise<string> {
  try {
    (await create()).close();
    return "";
  } catch (error) {
    return String(error);
  }
}

/** GLIDE's own IAM mode: it signs with the credential chain, which reads these variables. */
function useEnvironmentCredentials(secretAccessKey = KEY.secretAccessKey): void {
  process.env.AWS_ACCESS_KEY_ID = KEY.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  // Never ask an instance metadata service: everything here is offline.
  process.env.AWS_EC2_METADATA_DISABLED = "true";
}

const iamCredentials = (clusterName: string): ServerCredentials => ({
  username: USER,
  iamConfig: { clusterName, service: ServiceType.Elasticache, region: REGION },
});

beforeAll(async () => {
  Logger.setLoggerConfig("off");
  // Strict: GLIDE's own tokens must carry a signature made with KEY's secret.
  emulator = await startEmulator({ strictAuth: true, credentials: [KEY] });
  sdk = new ElastiCacheClient({ endpoint: emulator.url, region: REGION, credentials: KEY, maxAttempts: 1 });
  ca = await fetchCa(emulator);
  const user = (input: ConstructorParameters<typeof CreateUserCommand>[0]) => sdk.send(new CreateUserCommand(input));
  await user({ UserId: "glide-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true });
  await user({ UserId: USER, UserName: USER, Engine: "redis", AccessString: "on ~* &* +@all", AuthenticationMode: { Type: "iam" } });
  await user({ UserId: "glide-other", UserName: "glide-other", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } });
  await sdk.send(new CreateUserGroupCommand({ UserGroupId: "glide-users", Engine: "redis", UserIds: ["glide-default", USER, "glide-other"] }));
  await waitForUserGroup(sdk, "glide-users");
  const common = { CacheNodeType: "cache.t3.micro", Engine: "redis", EngineVersion: "7.0", TransitEncryptionEnabled: true, UserGroupIds: ["glide-users"] };
  await sdk.send(new CreateReplicationGroupCommand({ ReplicationGroupId: GROUP, ReplicationGroupDescription: "glide", NumCacheClusters: 2, ...common }));
  await sdk.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: SHARDED,
      ReplicationGroupDescription: "glide cluster mode",
      NumNodeGroups: 2,
      ReplicasPerNodeGroup: 1,
      CacheParameterGroupName: "default.redis7.cluster.on",
      ...common,
    }),
  );
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: SERVERLESS, Engine: "valkey", UserGroupId: "glide-users" }));
  const group = await waitForReplicationGroup(sdk, GROUP, (g) => g.Status === "available");
  primary = { host: group.NodeGroups![0].PrimaryEndpoint!.Address!, port: group.NodeGroups![0].PrimaryEndpoint!.Port! };
  reader = { host: group.NodeGroups![0].ReaderEndpoint!.Address!, port: group.NodeGroups![0].ReaderEndpoint!.Port! };
  const sharded = await waitForReplicationGroup(sdk, SHARDED, (g) => g.Status === "available");
  configuration = { host: sharded.ConfigurationEndpoint!.Address!, port: sharded.ConfigurationEndpoint!.Port! };
  const cache = await describeServerlessCache(sdk, SERVERLESS, (c) => c.Status === "available");
  serverless = { host: cache.Endpoint!.Address!, port: cache.Endpoint!.Port! };
}, 180_000);
afterEach(() => {
  for (const client of open.splice(0)) client.close();
  // Set one by one: the native client reads the process's real environment.
  for (const name of ENV_NAMES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
});
afterAll(async () => {
  await emulator?.stop();
});

describe("GlideClient (standalone) on a cluster mode disabled group", () => {
  it("authenticates with a token as the password on the primary and reader endpoints", async () => {
    const client = await standalone([primary], { username: USER, password: token(GROUP) });
    expect(await client.customCommand(["ACL", "WHOAMI"])).toBe(USER);
    expect(await client.set("glide:k", "v")).toBe("OK");
    // GLIDE checks the roles of the addresses it is given (INFO replication): the reader endpoint answers as the replica.
    const onReader = await standalone([primary, reader], { username: USER, password: token(GROUP) }, { readFrom: "preferReplica" });
    await waitFor(() => onReader.get("glide:k"), (v) => v === "v", { what: "the replica behind the reader endpoint to have the key" });
    expect(await onReader.customCommand(["INFO", "replication"])).toMatch(/^role:slave/m);
  });

  it("is refused with the engine's WRONGPASS for a garbage, another user's, another cache's, a serverless or an expired token", async () => {
    const wrong = [
      "total-garbage",
      token(GROUP, { userId: "glide-other" }),
      token(SHARDED),
      token(GROUP, { serverless: true }),
      token(GROUP, { region: "eu-west-1" }),
      token(GROUP, { secretAccessKey: "not-the-secret" }),
      token(GROUP, { date: new Date(Date.now() - 20 * 60_000) }),
    ];
    for (const password of wrong) {
      expect(await refusal(() => standalone([primary], { username: USER, password }))).toMatch(/WRONGPASS:? invalid username-password pair or user is disabled/);
    }
    // The node kept serving.
    const client = await standalone([primary], { username: USER, password: token(GROUP) });
    expect(await client.ping()).toBe("PONG");
  });

  it("pub/sub and a blocking command work on IAM-authenticated connections", async () => {
    const subscriber = await standalone([primary], { username: USER, password: token(GROUP) }, {
      pubsubSubscriptions: { channelsAndPatterns: { [GlideClientConfiguration.PubSubChannelModes.Exact]: new Set(["glide-news"]) } },
    });
    const publisher = await standalone([primary], { username: USER, password: token(GROUP) });
    await waitFor(() => publisher.publish("hello", "glide-news"), (receivers) => receivers === 1, { what: "the subscriber to be subscribed" });
    const message = await subscriber.getPubSubMessage();
    expect({ channel: String(message.channel), message: String(message.message) }).toEqual({ channel: "glide-news", message: "hello" });

    const waiting = publisher.blpop(["glide:queue"], 0);
    const pusher = await standalone([primary], { username: USER, password: token(GROUP) });
    expect(await pusher.lpush("glide:queue", ["job-1"])).toBe(1);
    expect((await waiting)?.map(String)).toEqual(["glide:queue", "job-1"]);
  });

  it("GLIDE's own IAM mode signs with the environment's credentials; the signature is verified (--strict-auth)", async () => {
    useEnvironmentCredentials();
    const client = await standalone([primary], iamCredentials(GROUP));
    expect(await client.customCommand(["ACL", "WHOAMI"])).toBe(USER);
    expect(await client.set("glide:iam-mode", "1")).toBe("OK");
    // A fresh token on the open connection (GLIDE's manual refresh) keeps it authenticated.
    expect(String(await client.refreshIamToken())).toBe("OK");
    expect(await client.get("glide:iam-mode")).toBe("1");

    useEnvironmentCredentials("a-wrong-secret");
    expect(await refusal(() => standalone([primary], iamCredentials(GROUP)))).toMatch(/WRONGPASS/);
    useEnvironmentCredentials();
    expect(await refusal(() => standalone([primary], iamCredentials(SHARDED)))).toMatch(/WRONGPASS/);
  });
});

describe("GlideClusterClient on a cluster mode enabled group's configuration endpoint", () => {
  it("authenticates on every node the slot map leads to, with a token as the password", async () => {
    const client = await cluster(configuration, { username: USER, password: token(SHARDED) });
    const keys = Array.from({ length: 50 }, (_, i) => `glide:slot:${i}`);
    for (const key of keys) expect(await client.set(key, key)).toBe("OK");
    for (const key of keys) expect(await client.get(key)).toBe(key);
    // Both shards' primaries answer as the IAM user.
    expect(await client.customCommand(["ACL", "WHOAMI"], { route: "allPrimaries" })).toEqual(
      expect.arrayContaining([expect.objectContaining({ value: USER })]),
    );
  });

  it("refuses a token for another cache, and GLIDE's own IAM mode gets in", async () => {
    expect(await refusal(() => cluster(configuration, { username: USER, password: token(GROUP) }))).toMatch(/WRONGPASS/);
    useEnvironmentCredentials();
    const client = await cluster(configuration, iamCredentials(SHARDED));
    expect(await client.set("glide:iam-cluster", "1")).toBe("OK");
    expect(await client.get("glide:iam-cluster")).toBe("1");
  });
});

describe("GlideClusterClient on a serverless cache", () => {
  it("authenticates with a serverless token (ResourceType=ServerlessCache) as the password", async () => {
    const client = await cluster(serverless, { username: USER, password: token(SERVERLESS, { serverless: true }) });
    expect(await client.set("glide:serverless", "1")).toBe("OK");
    expect(await client.get("glide:serverless")).toBe("1");
    expect(await client.customCommand(["ACL", "WHOAMI"])).toBe(USER);
  });

  it("refuses a token without ResourceType, and so GLIDE's own IAM mode, which does not sign one", async () => {
    expect(await refusal(() => cluster(serverless, { username: USER, password: token(SERVERLESS) }))).toMatch(/WRONGPASS/);
    useEnvironmentCredentials();
    expect(await refusal(() => cluster(serverless, iamCredentials(SERVERLESS)))).toMatch(/WRONGPASS/);
  });
});
