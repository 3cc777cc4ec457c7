/** AddTagsToResource: adds or overwrites tags on the resource an ARN names. */
import type { ActionHandler } from "../shared/context.js";
import { checkTags, findTaggableResource } from "./tag-rules.js";

export const addTagsToResource: ActionHandler<"AddTagsToResource"> = async (ctx, input) => {
  findTaggableResource(ctx.state, input.ResourceName);
  const merged = new Map((ctx.state.tags.get(input.ResourceName) ?? []).map((t) => [t.Key, t.Value]));
  for (const tag of input.Tags) merged.set(tag.Key ?? "", tag.Value);
  const tags = [...merged].map(([Key, Value]) => ({ Key, Value }));
  checkTags(tags);
  ctx.state.tags.set(input.ResourceName, tags);
  return { TagList: tags };
};
