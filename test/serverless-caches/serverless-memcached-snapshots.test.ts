/**
 * Snapshots of Memcached serverless caches carry the data: items with their client flags,
 * values and remaining TTLs, written over TLS, come back in a new Memcached serverless cache
 * restored from the snapshot (SnapshotArnsToRestore), from a copy, and from the final
 * snapshot of a delete. Export is Valkey/Redis only (AWS's model doc); engines do not mix in
 * a restore; daily snapshots are taken for Memcached caches too.
 */
import {
  CopyServerlessCacheSnapshotCommand,
  CreateServerlessCacheCommand,
  CreateServerlessCacheSnapshotCommand,
  DeleteServerlessCacheCommand,
  DeleteServerlessCacheSnapshotCommand,
  DescribeEventsCommand,
  DescribeServerlessCacheSnapshotsCommand,
  ExportServerlessCacheSnapshotCommand,
  type ElastiCacheClient,
  type ServerlessCache,
  type ServerlessCacheSnapshot,
} from "@aws-sdk/client-elasticache";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { fetchCa } from "../helpers/tls.js";
import { waitFor } from "../helpers/wait.js";
import { describeServerlessCache } from "./helpers.js";

let emulator: Emulator;
let sdk: ElastiCacheClient;
let ca: string;
let source: ServerlessCache;
let snapshot: ServerlessCacheSnapshot;

/** Items written: `item:<i>` = `value-<i>` with flags i; every third one with a TTL of an hour. */
const ITEMS = 150;
const withTtl = (i: number) => i % 3 === 0;
/** A value with bytes that are not text, CRLF included. */
const BINARY = Buffer.from([0, 1, 2, 13, 10, 255, 128, 32]);

async function memcachedCache(client: ElastiCacheClient, name: string, input: object = {}): Promise<ServerlessCache> {
  await client.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: "memcached", ...input }));
  return describeServerlessCache(client, name, (c) => c.Status === "available" || c.Status === "create-failed");
}

/** Requests over one TLS connection to the Endpoint, ended by a meta no-op: everything before `MN` (as latin1 text). */
function send(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, ca }, () => socket.write(Buffer.from(`${request}mn\r\n`, "latin1")));
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.endsWith("MN\r\n")) {
        socket.destroy();
        resolve(text.slice(0, -"MN\r\n".length));
      }
    });
    socket.on("error", reject);
  });
}

async function writeItems(port: number): Promise<void> {
  let request = "";
  for (let i = 0; i < ITEMS; i++) request += `set item:${i} ${i} ${withTtl(i) ? 3600 : 0} ${`value-${i}`.length} noreply\r\nvalue-${i}\r\n`;
  request += `set binary 7 0 ${BINARY.length} noreply\r\n${BINARY.toString("latin1")}\r\n`;
  expect(await send(port, request)).toBe("");
}

/** Every item's value, flags and remaining TTL (meta get), by key. */
async function readItems(port: number): Promise<Map<string, { value: string; flags: number; ttl: number }>> {
  const keys = [...Array.from({ length: ITEMS }, (_, i) => `item:${i}`), "binary"];
  const text = await send(port, keys.map((k) => `mg ${k} k v f t\r\n`).join(""));
  const items = new Map<string, { value: string; flags: number; ttl: number }>();
  const re = /VA (\d+) ([^\r]*)\r\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const size = Number(m[1]);
    const value = text.slice(re.lastIndex, re.lastIndex + size);
    re.lastIndex += size + 2;
    const flags = Object.fromEntries(m[2]!.split(" ").map((f) => [f[0], f.slice(1)]));
    items.set(flags.k!, { value, flags: Number(flags.f), ttl: Number(flags.t) });
  }
  return items;
}

function expectAllItems(items: Map<string, { value: string; flags: number; ttl: number }>): void {
  expect(items.size).toBe(ITEMS + 1);
  for (let i = 0; i < ITEMS; i++) {
    const item = items.get(`item:${i}`)!;
    expect(item).toMatchObject({ value: `value-${i}`, flags: i });
    if (withTtl(i)) {
      expect(item.ttl).toBeGreaterThan(3000);
      expect(item.ttl).toBeLessThanOrEqual(3600);
    } else expect(item.ttl).toBe(-1);
  }
  expect(items.get("binary")).toEqual({ value: BINARY.toString("latin1"), flags: 7, ttl: -1 });
}

const snapshotNamed = (client: ElastiCacheClient, name: string) =>
  waitFor(
    async () => (await client.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: name }))).ServerlessCacheSnapshots![0]!,
    (s) => s.Status === "available" || s.Status === "failed",
    { what: `serverless snapshot ${name}`, show: (s) => s.Status },
  );

beforeAll(async () => {
  emulator = await startEmulator();
  sdk = sdkClient(emulator);
  ca = await fetchCa(emulator);
  source = await memcachedCache(sdk, "mc-source");
  await writeItems(source.Endpoint!.Port!);
}, 60_000);
afterAll(async () => {
  await emulator?.stop();
});

describe("Memcached serverless snapshots", () => {
  it("take the items: `creating`, then `available` with their size, and AWS's event", async () => {
    const created = await sdk.send(new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: "mc-source", ServerlessCacheSnapshotName: "mc-snap" }));
    expect(created.ServerlessCacheSnapshot).toMatchObject({ Status: "creating", SnapshotType: "manual" });
    snapshot = await snapshotNamed(sdk, "mc-snap");
    expect(snapshot.Status).toBe("available");
    // The bytes of the keys and values it holds.
    let held = "binary".length + BINARY.length;
    for (let i = 0; i < ITEMS; i++) held += `item:${i}`.length + `value-${i}`.length;
    expect(Number(snapshot.BytesUsedForCache)).toBe(held);
    expect(snapshot.ServerlessCacheConfiguration).toMatchObject({ ServerlessCacheName: "mc-source", Engine: "memcached", MajorEngineVersion: "1.6" });
    const events = await sdk.send(new DescribeEventsCommand({ SourceType: "serverless-cache-snapshot", SourceIdentifier: "mc-snap" }));
    expect(events.Events!.map((e) => e.Message)).toContain("Snapshot mc-snap created for cache mc-source.");
  });

  it("restore into a new Memcached serverless cache with every item's value, flags and TTL", async () => {
    const restored = await memcachedCache(sdk, "mc-restored", { SnapshotArnsToRestore: [snapshot.ARN!] });
    expect(restored.Status).toBe("available");
    expectAllItems(await readItems(restored.Endpoint!.Port!));
  });

  it("copy (the copy restores the same items) and delete; export is Valkey/Redis only", async () => {
    await sdk.send(new CopyServerlessCacheSnapshotCommand({ SourceServerlessCacheSnapshotName: "mc-snap", TargetServerlessCacheSnapshotName: "mc-copy" }));
    const copy = await snapshotNamed(sdk, "mc-copy");
    expect(copy).toMatchObject({ Status: "available", BytesUsedForCache: snapshot.BytesUsedForCache });
    const fromCopy = await memcachedCache(sdk, "mc-from-copy", { SnapshotArnsToRestore: [copy.ARN!] });
    expectAllItems(await readItems(fromCopy.Endpoint!.Port!));

    await expectAwsError(sdk.send(new ExportServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "mc-snap", S3BucketName: "b" })), "InvalidParameterCombination", 400);

    await sdk.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: "mc-copy" }));
    await waitFor(
      () => sdk.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: "mc-copy" })).then(() => "there", (e: { name?: string }) => e.name),
      (r) => r === "ServerlessCacheSnapshotNotFoundFault",
    );
  });

  it("do not restore into a Valkey cache", async () => {
    await expectAwsError(
      sdk.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "mixed", Engine: "valkey", SnapshotArnsToRestore: [snapshot.ARN!] })),
      "InvalidParameterCombination",
      400,
    );
  });

  it("a delete takes its final snapshot first, which restores the items", async () => {
    await sdk.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: "mc-source", FinalSnapshotName: "mc-final" }));
    const final = await snapshotNamed(sdk, "mc-final");
    expect(final).toMatchObject({ Status: "available", SnapshotType: "manual" });
    const restored = await memcachedCache(sdk, "mc-from-final", { SnapshotArnsToRestore: [final.ARN!] });
    expectAllItems(await readItems(restored.Endpoint!.Port!));
  });

  it("are taken daily at DailySnapshotTime (a day a second here)", async () => {
    const fast = await startEmulator({ snapshotClockScale: 86_400 });
    try {
      const client = sdkClient(fast);
      await memcachedCache(client, "mc-daily", { SnapshotRetentionLimit: 1, DailySnapshotTime: "03:00" });
      const automated = () => client.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: "mc-daily", SnapshotType: "automated" })).then((o) => o.ServerlessCacheSnapshots!);
      const seen = await waitFor(automated, (list) => list.some((s) => s.Status === "available"), { what: "an automatic snapshot" });
      expect(seen.find((s) => s.Status === "available")!.ServerlessCacheSnapshotName).toMatch(/^automatic\.mc-daily-\d{4}-\d\d-\d\d-03-00$/);
    } finally {
      await fast.stop();
    }
  });
});
