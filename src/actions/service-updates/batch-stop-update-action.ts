/** BatchStopUpdateAction: each named resource's roll stops before its next node (stopping, then stopped). */
import type { ActionHandler } from "../shared/context.js";
import { batch } from "./service-update-rules.js";

export const batchStopUpdateAction: ActionHandler<"BatchStopUpdateAction"> = async (ctx, input) =>
  batch(ctx, input, (update, target) => ctx.services.updates.stop(ctx.state, update, target));
