/**
 * One Describe: the item asked for by id, or every item; then the request's filters; then
 * key order; then a page. The names of the page token and of the page size come from the
 * model's paginators-1.json (Marker/MaxRecords for most operations, NextToken/MaxResults
 * for the serverless ones), so a new Describe* names its operation and nothing else about
 * paging.
 *
 * The token is opaque to clients: base64 of the key of the last item returned, so deletions
 * between pages neither repeat nor skip items.
 */
import type { OperationName } from "../../generated/elasticache.js";
import { commonErrors } from "../../protocol/aws-error.js";
import { models } from "../../protocol/model.js";

export interface Page<T> {
  items: T[];
  /** The token of the next page; undefined on the last page. */
  next?: string;
}

/** Page sizes: the least and most a request may ask, and the size when it asks none. */
export interface PageLimits {
  min: number;
  max: number;
  default: number;
}

/** AWS's bounds for MaxRecords on most Describe* operations. */
export const DEFAULT_LIMITS: PageLimits = { min: 20, max: 100, default: 100 };

/** A Filters list (Name, Values) and the fields its names select, as DescribeUsers takes it. */
export interface FilterTable<T> {
  given: ReadonlyArray<{ Name: string; Values: string[] }> | undefined;
  /** Field by lowercase filter name. */
  fields: Record<string, (item: T) => string>;
  /** The valid names, as the error for an unknown one lists them. */
  valid: string;
}

export interface DescribeSpec<T> {
  /** Every item of the scope (read only when no id is asked for). */
  all: () => Iterable<T>;
  /** An id the request names, and how to find it (throwing the kind's not-found error). */
  byId?: { id: string | undefined; find: (id: string) => T };
  /** Keeps the items the request's own parameters select. */
  where?: (item: T) => boolean;
  filters?: FilterTable<T>;
  /** The paging key: items are returned in its order. */
  keyOf: (item: T) => string;
  /** The items already come in key order (events by sequence, the catalogue's own order). */
  ordered?: boolean;
  limits?: PageLimits;
}

type PagedInput = object;

export function describe<T>(operation: OperationName, input: PagedInput, spec: DescribeSpec<T>): Page<T> {
  let items = spec.byId?.id !== undefined ? [spec.byId.find(spec.byId.id)] : [...spec.all()];
  if (spec.where) items = items.filter(spec.where);
  for (const filter of spec.filters?.given ?? []) {
    const field = spec.filters!.fields[filter.Name.toLowerCase()];
    if (!field) throw commonErrors.invalidParameterValue(`Invalid filter name: ${filter.Name}. Valid names: ${spec.filters!.valid}.`);
    items = items.filter((item) => filter.Values.includes(field(item)));
  }
  if (!spec.ordered) items = sortByKey(items, spec.keyOf);
  return paginate(operation, items, spec.keyOf, input, spec.limits ?? DEFAULT_LIMITS);
}

/** The token and size parameters of a paged operation, as the model's paginator names them. */
export function pagingNames(operation: OperationName): { token: string; limit: string } {
  const paginator = models.model("elasticache").paginator(operation);
  if (!paginator || typeof paginator.input_token !== "string" || paginator.limit_key === undefined) {
    throw new Error(`${operation} has no paginator in the model`);
  }
  return { token: paginator.input_token, limit: paginator.limit_key };
}

function paginate<T>(operation: OperationName, all: readonly T[], keyOf: (item: T) => string, input: PagedInput, limits: PageLimits): Page<T> {
  const names = pagingNames(operation);
  const request = input as Record<string, unknown>;
  const size = (request[names.limit] as number | undefined) ?? limits.default;
  if (size < limits.min || size > limits.max) {
    throw commonErrors.invalidParameterValue(`Invalid value for ${names.limit}: ${size}. It must be between ${limits.min} and ${limits.max}.`);
  }
  const token = request[names.token] as string | undefined;
  let start = 0;
  if (token !== undefined && token !== "") {
    const after = decodeToken(token);
    start = all.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = all.length;
  }
  const items = all.slice(start, start + size);
  const more = start + size < all.length;
  return { items, next: more ? encodeToken(keyOf(items[items.length - 1])) : undefined };
}

/** Sorts by key so that "after the token" is well defined. */
function sortByKey<T>(items: Iterable<T>, keyOf: (item: T) => string): T[] {
  return [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

function encodeToken(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  const key = Buffer.from(token, "base64url").toString("utf8");
  if (encodeToken(key) !== token) throw commonErrors.invalidParameterValue(`Invalid marker: ${token}`);
  return key;
}
