/**
 * The Terraform AWS provider's waiters, replayed: its `retry.StateChangeConf` polls a read
 * until the status is a target, fails at once on a status that is neither pending nor
 * target ("unexpected state"), and treats a not-found answer as the empty status (the
 * target of every "deleted" waiter). Tests use these exactly as the provider does, with
 * the provider's pending and target lists, so a status the provider does not expect fails
 * the test as it would fail `terraform apply`.
 *
 * The provider waits 30 s before its first poll and 10 s between polls; here the first
 * poll is immediate and polls are 50 ms apart: only the time differs, not what is accepted.
 */
import { waitFor } from "./wait.js";

/** What a waiter read: a status, or NotFound (the provider's `tfresource.NotFound`). */
export type Observed<T> = { status: string; value: T } | { status: "NotFound"; value?: undefined };

export interface StateChange<T> {
  /** What is awaited, for errors ("replication group rg1 available"). */
  what: string;
  pending: string[];
  /** Statuses that end the wait; "NotFound" for a deleted waiter. */
  target: string[];
  /** One read: returns the resource's status (and the resource), or NotFound. */
  refresh: () => Promise<Observed<T>>;
  timeoutMs?: number;
}

/** Runs one provider waiter; returns the last read. Throws on an unexpected status, as the provider does. */
export async function stateChange<T>(conf: StateChange<T>): Promise<Observed<T>> {
  const seen: string[] = [];
  return waitFor(
    conf.refresh,
    (observed) => {
      if (seen.at(-1) !== observed.status) seen.push(observed.status);
      if (conf.target.includes(observed.status)) return true;
      if (!conf.pending.includes(observed.status)) {
        throw new Error(`${conf.what}: unexpected state '${observed.status}', wanted target '${conf.target.join(", ")}' (statuses seen: ${seen.join(" -> ")})`);
      }
      return false;
    },
    { timeoutMs: conf.timeoutMs ?? 90_000, intervalMs: 50, what: conf.what, show: (o) => o.status },
  );
}

/** Maps an SDK error with one of `notFoundCodes` to NotFound (how the provider's finders do it). */
export async function orNotFound<T>(read: () => Promise<{ status: string; value: T } | undefined>, notFoundCodes: string[]): Promise<Observed<T>> {
  try {
    const found = await read();
    return found ?? { status: "NotFound" };
  } catch (e) {
    const code = (e as { Code?: string; name?: string }).Code ?? (e as { name?: string }).name;
    if (code && notFoundCodes.includes(code)) return { status: "NotFound" };
    throw e;
  }
}
