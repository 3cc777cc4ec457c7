/** DescribeReservedCacheNodesOfferings: AWS's catalogue of reservations, by id and filters, paged. */
import { findReservedOffering, reservedOfferings, type ReservedOffering } from "../../catalog/reserved-offerings.js";
import { clipValue } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { reservedFilter } from "./reserved-rules.js";

export const describeReservedCacheNodesOfferings: ActionHandler<"DescribeReservedCacheNodesOfferings"> = async (_ctx, input) => {
  const matches = reservedFilter(input);
  const page = describe("DescribeReservedCacheNodesOfferings", input, {
    byId: { id: input.ReservedCacheNodesOfferingId, find: requireOffering },
    all: () => reservedOfferings(),
    where: (o) => matches(termsOf(o)),
    keyOf: (o) => o.ReservedCacheNodesOfferingId,
  });
  return { ReservedCacheNodesOfferings: page.items.map(offeringToWire), Marker: page.next };
};

export function requireOffering(id: string): ReservedOffering {
  const offering = findReservedOffering(id);
  if (!offering) throw modelError("ReservedCacheNodesOfferingNotFoundFault", `ReservedCacheNodesOffering ${clipValue(id)} not found.`);
  return offering;
}

function termsOf(o: ReservedOffering) {
  return { cacheNodeType: o.CacheNodeType, duration: o.Duration, productDescription: o.ProductDescription, offeringType: o.OfferingType };
}

function offeringToWire(o: ReservedOffering) {
  return {
    ReservedCacheNodesOfferingId: o.ReservedCacheNodesOfferingId,
    CacheNodeType: o.CacheNodeType,
    Duration: o.Duration,
    FixedPrice: o.FixedPrice,
    UsagePrice: o.UsagePrice,
    ProductDescription: o.ProductDescription,
    OfferingType: o.OfferingType,
    RecurringCharges: o.HourlyCharge !== undefined ? [{ RecurringChargeAmount: o.HourlyCharge, RecurringChargeFrequency: "Hourly" }] : [],
  };
}
