/**
 * Token paging for CloudWatch's Describe/List operations, with the token and limit member
 * names read from the model's paginators-1.json (DescribeAlarms: NextToken / MaxRecords).
 * The token is opaque to clients: base64url of the key of the last item returned, so items
 * removed between pages neither repeat nor skip others.
 */
import { models } from "../../protocol/model.js";
import { modelError } from "../../service-errors/cloudwatch.js";

export interface TokenPage<T> {
  items: T[];
  /** The output token for the next page; absent on the last page. */
  nextToken?: string;
}

export function pageByToken<T>(
  operation: string,
  sorted: readonly T[],
  keyOf: (item: T) => string,
  input: object,
  defaultLimit: number,
): TokenPage<T> {
  const paginator = models.model("cloudwatch").paginator(operation);
  if (!paginator || typeof paginator.input_token !== "string" || !paginator.limit_key) {
    throw new Error(`pageByToken: ${operation} has no single-token paginator in the model`);
  }
  const request = input as Record<string, unknown>;
  const token = request[paginator.input_token];
  const limit = request[paginator.limit_key];
  const size = typeof limit === "number" ? limit : defaultLimit;
  let start = 0;
  if (typeof token === "string" && token !== "") {
    const after = decodeToken(token);
    start = sorted.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = sorted.length;
  }
  const items = sorted.slice(start, start + size);
  const more = start + size < sorted.length;
  return { items, nextToken: more ? encodeToken(keyOf(items[items.length - 1])) : undefined };
}

function encodeToken(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

function decodeToken(token: string): string {
  const key = Buffer.from(token, "base64url").toString("utf8");
  if (encodeToken(key) !== token) throw modelError("InvalidNextToken", "The service couldn't process the NextToken.");
  return key;
}
