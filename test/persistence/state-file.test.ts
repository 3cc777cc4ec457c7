/**
 * The state file: every collection of RegionState is persisted (a new one must be registered
 * in state/resources.ts), and records round-trip exactly (Dates, Maps, nested data).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { StatePersister } from "../../src/state/persistence.js";
import { persistedFields } from "../../src/state/resources.js";
import { RegionState, Store } from "../../src/state/store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "elasticache-local-state-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the state file", () => {
  it("covers every field of a region's state", () => {
    const fields = Object.keys(new RegionState({ accountId: "000000000000", region: "us-east-1" })).filter((k) => k !== "key");
    expect(fields.filter((f) => !persistedFields("region").includes(f))).toEqual([]);
  });

  it("round-trips records with their dates, maps and nested values, per account and region", async () => {
    const store = new Store();
    const a = store.region({ accountId: "000000000000", region: "us-east-1" });
    const b = store.region({ accountId: "111122223333", region: "eu-west-1" });
    const created = new Date("2026-01-02T03:04:05.678Z");
    a.clusters.set("c1", { id: "c1", createTime: created, nodes: [{ id: "0001", createTime: created, port: 21000 }], pending: {} } as never);
    a.tags.set("arn:x", [{ Key: "k", Value: "v" }]);
    a.addEvent({ sourceType: "cache-cluster", sourceIdentifier: "c1", message: "Cache cluster created", date: created });
    b.addEvent({ sourceType: "cache-cluster", sourceIdentifier: "c2", message: "m", date: created });
    const writer = new StatePersister(dir, store, silentLogger);
    await writer.load();
    await writer.commit();

    const restored = new Store();
    expect(await new StatePersister(dir, restored, silentLogger).load()).toBe(true);
    const ra = restored.region({ accountId: "000000000000", region: "us-east-1" });
    expect(ra.clusters.get("c1")).toEqual(a.clusters.get("c1"));
    expect(ra.clusters.get("c1")!.createTime).toBeInstanceOf(Date);
    expect(ra.tags).toEqual(a.tags);
    expect(ra.events).toEqual(a.events);
    // Event numbering goes on where it stopped.
    ra.addEvent({ sourceType: "cache-cluster", sourceIdentifier: "c1", message: "next", date: created });
    expect(ra.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(restored.region({ accountId: "111122223333", region: "eu-west-1" }).events).toEqual(b.events);
  });

  it("a state file that cannot be read stops the start and is left as it is", async () => {
    await writeFile(join(dir, "state.json"), '{"version": 1, "regions": [');
    await expect(new StatePersister(dir, new Store(), silentLogger).load()).rejects.toThrow(/not valid JSON/);
    expect(await readFile(join(dir, "state.json"), "utf8")).toBe('{"version": 1, "regions": [');
  });
});
