/**
 * Reserved cache nodes through the SDK: AWS's catalogue of offerings (filters, paging),
 * purchases (payment-pending, then active), the caller's reservations (filters), tags on a
 * reservation's ARN, the quota, every error the model declares, and a data dir restart.
 */
import {
  AddTagsToResourceCommand,
  DescribeReservedCacheNodesCommand,
  DescribeReservedCacheNodesOfferingsCommand,
  ListTagsForResourceCommand,
  PurchaseReservedCacheNodesOfferingCommand,
  type ElastiCacheClient,
  type ReservedCacheNodesOffering,
} from "@aws-sdk/client-elasticache";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";
import { waitFor } from "../helpers/wait.js";

let emulator: Emulator;
let client: ElastiCacheClient;
const others: Emulator[] = [];

beforeAll(async () => {
  // Payment takes a while, so that `payment-pending` is seen before `active`.
  emulator = await startEmulator({ reservedNodeQuota: 12, delays: { createMs: 300 } });
  client = sdkClient(emulator);
});
afterAll(async () => {
  await emulator?.stop();
  for (const e of others) await e.stop();
});

async function offerings(input: ConstructorParameters<typeof DescribeReservedCacheNodesOfferingsCommand>[0] = {}): Promise<ReservedCacheNodesOffering[]> {
  const all: ReservedCacheNodesOffering[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(new DescribeReservedCacheNodesOfferingsCommand({ ...input, Marker: marker, MaxRecords: 100 }));
    all.push(...(page.ReservedCacheNodesOfferings ?? []));
    marker = page.Marker;
  } while (marker);
  return all;
}

async function offeringOf(type: string, product: string, offering: string, years: 1 | 3): Promise<ReservedCacheNodesOffering> {
  const found = await offerings({ CacheNodeType: type, ProductDescription: product, OfferingType: offering, Duration: String(years) });
  expect(found).toHaveLength(1);
  return found[0];
}

describe("DescribeReservedCacheNodesOfferings", () => {
  it("lists every node type in 1- and 3-year terms, in the current and (older types) legacy offering types, for each engine", async () => {
    const t3 = await offerings({ CacheNodeType: "cache.t3.small" });
    // 3 engines × 2 terms × 3 current offering types.
    expect(t3).toHaveLength(18);
    expect(new Set(t3.map((o) => o.ProductDescription))).toEqual(new Set(["redis", "valkey", "memcached"]));
    expect(new Set(t3.map((o) => o.Duration))).toEqual(new Set([31536000, 94608000]));
    expect(new Set(t3.map((o) => o.OfferingType))).toEqual(new Set(["All Upfront", "Partial Upfront", "No Upfront"]));
    const m3 = await offerings({ CacheNodeType: "cache.m3.2xlarge" });
    expect(new Set(m3.map((o) => o.OfferingType))).toEqual(
      new Set(["All Upfront", "Partial Upfront", "No Upfront", "Heavy Utilization", "Medium Utilization", "Light Utilization"]),
    );
    // Valkey runs on current generation types only.
    expect(m3.some((o) => o.ProductDescription === "valkey")).toBe(false);
    for (const o of t3) expect(o.ReservedCacheNodesOfferingId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("answers AWS's published prices where AWS published them", async () => {
    const partial = await offeringOf("cache.t3.small", "memcached", "Partial Upfront", 1);
    expect(partial).toMatchObject({ FixedPrice: 97, UsagePrice: 0, RecurringCharges: [{ RecurringChargeAmount: 0.011, RecurringChargeFrequency: "Hourly" }] });
    const heavy = await offeringOf("cache.m3.2xlarge", "redis", "Heavy Utilization", 1);
    expect(heavy).toMatchObject({ FixedPrice: 1772, RecurringCharges: [{ RecurringChargeAmount: 0.25, RecurringChargeFrequency: "Hourly" }] });
    // Medium Utilization: an hourly UsagePrice and no recurring charge.
    const medium = await offeringOf("cache.m1.small", "memcached", "Medium Utilization", 3);
    expect(medium).toMatchObject({ Duration: 94608000, FixedPrice: 157, UsagePrice: 0.017, RecurringCharges: [] });
    const valkey = await offeringOf("cache.m7g.large", "valkey", "No Upfront", 1);
    expect(valkey).toMatchObject({ FixedPrice: 0, RecurringCharges: [{ RecurringChargeAmount: 0.105, RecurringChargeFrequency: "Hourly" }] });
  });

  it("filters by id, node type, duration (seconds or years), product description and offering type", async () => {
    const one = await offeringOf("cache.r6g.large", "redis", "All Upfront", 3);
    const byId = await client.send(new DescribeReservedCacheNodesOfferingsCommand({ ReservedCacheNodesOfferingId: one.ReservedCacheNodesOfferingId }));
    expect(byId.ReservedCacheNodesOfferings).toEqual([one]);
    const inSeconds = await offerings({ CacheNodeType: "cache.r6g.large", Duration: "94608000" });
    const inYears = await offerings({ CacheNodeType: "cache.r6g.large", Duration: "3" });
    expect(inSeconds).toEqual(inYears);
    expect(inSeconds.every((o) => o.Duration === 94608000)).toBe(true);
    const noUpfront = await offerings({ ProductDescription: "valkey", OfferingType: "No Upfront", Duration: "1" });
    expect(noUpfront.length).toBeGreaterThan(20);
    expect(noUpfront.every((o) => o.ProductDescription === "valkey" && o.OfferingType === "No Upfront" && o.Duration === 31536000)).toBe(true);
    expect(await offerings({ CacheNodeType: "cache.nope" })).toEqual([]);
  });

  it("pages with Marker and MaxRecords: every offering once", async () => {
    const first = await client.send(new DescribeReservedCacheNodesOfferingsCommand({ ProductDescription: "redis", Duration: "1", MaxRecords: 20 }));
    expect(first.ReservedCacheNodesOfferings).toHaveLength(20);
    expect(first.Marker).toBeDefined();
    const ids: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.send(new DescribeReservedCacheNodesOfferingsCommand({ ProductDescription: "redis", Duration: "1", MaxRecords: 20, Marker: marker }));
      ids.push(...page.ReservedCacheNodesOfferings!.map((o) => o.ReservedCacheNodesOfferingId!));
      marker = page.Marker;
    } while (marker);
    const all = await offerings({ ProductDescription: "redis", Duration: "1" });
    expect(ids).toEqual(all.map((o) => o.ReservedCacheNodesOfferingId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("refuses an unknown offering id, a duration AWS does not sell and a page size out of bounds", async () => {
    await expectAwsError(
      client.send(new DescribeReservedCacheNodesOfferingsCommand({ ReservedCacheNodesOfferingId: "00000000-0000-4000-8000-000000000000" })),
      "ReservedCacheNodesOfferingNotFound",
      404,
    );
    await expectAwsError(client.send(new DescribeReservedCacheNodesOfferingsCommand({ Duration: "2" })), "InvalidParameterValue", 400, /Duration/);
    await expectAwsError(client.send(new DescribeReservedCacheNodesOfferingsCommand({ MaxRecords: 10 })), "InvalidParameterValue", 400, /MaxRecords/);
  });
});

describe("PurchaseReservedCacheNodesOffering and DescribeReservedCacheNodes", () => {
  it("buys nodes: payment-pending at purchase, then active, with the offering's terms and the ARN's tags", async () => {
    const offering = await offeringOf("cache.r7g.large", "valkey", "Partial Upfront", 1);
    const bought = await client.send(
      new PurchaseReservedCacheNodesOfferingCommand({
        ReservedCacheNodesOfferingId: offering.ReservedCacheNodesOfferingId,
        ReservedCacheNodeId: "my-reservation",
        CacheNodeCount: 2,
        Tags: [{ Key: "team", Value: "cache" }],
      }),
    );
    expect(bought.ReservedCacheNode).toMatchObject({
      ReservedCacheNodeId: "my-reservation",
      ReservedCacheNodesOfferingId: offering.ReservedCacheNodesOfferingId,
      CacheNodeType: "cache.r7g.large",
      Duration: 31536000,
      FixedPrice: offering.FixedPrice,
      UsagePrice: 0,
      CacheNodeCount: 2,
      ProductDescription: "valkey",
      OfferingType: "Partial Upfront",
      State: "payment-pending",
      RecurringCharges: offering.RecurringCharges,
      ReservationARN: "arn:aws:elasticache:us-east-1:000000000000:reserved-instance:my-reservation",
    });
    expect(bought.ReservedCacheNode!.StartTime).toBeInstanceOf(Date);
    const active = await waitFor(
      () => client.send(new DescribeReservedCacheNodesCommand({ ReservedCacheNodeId: "my-reservation" })),
      (out) => out.ReservedCacheNodes?.[0]?.State === "active",
    );
    expect(active.ReservedCacheNodes![0]).toEqual({ ...bought.ReservedCacheNode, State: "active" });

    const arn = bought.ReservedCacheNode!.ReservationARN!;
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([{ Key: "team", Value: "cache" }]);
    await client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: "cost-center", Value: "42" }] }));
    expect((await client.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList).toEqual([
      { Key: "team", Value: "cache" },
      { Key: "cost-center", Value: "42" },
    ]);
  });

  it("names a reservation after its start time when no id is given, with one node by default", async () => {
    const offering = await offeringOf("cache.t3.small", "redis", "No Upfront", 1);
    const bought = (await client.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: offering.ReservedCacheNodesOfferingId }))).ReservedCacheNode!;
    const start = bought.StartTime!.toISOString();
    expect(bought.ReservedCacheNodeId).toBe(`ri-${start.slice(0, 10)}-${start.slice(11, 13)}-${start.slice(14, 16)}-${start.slice(17, 19)}-${start.slice(20, 23)}`);
    expect(bought).toMatchObject({ CacheNodeCount: 1, RecurringCharges: [{ RecurringChargeAmount: 0.023, RecurringChargeFrequency: "Hourly" }] });
  });

  it("DescribeReservedCacheNodes filters by offering, node type, duration, product description and offering type", async () => {
    const memcached = await offeringOf("cache.m5.large", "memcached", "All Upfront", 3);
    await client.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: memcached.ReservedCacheNodesOfferingId, ReservedCacheNodeId: "mc-3y" }));
    const ids = async (input: ConstructorParameters<typeof DescribeReservedCacheNodesCommand>[0]) =>
      ((await client.send(new DescribeReservedCacheNodesCommand(input))).ReservedCacheNodes ?? []).map((r) => r.ReservedCacheNodeId).sort();
    expect(await ids({ ReservedCacheNodesOfferingId: memcached.ReservedCacheNodesOfferingId })).toEqual(["mc-3y"]);
    expect(await ids({ CacheNodeType: "cache.m5.large" })).toEqual(["mc-3y"]);
    expect(await ids({ Duration: "3" })).toEqual(["mc-3y"]);
    expect(await ids({ Duration: "94608000", ProductDescription: "memcached", OfferingType: "All Upfront" })).toEqual(["mc-3y"]);
    expect(await ids({ ProductDescription: "valkey" })).toEqual(["my-reservation"]);
    expect(await ids({ OfferingType: "Heavy Utilization" })).toEqual([]);
    expect((await ids({})).length).toBe(3);
  });

  it("answers each error the model declares", async () => {
    const offering = await offeringOf("cache.t4g.micro", "redis", "No Upfront", 3);
    const id = offering.ReservedCacheNodesOfferingId;
    await expectAwsError(
      client.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: "11111111-1111-4111-8111-111111111111" })),
      "ReservedCacheNodesOfferingNotFound",
      404,
    );
    // AWS declares this one 404 too.
    await expectAwsError(
      client.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: id, ReservedCacheNodeId: "MY-RESERVATION" })),
      "ReservedCacheNodeAlreadyExists",
      404,
    );
    await expectAwsError(
      client.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: id, CacheNodeCount: 0 })),
      "InvalidParameterValue",
      400,
      /CacheNodeCount/,
    );
    await expectAwsError(client.send(new DescribeReservedCacheNodesCommand({ ReservedCacheNodeId: "nope" })), "ReservedCacheNodeNotFound", 404);
    await expectAwsError(
      client.send(new ListTagsForResourceCommand({ ResourceName: "arn:aws:elasticache:us-east-1:000000000000:reserved-instance:nope" })),
      "ReservedCacheNodeNotFound",
      404,
    );
    // The quota counts nodes: 4 are held, the emulator allows 12.
    await expectAwsError(
      client.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: id, CacheNodeCount: 9 })),
      "ReservedCacheNodeQuotaExceeded",
      400,
      /quota of 12 reserved cache nodes/,
    );
    await client.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: id, CacheNodeCount: 8, ReservedCacheNodeId: "the-rest" }));
    await expectAwsError(
      client.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: id })),
      "ReservedCacheNodeQuotaExceeded",
      400,
    );
  });

  it("keeps purchases per account and region", async () => {
    const west = sdkClient(emulator, { region: "us-west-2" });
    const other = sdkClient(emulator, { accessKeyId: "111122223333" });
    expect((await west.send(new DescribeReservedCacheNodesCommand({}))).ReservedCacheNodes).toEqual([]);
    expect((await other.send(new DescribeReservedCacheNodesCommand({}))).ReservedCacheNodes).toEqual([]);
    const offering = await offeringOf("cache.t3.micro", "valkey", "All Upfront", 1);
    const bought = await west.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: offering.ReservedCacheNodesOfferingId, ReservedCacheNodeId: "my-reservation" }));
    expect(bought.ReservedCacheNode!.ReservationARN).toBe("arn:aws:elasticache:us-west-2:000000000000:reserved-instance:my-reservation");
  });
});

describe("with a data dir", () => {
  it("keeps reservations and their tags across a restart; one still paying is active after it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "elasticache-local-reserved-"));
    try {
      // A payment that does not end before the stop.
      const first = await startEmulator({ dataDir: dir, delays: { createMs: 60_000 } });
      others.push(first);
      const c1 = sdkClient(first);
      const offering = (await c1.send(new DescribeReservedCacheNodesOfferingsCommand({ CacheNodeType: "cache.m6g.large", ProductDescription: "redis", OfferingType: "No Upfront", Duration: "1" })))
        .ReservedCacheNodesOfferings![0];
      await c1.send(new PurchaseReservedCacheNodesOfferingCommand({ ReservedCacheNodesOfferingId: offering.ReservedCacheNodesOfferingId, ReservedCacheNodeId: "kept", CacheNodeCount: 3, Tags: [{ Key: "k", Value: "v" }] }));
      await first.stop();
      const second = await startEmulator({ dataDir: dir });
      others.push(second);
      const c2 = sdkClient(second);
      const kept = (await c2.send(new DescribeReservedCacheNodesCommand({ ReservedCacheNodeId: "kept" }))).ReservedCacheNodes![0];
      expect(kept).toMatchObject({ ReservedCacheNodeId: "kept", CacheNodeCount: 3, CacheNodeType: "cache.m6g.large", State: "active" });
      expect(kept.StartTime).toBeInstanceOf(Date);
      expect((await c2.send(new ListTagsForResourceCommand({ ResourceName: kept.ReservationARN }))).TagList).toEqual([{ Key: "k", Value: "v" }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
