/**
 * Tags: AWS's limits, where a resource's tags are kept (its scope's tag map, by ARN), and
 * storing the tags a Create request gives.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { Tag } from "../../state/records.js";
import type { Scope } from "../../state/resources.js";
import type { ActionContext } from "./context.js";

export const MAX_TAGS = 50;

export type TagInput = { Key?: string; Value?: string };

/** The caller's scopes, as far as tags need them (work without a request, such as automatic snapshots, has no account). */
export type TagScope = Pick<ActionContext, "state"> & Partial<Pick<ActionContext, "account">>;

export function checkTags(tags: TagInput[]): void {
  for (const tag of tags) {
    if (!tag.Key) throw commonErrors.invalidParameterValue("Tag keys must not be empty.");
    if (tag.Key.length > 128) throw commonErrors.invalidParameterValue(`Tag key ${tag.Key.slice(0, 20)}... is longer than 128 characters.`);
    if ((tag.Value ?? "").length > 256) throw commonErrors.invalidParameterValue(`The value of tag ${tag.Key} is longer than 256 characters.`);
    if (tag.Key.toLowerCase().startsWith("aws:")) {
      throw commonErrors.invalidParameterValue(`Tag keys must not start with "aws:" (${tag.Key}).`);
    }
  }
  if (new Set(tags.map((t) => t.Key)).size > MAX_TAGS) {
    throw modelError("TagQuotaPerResourceExceeded", `A resource can have at most ${MAX_TAGS} tags.`);
  }
}

/** The tag map of a scope: a region's resources keep theirs in the region, account-wide ones in the account. */
export function tagMap(ctx: TagScope, scope: Scope): Map<string, Tag[]> {
  if (scope === "region") return ctx.state.tags;
  if (!ctx.account) throw new Error("an account-scope resource needs the caller's account state");
  return ctx.account.tags;
}

/** Keeps the tags a Create request gave (checked before with checkTags) on the new resource's ARN. */
export function storeTags(ctx: TagScope, arn: string, tags: TagInput[] | undefined, scope: Scope = "region"): void {
  if (tags?.length) tagMap(ctx, scope).set(arn, tags.map((t) => ({ Key: t.Key!, Value: t.Value })));
}
