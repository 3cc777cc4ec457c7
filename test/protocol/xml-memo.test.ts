/**
 * Resources with an ARN are written once and reused while unchanged; large pages leave the
 * serializer in pieces. Both must be invisible to clients: the XML always matches the value
 * given, also when a value changes in place, and the pieces join into the whole document.
 */
import { describe, expect, it } from "vitest";
import { models } from "../../src/protocol/model.js";
import { sameContent } from "../../src/protocol/xml-memo.js";
import { serializeOutput, serializeOutputChunks } from "../../src/protocol/xml-serializer.js";
import { clientAnswering, send } from "./sdk-harness.js";

const model = models.model("elasticache");

function cluster(id: string) {
  return {
    CacheClusterId: id,
    CacheClusterStatus: "available",
    CacheClusterCreateTime: new Date("2026-01-02T03:04:05.006Z"),
    SecurityGroups: [{ SecurityGroupId: "sg-1", Status: "active" }],
    ARN: `arn:aws:elasticache:us-east-1:000000000000:cluster:${id}`,
  };
}

describe("remembered resource XML", () => {
  it("follows changes made in place to nested lists, Dates and scalars", () => {
    const c = cluster("memo-a");
    const output = { CacheClusters: [c] };
    expect(serializeOutput(model, "DescribeCacheClusters", output, "r")).toContain("<SecurityGroupId>sg-1</SecurityGroupId>");

    c.SecurityGroups[0].SecurityGroupId = "sg-2";
    expect(serializeOutput(model, "DescribeCacheClusters", output, "r")).toContain("<SecurityGroupId>sg-2</SecurityGroupId>");

    c.CacheClusterCreateTime.setTime(Date.parse("2027-01-01T00:00:00.000Z"));
    expect(serializeOutput(model, "DescribeCacheClusters", output, "r")).toContain("2027-01-01T00:00:00.000Z");

    c.CacheClusterStatus = "modifying";
    const xml = serializeOutput(model, "DescribeCacheClusters", output, "r");
    expect(xml).toContain("<CacheClusterStatus>modifying</CacheClusterStatus>");
    expect(xml).not.toContain("available");
  });

  it("drops a member that became undefined", () => {
    const c: Record<string, unknown> = { ...cluster("memo-b"), PreferredAvailabilityZone: "us-east-1a" };
    serializeOutput(model, "DescribeCacheClusters", { CacheClusters: [c] }, "r");
    c.PreferredAvailabilityZone = undefined;
    expect(serializeOutput(model, "DescribeCacheClusters", { CacheClusters: [c] }, "r")).not.toContain("PreferredAvailabilityZone");
  });

  it("compares content, not identity", () => {
    expect(sameContent({ a: [1, { b: new Date(5) }], c: undefined }, { a: [1, { b: new Date(5) }] })).toBe(true);
    expect(sameContent({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
    expect(sameContent({ a: new Date(5) }, { a: new Date(6) })).toBe(false);
    expect(sameContent({ a: [] }, { a: {} })).toBe(false);
    expect(sameContent({ a: "1" }, { a: 1 })).toBe(false);
  });
});

describe("large pages in pieces", () => {
  it("cuts a 300-cluster page into pieces that join into the document the SDK reads", async () => {
    const clusters = Array.from({ length: 300 }, (_, i) => cluster(`chunk-${i}`));
    const chunks = serializeOutputChunks(model, "DescribeCacheClusters", { CacheClusters: clusters }, "req-chunks");
    expect(chunks.length).toBeGreaterThan(1);
    const xml = chunks.join("");
    expect(xml).toBe(serializeOutput(model, "DescribeCacheClusters", { CacheClusters: clusters }, "req-chunks"));

    const client = clientAnswering(() => ({ status: 200, xml, requestId: "req-chunks" }));
    const parsed = (await send(client, "DescribeCacheClusters", {})) as { CacheClusters: { CacheClusterId: string }[] };
    expect(parsed.CacheClusters.map((c) => c.CacheClusterId)).toEqual(clusters.map((c) => c.CacheClusterId));
  });
});
