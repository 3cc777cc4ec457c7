/** Finding the resource an ARN names, for every ARN type the resource registry declares. */
import { emitEvent } from "../../lifecycle/events.js";
import { serverlessEvents } from "../../lifecycle/serverless-lifecycle.js";
import { clipValue } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import { parseArn, type ParsedArn } from "../../state/arn.js";
import type { Tag } from "../../state/records.js";
import { collectionOf, kindOfArnType, lookupResource } from "../../state/resources.js";
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
 * region, or its account alone for a kind that spans regions (an ARN with an empty region),
 * and that its kind tags it in its current state (the registry's `tagging`). A resource
 * elsewhere is not found, with its kind's own error.
 */
export function findTaggableResource(ctx: Pick<ActionContext, "state" | "account">, resourceName: string): TaggableResource {
  const arn = parseArn(resourceName);
  if (!arn) throw invalidArn(resourceName);
  const kind = kindOfArnType(arn.resourceType);
  const inScope =
    arn.accountId === ctx.state.key.accountId && (kind.scope === "account" ? arn.region === "" : arn.region === ctx.state.key.region);
  // Account-scope kinds keep their records in the account state.
  const found = !inScope
    ? undefined
    : kind.scope === "region"
      ? lookupResource(kind, ctx.state, arn.resourceName)
      : collectionOf(kind, ctx.account)?.get(kind.keyOf ? kind.keyOf(arn.resourceName) : arn.resourceName);
  if (found === undefined) throw (kind.tagging?.notFound ?? kind.notFound)(arn.resourceName);
  const refused = kind.tagging?.refuse?.(found);
  if (refused) throw refused;
  return { arn, key: kind.arnOf ? kind.arnOf(found) : resourceName, tags: tagMap(ctx, kind.scope) };
}

/** AWS's event for a serverless cache whose tags changed (serverless-metrics-events); other kinds have none. */
export function tagsChanged(ctx: Pick<ActionContext, "state">, resource: TaggableResource): void {
  if (resource.arn.resourceType !== "serverlesscache") return;
  const name = parseArn(resource.key)?.resourceName ?? resource.arn.resourceName;
  emitEvent(ctx.state, "serverless-cache", name, serverlessEvents.tagsUpdated(name), resource.key);
}

/**
 * AWS's answer to a malformed ARN: one with fewer than seven `:`-separated components is
 * worded as AWS words it; one with seven that names no ElastiCache resource type (another
 * service, an unknown type, a malformed account) keeps a message of the emulator's own.
 */
function invalidArn(resourceName: string) {
  if (resourceName.split(":").length < 7) return modelError("InvalidARNFault", "Input ARN string does not have 7 components.");
  return modelError("InvalidARNFault", `The ARN ${clipValue(resourceName)} is not a valid ElastiCache ARN.`);
}
