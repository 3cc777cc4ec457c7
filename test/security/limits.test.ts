/**
 * Size limits on hostile requests, over raw HTTP and through the SDK: the number of form
 * parameters, list indexes, the body cap. Each is an AWS-shaped 4xx, the server stays up, and
 * an existing cluster is untouched.
 */
import { CreateCacheClusterCommand, DescribeCacheClustersCommand, ModifyCacheClusterCommand, type ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { MAX_PARAMETERS } from "../../src/server/form-params.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitForCluster } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;

async function post(body: string): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${emulator.url}/`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body });
  return { status: response.status, code: /<Code>([^<]*)<\/Code>/.exec(await response.text())?.[1] };
}

beforeAll(async () => {
  emulator = await startEmulator();
  client = sdkClient(emulator);
  await client.send(new CreateCacheClusterCommand({ CacheClusterId: "steady", Engine: "memcached", CacheNodeType: "cache.t3.micro", NumCacheNodes: 2 }));
  await waitForCluster(client, "steady", "available");
});
afterAll(async () => {
  await emulator?.stop();
});

describe("parameter count", () => {
  it(`accepts ${MAX_PARAMETERS} parameters and refuses one more with InvalidParameterValue (400)`, async () => {
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `Junk${i}=x`).join("&");
    const base = "Action=DescribeCacheClusters&Version=2015-02-02";
    expect((await post(`${base}&${filler(MAX_PARAMETERS - 2)}`)).status).toBe(200);
    expect(await post(`${base}&${filler(MAX_PARAMETERS - 1)}`)).toEqual({ status: 400, code: "InvalidParameterValue" });
  });

  it("counts query-string and body parameters together", async () => {
    const params = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}=1`).join("&");
    const send = (inQuery: number) =>
      fetch(`${emulator.url}/?Action=DescribeCacheClusters&${params("Q", inQuery)}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: params("B", MAX_PARAMETERS - 1000),
      });
    expect((await send(999)).status).toBe(200);
    expect((await send(1000)).status).toBe(400);
  });
});

describe("list indexes", () => {
  it("refuses an index past 1000 or below 1 on a modify of an existing cluster, changing nothing", async () => {
    for (const index of ["1001", "0", "-1", "01", "1e3"]) {
      const response = await post(
        `Action=ModifyCacheCluster&Version=2015-02-02&CacheClusterId=steady&NumCacheNodes=1&ApplyImmediately=true&CacheNodeIdsToRemove.CacheNodeId.${index}=0001`,
      );
      expect(response, index).toEqual({ status: 400, code: "InvalidParameterValue" });
    }
    const cluster = (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: "steady", ShowCacheNodeInfo: true }))).CacheClusters![0];
    expect(cluster.CacheClusterStatus).toBe("available");
    expect(cluster.CacheNodes!.map((n) => n.CacheNodeId)).toEqual(["0001", "0002"]);
  });

  it("the SDK's own list of 1001 items is refused the same way", async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => String(i + 1).padStart(4, "0"));
    await expectAwsError(
      client.send(new ModifyCacheClusterCommand({ CacheClusterId: "steady", NumCacheNodes: 1, CacheNodeIdsToRemove: ids, ApplyImmediately: true })),
      "InvalidParameterValue",
      400,
    );
  });
});

describe("body cap under strict authentication", () => {
  it("answers 413 before looking at the signature, and the server keeps serving", async () => {
    const strict = await startEmulator({ strictAuth: true, credentials: [{ accessKeyId: "AK", secretAccessKey: "s" }] });
    try {
      const big = await fetch(`${strict.url}/`, { method: "POST", body: `Action=DescribeCacheClusters&Junk=${"x".repeat(1_100_000)}` });
      expect(big.status).toBe(413);
      const unsigned = await fetch(`${strict.url}/`, { method: "POST", body: "Action=DescribeCacheClusters" });
      expect(unsigned.status).toBe(403);
    } finally {
      await strict.stop();
    }
  });
});
