/** ListTagsForResource. */
import type { ActionHandler } from "../shared/context.js";
import { findTaggableResource } from "./tag-rules.js";

export const listTagsForResource: ActionHandler<"ListTagsForResource"> = async (ctx, input) => {
  findTaggableResource(ctx.state, input.ResourceName);
  return { TagList: ctx.state.tags.get(input.ResourceName) ?? [] };
};
