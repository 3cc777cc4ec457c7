/** Emits DescribeEvents entries for lifecycle steps, with AWS's wording where known. */
import type { RegionState } from "../state/store.js";

export type EventSourceType =
  | "cache-cluster"
  | "cache-parameter-group"
  | "cache-security-group"
  | "cache-subnet-group"
  | "replication-group"
  | "serverless-cache"
  | "serverless-cache-snapshot"
  | "user"
  | "user-group";

export function emitEvent(
  region: RegionState,
  sourceType: EventSourceType,
  sourceIdentifier: string,
  message: string,
  sourceArn?: string,
): void {
  region.addEvent({ sourceType, sourceIdentifier, message, sourceArn, date: new Date() });
}
