/** BatchApplyUpdateAction: rolls a service update through each named resource's nodes (lifecycle/update-actions.ts). */
import type { ActionHandler } from "../shared/context.js";
import { batch } from "./service-update-rules.js";

export const batchApplyUpdateAction: ActionHandler<"BatchApplyUpdateAction"> = async (ctx, input) =>
  batch(ctx, input, (update, target) => ctx.services.updates.apply(ctx.state, update, target, "customer"));
