/** RemoveTagsFromResource: every key must be present (TagNotFound otherwise), and nothing changes on error. */
import { modelError } from "../../protocol/model-errors.js";
import type { ActionHandler } from "../shared/context.js";
import { findTaggableResource } from "./tag-rules.js";

export const removeTagsFromResource: ActionHandler<"RemoveTagsFromResource"> = async (ctx, input) => {
  findTaggableResource(ctx.state, input.ResourceName);
  const tags = ctx.state.tags.get(input.ResourceName) ?? [];
  const missing = input.TagKeys.find((key) => !tags.some((t) => t.Key === key));
  if (missing !== undefined) throw modelError("TagNotFoundFault", `Tag with key ${missing} not found on ${input.ResourceName}.`);
  const remaining = tags.filter((t) => !input.TagKeys.includes(t.Key));
  ctx.state.tags.set(input.ResourceName, remaining);
  return { TagList: remaining };
};
