/**
 * Writes fixtures/aws/reserved-cache-nodes-offerings.json: the reserved cache node offerings
 * DescribeReservedCacheNodesOfferings answers from. Run once when the table below changes
 * (`npx tsx scripts/gen-reserved-offerings.ts`); the JSON is the catalogue, committed.
 *
 * Every node type of fixtures/aws/node-types.json × 1 and 3 years × the current offering
 * types (All/Partial/No Upfront) × the engines that run on it, plus the legacy Heavy/Medium/
 * Light Utilization offerings of the previous-generation types. Prices come from AWS's
 * published figures where the reference quotes them (SOURCED below, each with its source),
 * else from the type's on-demand rate with the discount ratios those figures show.
 * Offering ids are UUIDs derived from the offering's identity, so they never change.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fixturePath } from "../src/paths.js";

const YEAR = 31536000;
const THREE_YEARS = 94608000;
const HOURS = { [YEAR]: 8760, [THREE_YEARS]: 26280 } as const;

/**
 * On-demand hourly rates, USD, us-east-1, Redis OSS node-based clusters (Memcached the same;
 * Valkey 20% lower, as AWS prices it). From aws.amazon.com/elasticache/pricing/ and its
 * previous-generation page.
 */
const ON_DEMAND: Record<string, number> = {
  "cache.t1.micro": 0.02,
  "cache.m1.small": 0.041,
  "cache.m1.medium": 0.082,
  "cache.m1.large": 0.164,
  "cache.m1.xlarge": 0.328,
  "cache.m2.xlarge": 0.222,
  "cache.m2.2xlarge": 0.444,
  "cache.m2.4xlarge": 0.888,
  "cache.c1.xlarge": 0.33,
  "cache.m3.medium": 0.09,
  "cache.m3.large": 0.182,
  "cache.m3.xlarge": 0.364,
  "cache.m3.2xlarge": 0.728,
  "cache.r3.large": 0.228,
  "cache.r3.xlarge": 0.455,
  "cache.r3.2xlarge": 0.91,
  "cache.r3.4xlarge": 1.82,
  "cache.r3.8xlarge": 3.64,
  "cache.t2.micro": 0.017,
  "cache.t2.small": 0.034,
  "cache.t2.medium": 0.068,
  "cache.m4.large": 0.156,
  "cache.m4.xlarge": 0.311,
  "cache.m4.2xlarge": 0.623,
  "cache.m4.4xlarge": 1.245,
  "cache.m4.10xlarge": 3.112,
  "cache.r4.large": 0.228,
  "cache.r4.xlarge": 0.455,
  "cache.r4.2xlarge": 0.91,
  "cache.r4.4xlarge": 1.82,
  "cache.r4.8xlarge": 3.64,
  "cache.r4.16xlarge": 7.28,
  "cache.t3.micro": 0.017,
  "cache.t3.small": 0.034,
  "cache.t3.medium": 0.068,
  "cache.t4g.micro": 0.016,
  "cache.t4g.small": 0.032,
  "cache.t4g.medium": 0.065,
  "cache.m5.large": 0.156,
  "cache.m5.xlarge": 0.311,
  "cache.m5.2xlarge": 0.623,
  "cache.m5.4xlarge": 1.245,
  "cache.m5.12xlarge": 3.744,
  "cache.m5.24xlarge": 7.488,
  "cache.m6g.large": 0.149,
  "cache.m6g.xlarge": 0.298,
  "cache.m6g.2xlarge": 0.596,
  "cache.m6g.4xlarge": 1.192,
  "cache.m6g.8xlarge": 2.384,
  "cache.m6g.12xlarge": 3.576,
  "cache.m6g.16xlarge": 4.768,
  "cache.m7g.large": 0.158,
  "cache.m7g.xlarge": 0.315,
  "cache.m7g.2xlarge": 0.632,
  "cache.m7g.4xlarge": 1.26,
  "cache.m7g.8xlarge": 2.52,
  "cache.m7g.12xlarge": 3.78,
  "cache.m7g.16xlarge": 5.04,
  "cache.r5.large": 0.216,
  "cache.r5.xlarge": 0.431,
  "cache.r5.2xlarge": 0.862,
  "cache.r5.4xlarge": 1.724,
  "cache.r5.12xlarge": 5.173,
  "cache.r5.24xlarge": 10.346,
  "cache.r6g.large": 0.206,
  "cache.r6g.xlarge": 0.411,
  "cache.r6g.2xlarge": 0.822,
  "cache.r6g.4xlarge": 1.645,
  "cache.r6g.8xlarge": 3.29,
  "cache.r6g.12xlarge": 4.934,
  "cache.r6g.16xlarge": 6.579,
  "cache.r6gd.xlarge": 0.781,
  "cache.r6gd.2xlarge": 1.562,
  "cache.r6gd.4xlarge": 3.124,
  "cache.r6gd.8xlarge": 6.248,
  "cache.r6gd.12xlarge": 9.373,
  "cache.r6gd.16xlarge": 12.497,
  "cache.r7g.large": 0.219,
  "cache.r7g.xlarge": 0.437,
  "cache.r7g.2xlarge": 0.873,
  "cache.r7g.4xlarge": 1.747,
  "cache.r7g.8xlarge": 3.493,
  "cache.r7g.12xlarge": 5.24,
  "cache.r7g.16xlarge": 6.986,
  "cache.c7gn.large": 0.255,
  "cache.c7gn.xlarge": 0.51,
  "cache.c7gn.2xlarge": 1.02,
  "cache.c7gn.4xlarge": 2.04,
  "cache.c7gn.8xlarge": 4.08,
  "cache.c7gn.12xlarge": 6.12,
  "cache.c7gn.16xlarge": 8.16,
};

/** Families of the legacy (Heavy/Medium/Light Utilization) offerings. */
const PREVIOUS_GENERATION = /^cache\.(t1|m1|m2|c1|m3|r3|t2|m4|r4)\./;
/** Families Valkey does not run on (previous generation). */
const NO_VALKEY = PREVIOUS_GENERATION;
/** Data tiering types run Redis OSS and Valkey only. */
const NO_MEMCACHED = /^cache\.r6gd\./;

type OfferingType = "All Upfront" | "Partial Upfront" | "No Upfront" | "Heavy Utilization" | "Medium Utilization" | "Light Utilization";
type Product = "redis" | "valkey" | "memcached";

/**
 * Price as fractions of the on-demand rate: `fixed` of the term's on-demand cost paid up
 * front, `hourly` of the rate as a recurring hourly charge, `usage` of the rate as UsagePrice.
 * Fitted to the sourced rows: t3.small Partial Upfront 1y (97 + 0.011/h), t3.small No Upfront
 * 1y (0.023/h), m3.2xlarge Heavy 1y (1772 + 0.25/h), m4.xlarge Heavy 3y (1248 + 0.077/h),
 * m1.small Medium 3y (157, UsagePrice 0.017).
 */
const RATIOS: Record<OfferingType, Record<number, { fixed: number; hourly: number; usage: number }>> = {
  "All Upfront": { [YEAR]: { fixed: 0.62, hourly: 0, usage: 0 }, [THREE_YEARS]: { fixed: 0.42, hourly: 0, usage: 0 } },
  "Partial Upfront": { [YEAR]: { fixed: 0.3257, hourly: 0.325, usage: 0 }, [THREE_YEARS]: { fixed: 0.22, hourly: 0.22, usage: 0 } },
  "No Upfront": { [YEAR]: { fixed: 0, hourly: 0.68, usage: 0 }, [THREE_YEARS]: { fixed: 0, hourly: 0.5, usage: 0 } },
  "Heavy Utilization": { [YEAR]: { fixed: 0.278, hourly: 0.343, usage: 0 }, [THREE_YEARS]: { fixed: 0.1527, hourly: 0.2476, usage: 0 } },
  "Medium Utilization": { [YEAR]: { fixed: 0.22, hourly: 0, usage: 0.5 }, [THREE_YEARS]: { fixed: 0.1457, hourly: 0, usage: 0.4146 } },
  "Light Utilization": { [YEAR]: { fixed: 0.1, hourly: 0, usage: 0.7 }, [THREE_YEARS]: { fixed: 0.07, hourly: 0, usage: 0.6 } },
};

/** AWS's own figures, as the reference (shared/reference/aws-next-capabilities.md §3) quotes them. */
const SOURCED: Array<{ type: string; product: Product; offering: OfferingType; duration: number; fixed: number; hourly: number; usage: number; source: string }> = [
  { type: "cache.m7g.large", product: "valkey", offering: "No Upfront", duration: YEAR, fixed: 0, hourly: 0.105, usage: 0, source: "a real 2026 purchase (PurchaseReservedCacheNodesOffering output)" },
  { type: "cache.t3.small", product: "redis", offering: "No Upfront", duration: YEAR, fixed: 0, hourly: 0.023, usage: 0, source: "aws-cli example describe-reserved-cache-nodes" },
  { type: "cache.t3.small", product: "memcached", offering: "Partial Upfront", duration: YEAR, fixed: 97, hourly: 0.011, usage: 0, source: "aws-cli example describe-reserved-cache-nodes-offerings" },
  { type: "cache.m3.2xlarge", product: "redis", offering: "Heavy Utilization", duration: YEAR, fixed: 1772, hourly: 0.25, usage: 0, source: "aws-cli example purchase-reserved-cache-nodes-offering" },
  { type: "cache.m4.xlarge", product: "redis", offering: "Heavy Utilization", duration: THREE_YEARS, fixed: 1248, hourly: 0.077, usage: 0, source: "botocore examples-1.json" },
  { type: "cache.m1.small", product: "memcached", offering: "Medium Utilization", duration: THREE_YEARS, fixed: 157, hourly: 0, usage: 0.017, source: "botocore examples-1.json" },
];

interface Offering {
  ReservedCacheNodesOfferingId: string;
  CacheNodeType: string;
  Duration: number;
  ProductDescription: Product;
  OfferingType: OfferingType;
  FixedPrice: number;
  UsagePrice: number;
  /** The recurring hourly charge (RecurringCharges), when there is one. */
  HourlyCharge?: number;
  /** Where AWS published this offering's price; absent: derived. */
  Source?: string;
}

function offeringId(type: string, duration: number, offering: string, product: string): string {
  const hex = createHash("sha256").update(`elasticache-local reserved offering ${type} ${duration} ${offering} ${product}`).digest("hex");
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

const nodeTypes = Object.keys(JSON.parse(readFileSync(fixturePath("aws", "node-types.json"), "utf8")).memoryGiB as Record<string, number>);
const offerings: Offering[] = [];
for (const type of nodeTypes) {
  const rate = ON_DEMAND[type];
  if (rate === undefined) throw new Error(`no on-demand rate for ${type}`);
  const previous = PREVIOUS_GENERATION.test(type);
  const products: Product[] = (["redis", "valkey", "memcached"] as const).filter(
    (p) => !(p === "valkey" && NO_VALKEY.test(type)) && !(p === "memcached" && NO_MEMCACHED.test(type)),
  );
  const kinds: OfferingType[] = ["All Upfront", "Partial Upfront", "No Upfront"];
  if (previous) kinds.push("Heavy Utilization", "Medium Utilization", "Light Utilization");
  for (const product of products) {
    const productRate = product === "valkey" ? rate * 0.8 : rate;
    for (const duration of [YEAR, THREE_YEARS]) {
      for (const kind of kinds) {
        // Valkey came after the legacy offerings ended.
        if (product === "valkey" && kind.endsWith("Utilization")) continue;
        const sourced = SOURCED.find((s) => s.type === type && s.product === product && s.offering === kind && s.duration === duration);
        const ratio = RATIOS[kind][duration];
        const fixed = sourced?.fixed ?? round(productRate * HOURS[duration as keyof typeof HOURS] * ratio.fixed, 0);
        const hourly = sourced?.hourly ?? round(productRate * ratio.hourly, 3);
        const usage = sourced?.usage ?? round(productRate * ratio.usage, 3);
        offerings.push({
          ReservedCacheNodesOfferingId: offeringId(type, duration, kind, product),
          CacheNodeType: type,
          Duration: duration,
          ProductDescription: product,
          OfferingType: kind,
          FixedPrice: fixed,
          UsagePrice: usage,
          ...(hourly > 0 && { HourlyCharge: hourly }),
          ...(sourced && { Source: sourced.source }),
        });
      }
    }
  }
}

const file = {
  _comment: [
    "Reserved cache node offerings (DescribeReservedCacheNodesOfferings), written by scripts/gen-reserved-offerings.ts.",
    "Rows with Source carry AWS's published price (aws-cli and botocore examples, a real 2026 purchase).",
    "The others are derived from AWS's on-demand rates (us-east-1, aws.amazon.com/elasticache/pricing/; Valkey 20% below Redis OSS)",
    "with the upfront/hourly ratios those published rows show: real offerings, estimated prices.",
    "Offering ids are stable: a UUID from the node type, duration, offering type and product.",
  ],
  offerings,
};
const lines = offerings.map((o) => "    " + JSON.stringify(o));
const text = `{\n  "_comment": ${JSON.stringify(file._comment, null, 4).replace(/\n/g, "\n  ")},\n  "offerings": [\n${lines.join(",\n")}\n  ]\n}\n`;
writeFileSync(fixturePath("aws", "reserved-cache-nodes-offerings.json"), text);
console.log(`${offerings.length} offerings`);
