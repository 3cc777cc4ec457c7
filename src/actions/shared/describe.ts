/**
 * Marker/MaxRecords paging as the Describe* operations do it. The marker is opaque to
 * clients: base64 of the key of the last item returned, so deletions between pages
 * neither repeat nor skip items.
 */
import { commonErrors } from "../../protocol/aws-error.js";

export interface Page<T> {
  items: T[];
  marker?: string;
}

export function paginate<T>(
  all: readonly T[],
  keyOf: (item: T) => string,
  request: { Marker?: string; MaxRecords?: number },
  limits = { min: 20, max: 100, default: 100 },
): Page<T> {
  const size = request.MaxRecords ?? limits.default;
  if (size < limits.min || size > limits.max) {
    throw commonErrors.invalidParameterValue(
      `Invalid value for MaxRecords: ${size}. It must be between ${limits.min} and ${limits.max}.`,
    );
  }
  let start = 0;
  if (request.Marker !== undefined && request.Marker !== "") {
    const after = decodeMarker(request.Marker);
    start = all.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = all.length;
  }
  const items = all.slice(start, start + size);
  const more = start + size < all.length;
  return { items, marker: more ? encodeMarker(keyOf(items[items.length - 1])) : undefined };
}

/** Sorts by key so that "after the marker" is well defined. */
export function sortByKey<T>(items: Iterable<T>, keyOf: (item: T) => string): T[] {
  return [...items].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

function encodeMarker(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

function decodeMarker(marker: string): string {
  const key = Buffer.from(marker, "base64url").toString("utf8");
  if (encodeMarker(key) !== marker) throw commonErrors.invalidParameterValue(`Invalid marker: ${marker}`);
  return key;
}
