/** AddTagsToResource: adds or overwrites tags on the resource an ARN names. */
import type { ActionHandler } from "../shared/context.js";
import { checkTags } from "../shared/tags.js";
import { findTaggableResource, tagsChanged } from "./tag-rules.js";

export const addTagsToResource: ActionHandler<"AddTagsToResource"> = async (ctx, input) => {
  const resource = findTaggableResource(ctx, input.ResourceName);
  const merged = new Map((resource.tags.get(resource.key) ?? []).map((t) => [t.Key, t.Value]));
  for (const tag of input.Tags) merged.set(tag.Key ?? "", tag.Value);
  const tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
  checkTags(tags);
  resource.tags.set(resource.key, tags);
  tagsChanged(ctx, resource);
  return { TagList: tags };
};
