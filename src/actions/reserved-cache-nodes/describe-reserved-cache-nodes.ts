/** DescribeReservedCacheNodes: the caller's reservations in the region, by id, offering and filters, paged. */
import type { ReservedCacheNodeRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import { reservedCacheNodeToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { requireResource } from "../shared/lookups.js";
import { reservedFilter } from "./reserved-rules.js";

export const describeReservedCacheNodes: ActionHandler<"DescribeReservedCacheNodes"> = async (ctx, input) => {
  const matches = reservedFilter(input);
  const offering = input.ReservedCacheNodesOfferingId?.toLowerCase();
  const page = describe("DescribeReservedCacheNodes", input, {
    byId: { id: input.ReservedCacheNodeId, find: (id) => requireResource(resources.reservedCacheNode, ctx.state, id) },
    all: () => ctx.state.reservedCacheNodes.values(),
    where: (r: ReservedCacheNodeRecord) => (offering === undefined || r.offeringId === offering) && matches(r),
    keyOf: (r) => r.id.toLowerCase(),
  });
  return { ReservedCacheNodes: page.items.map(reservedCacheNodeToWire), Marker: page.next };
};
