/**
 * One describe for every Describe* operation: pages of MaxRecords items, chained by Marker,
 * reach every item exactly once, in key order, through the JS SDK; MaxRecords out of AWS's
 * bounds is refused. The token and size names come from the model's paginators-1.json, so
 * the serverless operations page with NextToken/MaxResults.
 */
import {
  CreateCacheParameterGroupCommand,
  CreateCacheSecurityGroupCommand,
  CreateCacheSubnetGroupCommand,
  CreateUserCommand,
  DeleteUserCommand,
  DescribeCacheParameterGroupsCommand,
  DescribeCacheSecurityGroupsCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeUsersCommand,
  type ElastiCacheClient,
} from "@aws-sdk/client-elasticache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describe as describeItems, pagingNames } from "../../src/actions/shared/describe.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";

const COUNT = 47;
const names = Array.from({ length: COUNT }, (_, i) => `paged-${String(i).padStart(2, "0")}`);

let emulator: Emulator;
let client: ElastiCacheClient;

beforeAll(async () => {
  emulator = await startEmulator({ engineMode: "embedded" });
  client = sdkClient(emulator);
  for (const name of names) {
    await client.send(new CreateUserCommand({ UserId: name, UserName: name, Engine: "redis", AccessString: "on ~* +@all", NoPasswordRequired: true }));
    await client.send(new CreateCacheSecurityGroupCommand({ CacheSecurityGroupName: name, Description: "paging" }));
    await client.send(new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: name, CacheSubnetGroupDescription: "paging", SubnetIds: ["subnet-0123456789abcdef0"] }));
    await client.send(new CreateCacheParameterGroupCommand({ CacheParameterGroupName: name, CacheParameterGroupFamily: "redis7", Description: "paging" }));
  }
});
afterAll(async () => {
  await emulator?.stop();
});

/** Follows Marker until the last page; returns the ids page by page. */
async function allPages(fetch: (marker: string | undefined) => Promise<{ ids: string[]; marker?: string }>): Promise<string[][]> {
  const pages: string[][] = [];
  let marker: string | undefined;
  do {
    const page = await fetch(marker);
    pages.push(page.ids);
    marker = page.marker;
  } while (marker !== undefined && pages.length < 100);
  return pages;
}

const OPERATIONS: Array<{ name: string; fetch: (marker: string | undefined, size: number) => Promise<{ ids: string[]; marker?: string }>; seeded: number }> = [
  {
    name: "DescribeUsers",
    // The region's `default` user is there too.
    seeded: 1,
    fetch: async (Marker, MaxRecords) => {
      const out = await client.send(new DescribeUsersCommand({ Marker, MaxRecords }));
      return { ids: out.Users!.map((u) => u.UserId!), marker: out.Marker };
    },
  },
  {
    name: "DescribeCacheSecurityGroups",
    seeded: 1,
    fetch: async (Marker, MaxRecords) => {
      const out = await client.send(new DescribeCacheSecurityGroupsCommand({ Marker, MaxRecords }));
      return { ids: out.CacheSecurityGroups!.map((g) => g.CacheSecurityGroupName!), marker: out.Marker };
    },
  },
  {
    name: "DescribeCacheSubnetGroups",
    seeded: 1,
    fetch: async (Marker, MaxRecords) => {
      const out = await client.send(new DescribeCacheSubnetGroupsCommand({ Marker, MaxRecords }));
      return { ids: out.CacheSubnetGroups!.map((g) => g.CacheSubnetGroupName!), marker: out.Marker };
    },
  },
  {
    name: "DescribeCacheParameterGroups",
    // AWS's default.* groups are listed with the caller's own.
    seeded: -1,
    fetch: async (Marker, MaxRecords) => {
      const out = await client.send(new DescribeCacheParameterGroupsCommand({ Marker, MaxRecords }));
      return { ids: out.CacheParameterGroups!.map((g) => g.CacheParameterGroupName!), marker: out.Marker };
    },
  },
];

describe.each(OPERATIONS)("$name", ({ fetch, seeded }) => {
  it("reaches every item exactly once over several pages of MaxRecords, in key order, with no Marker on the last page", async () => {
    const pages = await allPages((marker) => fetch(marker, 20));
    const ids = pages.flat();
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(20);
    expect(pages.at(-1)!.length).toBeLessThanOrEqual(20);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort());
    for (const name of names) expect(ids).toContain(name);
    if (seeded >= 0) expect(ids).toHaveLength(COUNT + seeded);
    // Without MaxRecords, one page of up to 100 holds the same items.
    expect((await allPages((marker) => fetch(marker, 100))).flat()).toEqual(ids);
  });

  it("refuses MaxRecords below 20 or above 100", async () => {
    await expectAwsError(fetch(undefined, 19), "InvalidParameterValue", 400, /MaxRecords/);
    await expectAwsError(fetch(undefined, 101), "InvalidParameterValue", 400, /MaxRecords/);
  });
});

it("neither repeats nor skips an item when items before the marker are deleted between pages", async () => {
  const first = await client.send(new DescribeUsersCommand({ MaxRecords: 20 }));
  for (const user of first.Users!.filter((u) => u.UserId !== "default").slice(0, 5)) {
    await client.send(new DeleteUserCommand({ UserId: user.UserId! }));
  }
  const rest = (await allPages(async (marker) => {
    const out = await client.send(new DescribeUsersCommand({ Marker: marker ?? first.Marker, MaxRecords: 20 }));
    return { ids: out.Users!.map((u) => u.UserId!), marker: out.Marker };
  })).flat();
  const seen = [...first.Users!.map((u) => u.UserId!), ...rest];
  expect(new Set(seen).size).toBe(seen.length);
  for (const name of names) expect(seen).toContain(name);
});

it("refuses a marker it did not hand out", async () => {
  await expectAwsError(client.send(new DescribeUsersCommand({ Marker: "not a marker!" })), "InvalidParameterValue", 400);
});

describe("paging names from the model's paginators", () => {
  it("are Marker/MaxRecords for the node-based operations and NextToken/MaxResults for the serverless ones", () => {
    expect(pagingNames("DescribeCacheClusters")).toEqual({ token: "Marker", limit: "MaxRecords" });
    expect(pagingNames("DescribeSnapshots")).toEqual({ token: "Marker", limit: "MaxRecords" });
    expect(pagingNames("DescribeServerlessCaches")).toEqual({ token: "NextToken", limit: "MaxResults" });
    expect(pagingNames("DescribeServerlessCacheSnapshots")).toEqual({ token: "NextToken", limit: "MaxResults" });
  });

  it("page a NextToken/MaxResults operation by those names", () => {
    const items = Array.from({ length: 5 }, (_, i) => `cache-${i}`);
    const spec = { all: () => items, keyOf: (s: string) => s, limits: { min: 1, max: 100, default: 50 } };
    const first = describeItems("DescribeServerlessCaches", { MaxResults: 2 }, spec);
    expect(first.items).toEqual(["cache-0", "cache-1"]);
    const second = describeItems("DescribeServerlessCaches", { MaxResults: 2, NextToken: first.next }, spec);
    expect(second.items).toEqual(["cache-2", "cache-3"]);
    const last = describeItems("DescribeServerlessCaches", { MaxResults: 2, NextToken: second.next }, spec);
    expect(last).toEqual({ items: ["cache-4"], next: undefined });
    // Marker and MaxRecords mean nothing to it.
    expect(describeItems("DescribeServerlessCaches", { MaxRecords: 2, Marker: first.next }, spec).items).toHaveLength(5);
    expect(() => describeItems("DescribeServerlessCaches", { MaxResults: 0 }, spec)).toThrow(/MaxResults/);
  });
});
