/**
 * PurchaseReservedCacheNodesOffering: a reservation of CacheNodeCount nodes on an offering's
 * terms, `payment-pending` until paid, then `active` (lifecycle/reserved-node-lifecycle.ts).
 * Without a ReservedCacheNodeId, AWS names it after its start time (`ri-2020-06-30-17-59-40-474`).
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { buildArn } from "../../state/arn.js";
import type { ReservedCacheNodeRecord } from "../../state/records.js";
import { resources } from "../../state/resources.js";
import type { RegionState } from "../../state/store.js";
import { reservedCacheNodeToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { insertResource, requireNew } from "../shared/lookups.js";
import { checkTags } from "../shared/tags.js";
import { requireOffering } from "./describe-reserved-cache-nodes-offerings.js";

export const purchaseReservedCacheNodesOffering: ActionHandler<"PurchaseReservedCacheNodesOffering"> = async (ctx, input) => {
  const offering = requireOffering(input.ReservedCacheNodesOfferingId);
  const count = input.CacheNodeCount ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw commonErrors.invalidParameterValue(`Invalid value for CacheNodeCount: ${count}. It must be at least 1.`);
  }
  if (input.ReservedCacheNodeId !== undefined && input.ReservedCacheNodeId.trim() === "") {
    throw commonErrors.invalidParameterValue("The parameter ReservedCacheNodeId must not be empty.");
  }
  checkTags(input.Tags ?? []);
  const kind = resources.reservedCacheNode;
  if (input.ReservedCacheNodeId !== undefined) requireNew(kind, ctx.state, input.ReservedCacheNodeId);
  const limit = kind.quota!.limit(ctx.services.config);
  const held = [...ctx.state.reservedCacheNodes.values()].reduce((sum, r) => sum + r.cacheNodeCount, 0);
  if (held + count > limit) throw kind.quota!.exceeded(limit);

  const startTime = new Date();
  const id = input.ReservedCacheNodeId ?? generatedId(ctx.state, startTime);
  const reservation: ReservedCacheNodeRecord = {
    id,
    arn: buildArn(ctx.region, ctx.accountId, "reserved-instance", id),
    offeringId: offering.ReservedCacheNodesOfferingId,
    cacheNodeType: offering.CacheNodeType,
    startTime,
    duration: offering.Duration,
    fixedPrice: offering.FixedPrice,
    usagePrice: offering.UsagePrice,
    hourlyCharge: offering.HourlyCharge,
    cacheNodeCount: count,
    productDescription: offering.ProductDescription,
    offeringType: offering.OfferingType,
    status: "payment-pending",
  };
  insertResource(kind, ctx, reservation, input.Tags);
  ctx.services.reserved.purchased(ctx.state, reservation);
  return { ReservedCacheNode: reservedCacheNodeToWire(reservation) };
};

/** `ri-YYYY-MM-DD-HH-MM-SS-mmm` of the start time; a later millisecond when two purchases share one. */
function generatedId(state: RegionState, start: Date): string {
  for (let ms = start.getTime(); ; ms++) {
    const at = new Date(ms).toISOString();
    const id = `ri-${at.slice(0, 10)}-${at.slice(11, 13)}-${at.slice(14, 16)}-${at.slice(17, 19)}-${at.slice(20, 23)}`;
    if (!state.reservedCacheNodes.has(id)) return id;
  }
}
