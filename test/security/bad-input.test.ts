/**
 * Hostile and malformed requests over raw HTTP: each gets a 4xx AWS-shaped XML error,
 * the server stays up, and an existing cluster and its data are untouched.
 */
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitForCluster } from "../helpers/wait.js";

let emulator: Emulator;
let redis: Redis;

async function post(body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string; requestId: string | null }> {
  const response = await fetch(`${emulator.url}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });
  return { status: response.status, text: await response.text(), requestId: response.headers.get("x-amzn-requestid") };
}

function errorCode(xml: string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
}

beforeAll(async () => {
  emulator = await startEmulator();
  const client = sdkClient(emulator);
  const { CreateCacheClusterCommand } = await import("@aws-sdk/client-elasticache");
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: "survivor", Engine: "redis", CacheNodeType: "cache.t3.micro" }));
  const cluster = await waitForCluster(client, "survivor", "available");
  const endpoint = cluster.CacheNodes![0].Endpoint!;
  redis = new Redis(endpoint.Port!, endpoint.Address!, { lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
  await redis.set("precious", "data");
});
afterAll(async () => {
  redis?.disconnect();
  await emulator?.stop();
});

describe("malformed requests", () => {
  it.each([
    ["a garbage body", "\u0000\u0001garbage%%%", 404, "MalformedQueryString"],
    ["a body without Action", "Version=2015-02-02&Foo=bar", 400, "MissingAction"],
    ["an unknown action", "Action=LaunchRockets&Version=2015-02-02", 400, "InvalidAction"],
    ["a wrongly cased action", "Action=describecacheclusters&Version=2015-02-02", 400, "InvalidAction"],
    ["a non-integer NumCacheNodes", "Action=CreateCacheCluster&CacheClusterId=x&Engine=memcached&CacheNodeType=cache.t3.micro&NumCacheNodes=abc", 400, "InvalidParameterValue"],
    ["a negative NumCacheNodes", "Action=CreateCacheCluster&CacheClusterId=x&Engine=memcached&CacheNodeType=cache.t3.micro&NumCacheNodes=-3", 400, "InvalidParameterValue"],
    ["a negative MaxRecords", "Action=DescribeCacheClusters&MaxRecords=-1", 400, "InvalidParameterValue"],
    ["a huge integer", "Action=DescribeCacheClusters&MaxRecords=99999999999999999999", 400, "InvalidParameterValue"],
    ["a bad boolean", "Action=DescribeCacheClusters&ShowCacheNodeInfo=maybe", 400, "InvalidParameterValue"],
    ["a missing required parameter", "Action=CreateCacheCluster&Engine=redis", 400, "MissingParameter"],
    ["an enum value the model does not know", "Action=DescribeEvents&SourceType=planet", 400, "InvalidParameterValue"],
    ["a list index of a million", "Action=RebootCacheCluster&CacheClusterId=survivor&CacheNodeIdsToReboot.CacheNodeId.1000000=0001", 400, "InvalidParameterValue"],
    ["a bad percent-encoding", "Action=DescribeCacheClusters&CacheClusterId=%E0%A4%A", 404, "MalformedQueryString"],
    ["a bad timestamp", "Action=DescribeEvents&StartTime=yesterday", 400, "InvalidParameterValue"],
  ])("answers %s with a 4xx XML error", async (_name, body, status, code) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    expect(errorCode(response.text)).toBe(code);
    expect(response.text).toMatch(/^<\?xml[^>]*>\n<ErrorResponse xmlns="http:\/\/elasticache.amazonaws.com\/doc\/2015-02-02\/"><Error><Type>Sender<\/Type>/);
    expect(response.text).toContain(`<RequestId>${response.requestId}</RequestId>`);
  });

  it("refuses a body that is not UTF-8", async () => {
    const response = await post(Buffer.concat([Buffer.from("Action=DescribeCacheClusters&CacheClusterId="), Buffer.from([0xff, 0xfe, 0xc3])]));
    expect(response.status).toBe(404);
    expect(errorCode(response.text)).toBe("MalformedQueryString");
  });

  it("refuses a 2 MB body with 413 and keeps serving", async () => {
    const response = await post("Action=DescribeCacheClusters&Junk=" + "x".repeat(2 * 1024 * 1024));
    expect(response.status).toBe(413);
    expect(errorCode(response.text)).toBe("RequestEntityTooLarge");
  });

  it("serves GET ?Action= like a POST", async () => {
    const response = await fetch(`${emulator.url}/?Action=DescribeCacheClusters&Version=2015-02-02&CacheClusterId=survivor`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("<DescribeCacheClustersResponse");
    expect(text).toContain("<CacheClusterId>survivor</CacheClusterId>");
    expect(text).toContain(`<RequestId>${response.headers.get("x-amzn-requestid")}</RequestId>`);
  });

  it("answers unknown emulator endpoints with 404", async () => {
    const response = await fetch(`${emulator.url}/_emulator/nothing`);
    expect(response.status).toBe(404);
  });
});

describe("after all of that", () => {
  it("the server and the existing cluster and its data are untouched", async () => {
    const response = await post("Action=DescribeCacheClusters&Version=2015-02-02&CacheClusterId=survivor");
    expect(response.status).toBe(200);
    expect(response.text).toContain("<CacheClusterStatus>available</CacheClusterStatus>");
    expect(await redis.get("precious")).toBe("data");
    const list = await post("Action=DescribeCacheClusters&Version=2015-02-02");
    expect(list.text.match(/<CacheClusterId>/g)).toHaveLength(1);
  });
});
