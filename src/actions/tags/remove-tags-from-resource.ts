/** RemoveTagsFromResource: every key must be present (TagNotFound otherwise), and nothing changes on error. */
import { modelError } from "../../service-errors/elasticache.js";
import type { ActionHandler } from "../shared/context.js";
import { findTaggableResource, tagsChanged } from "./tag-rules.js";

export const removeTagsFromResource: ActionHandler<"RemoveTagsFromResource"> = async (ctx, input) => {
  const resource = findTaggableResource(ctx, input.ResourceName);
  const tags = resource.tags.get(resource.key) ?? [];
  const missing = input.TagKeys.find((key) => !tags.some((t) => t.Key === key));
  if (missing !== undefined) throw modelError("TagNotFoundFault", `Tag with key ${missing} not found on ${input.ResourceName}.`);
  const remaining = tags.filter((t) => !input.TagKeys.includes(t.Key));
  resource.tags.set(resource.key, remaining);
  tagsChanged(ctx, resource);
  return { TagList: remaining };
};
