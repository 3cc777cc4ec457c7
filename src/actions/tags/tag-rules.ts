/** Finding the resource an ARN names, for every ARN type the resource registry declares. */
import { modelError } from "../../service-errors/elasticache.js";
import { parseArn, type ParsedArn } from "../../state/arn.js";
import type { Tag } from "../../state/records.js";
import { kindOfArnType, lookupResource } from "../../state/resources.js";
import type { ActionContext } from "../shared/context.js";
import { tagMap } from "../shared/tags.js";

export interface TaggableResource {
  arn: ParsedArn;
  /** The resource's own ARN, which its tags are kept under (an id in the request's ARN may differ in case). */
  key: string;
  /** The map the resource's tags are kept in (its scope's), by ARN. */
  tags: Map<string, Tag[]>;
}

/**
 * Parses the ARN and checks that the resource exists in the caller's scope: its account and
 * region, or its account alone for a kind that spans regions (an ARN with an empty region).
 * A resource elsewhere is not found, with its kind's own error.
 */
export function findTaggableResource(ctx: Pick<ActionContext, "state" | "account">, resourceName: string): TaggableResource {
  const arn = parseArn(resourceName);
  if (!arn) throw modelError("InvalidARNFault", `The ARN ${resourceName} is not a valid ElastiCache ARN.`);
  const kind = kindOfArnType(arn.resourceType);
  const inScope =
    arn.accountId === ctx.state.key.accountId && (kind.scope === "account" ? arn.region === "" : arn.region === ctx.state.key.region);
  // Account-scope kinds keep their records in the account state; none has a collection yet.
  const found = inScope && kind.scope === "region" ? lookupResource(kind, ctx.state, arn.resourceName) : undefined;
  if (found === undefined) throw kind.notFound(arn.resourceName);
  return { arn, key: kind.arnOf ? kind.arnOf(found) : resourceName, tags: tagMap(ctx, kind.scope) };
}
