/** Reading serverless caches in tests: one by name, waited on like any resource (waitFor). */
import { DescribeServerlessCachesCommand, type ElastiCacheClient, type ServerlessCache } from "@aws-sdk/client-elasticache";
import { waitFor } from "../helpers/wait.js";

export async function readServerlessCache(sdk: ElastiCacheClient, name: string): Promise<ServerlessCache> {
  const out = await sdk.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: name }));
  return out.ServerlessCaches![0]!;
}

export function describeServerlessCache(sdk: ElastiCacheClient, name: string, accept: (c: ServerlessCache) => boolean): Promise<ServerlessCache> {
  return waitFor(() => readServerlessCache(sdk, name), accept, { what: `serverless cache ${name}`, show: (c) => c.Status, timeoutMs: 60_000 });
}
