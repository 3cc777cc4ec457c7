/** ListTagsForResource. */
import type { ActionHandler } from "../shared/context.js";
import { findTaggableResource } from "./tag-rules.js";

export const listTagsForResource: ActionHandler<"ListTagsForResource"> = async (ctx, input) => {
  const resource = findTaggableResource(ctx, input.ResourceName);
  return { TagList: resource.tags.get(resource.key) ?? [] };
};
