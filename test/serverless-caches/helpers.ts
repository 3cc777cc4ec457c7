/** Reading serverless caches in tests: one by name, waited on like any resource (waitFor). */
import { DescribeServerlessCachesCommand, type ElastiCacheClient, type ServerlessCache } from "@aws-sdk/client-elasticache";
import type { Cluster } from "ioredis";
import { waitFor } from "../helpers/wait.js";

export async function readServerlessCache(sdk: ElastiCacheClient, name: string): Promise<ServerlessCache> {
  const out = await sdk.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: name }));
  return out.ServerlessCaches![0]!;
}

export function describeServerlessCache(sdk: ElastiCacheClient, name: string, accept: (c: ServerlessCache) => boolean): Promise<ServerlessCache> {
  return waitFor(() => readServerlessCache(sdk, name), accept, { what: `serverless cache ${name}`, show: (c) => c.Status, timeoutMs: 60_000 });
}

/**
 * Offers `perSecond` small SETs a second (one ECPU each) for `steps` tenths of a second, then
 * waits for every reply (each must be OK): the commands completed and the seconds from the first to the last.
 */
export async function offerSets(client: Cluster, perSecond: number, tag: string, steps: number): Promise<{ commands: number; seconds: number }> {
  const perStep = perSecond / 10;
  const replies: Array<Promise<unknown>> = [];
  const t0 = performance.now();
  for (let step = 0; step < steps; step++) {
    for (let i = 0; i < perStep; i++) replies.push(client.set(`{${tag}}${step}-${i}`, "v"));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const answers = await Promise.all(replies);
  const seconds = (performance.now() - t0) / 1000;
  const refused = answers.filter((a) => a !== "OK");
  if (refused.length > 0) throw new Error(`${refused.length} SETs did not answer OK: ${String(refused[0])}`);
  return { commands: answers.length, seconds };
}
