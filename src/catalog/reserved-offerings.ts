/**
 * The reserved cache node offerings AWS sells (fixtures/aws/reserved-cache-nodes-offerings.json,
 * written by scripts/gen-reserved-offerings.ts): node type × term × offering type × engine,
 * with AWS's prices where published and estimates from its on-demand rates otherwise.
 */
import { readFileSync } from "node:fs";
import { fixturePath } from "../paths.js";

export interface ReservedOffering {
  ReservedCacheNodesOfferingId: string;
  CacheNodeType: string;
  /** Seconds: 31536000 (1 year) or 94608000 (3 years). */
  Duration: number;
  ProductDescription: string;
  OfferingType: string;
  FixedPrice: number;
  UsagePrice: number;
  /** The recurring hourly charge, when the offering has one. */
  HourlyCharge?: number;
  /** Where AWS published the price; absent: estimated. */
  Source?: string;
}

let offerings: readonly ReservedOffering[] | undefined;
let byId: Map<string, ReservedOffering> | undefined;

/** Every offering, in the catalogue's order (node type, engine, term, offering type). */
export function reservedOfferings(): readonly ReservedOffering[] {
  offerings ??= (JSON.parse(readFileSync(fixturePath("aws", "reserved-cache-nodes-offerings.json"), "utf8")) as { offerings: ReservedOffering[] }).offerings;
  return offerings;
}

export function findReservedOffering(id: string): ReservedOffering | undefined {
  byId ??= new Map(reservedOfferings().map((o) => [o.ReservedCacheNodesOfferingId, o]));
  return byId.get(id.toLowerCase());
}

/** The terms AWS sells, in seconds, and the years the Duration filter also accepts for them. */
export const RESERVED_DURATIONS: Readonly<Record<string, number>> = { "1": 31536000, "3": 94608000, "31536000": 31536000, "94608000": 94608000 };
