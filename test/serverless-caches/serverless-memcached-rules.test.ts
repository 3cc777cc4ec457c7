/**
 * Memcached serverless rules from AWS's documentation, over TLS on the Endpoint: the 16 KB
 * limit on the keys of one get; DataStorage.Maximum changed live by ModifyServerlessCache
 * (memcached's own memory limit, seen in `stats`, with the items kept); and the
 * `Tags updated for the cache <name>.` event of tagging a serverless cache.
 */
import {
  AddTagsToResourceCommand,
  CreateServerlessCacheCommand,
  DescribeEventsCommand,
  ModifyServerlessCacheCommand,
  RemoveTagsFromResourceCommand,
  type ServerlessCache,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { exchange, fetchCa, memcachedOver } from "../helpers/tls.js";
import { describeServerlessCache } from "./helpers.js";

let emulator: Emulator;
let ca: string;
let cache: ServerlessCache;

const MB = 1024 * 1024;

beforeAll(async () => {
  // Node memory scaled down: a 1 GB DataStorage limit is about 11 MB of real memory.
  emulator = await startEmulator({ nodeMemoryScale: 0.01 });
  ca = await fetchCa(emulator);
  const sdk = sdkClient(emulator);
  await sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "mc-rules", Engine: "memcached" }));
  cache = await describeServerlessCache(sdk, "mc-rules", (c) => c.Status === "available");
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
});

const port = () => cache.Endpoint!.Port!;
const stat = async (name: string) => Number(new RegExp(`STAT ${name} (\\d+)`).exec(await memcachedOver(port(), "stats\r\n", ca))?.[1]);

describe("a Memcached serverless cache", () => {
  it("serves a get of up to 16 KB of keys and refuses a longer one", async () => {
    expect(await memcachedOver(port(), "set k-0 0 0 1\r\nv\r\n", ca)).toBe("STORED\r\n");
    // 64 keys of 250 bytes: 16,000 bytes of keys.
    const key = (i: number, length: number) => `k-${i}-`.padEnd(length, "x");
    const within = ["k-0", ...Array.from({ length: 63 }, (_, i) => key(i + 1, 250))];
    expect(within.join("").length).toBeLessThanOrEqual(16 * 1024);
    expect(await memcachedOver(port(), `get ${within.join(" ")}\r\n`, ca)).toBe("VALUE k-0 0 1\r\nv\r\nEND\r\n");
    const beyond = ["k-0", ...Array.from({ length: 66 }, (_, i) => key(i + 1, 250))];
    expect(beyond.join("").length).toBeGreaterThan(16 * 1024);
    const oneLine = (request: string) => exchange(port(), request, { ca, done: (t) => t.endsWith("\r\n") });
    expect(await oneLine(`get ${beyond.join(" ")}\r\n`)).toBe("CLIENT_ERROR bad command line format\r\n");
    expect(await oneLine(`gets ${beyond.join(" ")}\r\n`)).toBe("CLIENT_ERROR bad command line format\r\n");
  });

  it("changes its memory limit live with DataStorage.Maximum, the items kept", async () => {
    const sdk = sdkClient(emulator);
    expect(await memcachedOver(port(), "set kept 5 0 4\r\ndata\r\n", ca)).toBe("STORED\r\n");
    const before = await stat("limit_maxbytes");
    await sdk.send(new ModifyServerlessCacheCommand({ ServerlessCacheName: "mc-rules", CacheUsageLimits: { DataStorage: { Maximum: 1, Unit: "GB" } } }));
    const modified = await describeServerlessCache(sdk, "mc-rules", (c) => c.Status === "available");
    expect(modified.CacheUsageLimits?.DataStorage).toMatchObject({ Maximum: 1, Unit: "GB" });
    const after = await stat("limit_maxbytes");
    expect(after).toBe(Math.ceil((1024 * MB * 0.01) / MB) * MB);
    expect(after).toBeLessThan(before);
    expect(await memcachedOver(port(), "get kept\r\n", ca)).toBe("VALUE kept 5 4\r\ndata\r\nEND\r\n");
  });

  it("records AWS's event when its tags change", async () => {
    const sdk = sdkClient(emulator);
    await sdk.send(new AddTagsToResourceCommand({ ResourceName: cache.ARN!, Tags: [{ Key: "team", Value: "a" }] }));
    await sdk.send(new RemoveTagsFromResourceCommand({ ResourceName: cache.ARN!, TagKeys: ["team"] }));
    const events = await sdk.send(new DescribeEventsCommand({ SourceType: "serverless-cache", SourceIdentifier: "mc-rules" }));
    expect(events.Events!.filter((e) => e.Message === "Tags updated for the cache mc-rules.")).toHaveLength(2);
  });
});
