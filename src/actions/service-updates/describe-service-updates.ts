/** DescribeServiceUpdates: the catalogue (catalog/service-updates.ts), its dates on the emulator's clock. */
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { findServiceUpdate, serviceUpdateToWire } from "./service-update-rules.js";

export const describeServiceUpdates: ActionHandler<"DescribeServiceUpdates"> = async (ctx, input) => {
  const statuses = input.ServiceUpdateStatus ?? [];
  const page = describe("DescribeServiceUpdates", input, {
    all: () => ctx.services.updates.catalogue,
    byId: { id: input.ServiceUpdateName, find: (name) => findServiceUpdate(ctx, name) },
    where: (u) => !statuses.length || statuses.includes(ctx.services.updates.updateStatus(u)),
    // Newest first, as AWS lists them; the key orders by release date, then name.
    keyOf: (u) => `${String(9e15 - u.releaseDate.getTime()).padStart(16, "0")}|${u.name}`,
  });
  return { Marker: page.next, ServiceUpdates: page.items.map((u) => serviceUpdateToWire(ctx, u)) };
};
