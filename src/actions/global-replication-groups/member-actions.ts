/** Running a replication group action on every member group of a global datastore, each in its own region. */
import type { GlobalMemberRecord, GlobalReplicationGroupRecord } from "../../state/records.js";
import type { ActionContext } from "../shared/context.js";

/** The context of an action on a member group: the caller's, in the member's region. */
export function memberContext(ctx: ActionContext, member: GlobalMemberRecord): ActionContext {
  return { ...ctx, region: member.region, state: ctx.services.store.region({ accountId: ctx.accountId, region: member.region }) };
}

/** Runs `work` on each member, the primary first (a refusal there changes nothing). */
export async function forEachMember(
  ctx: ActionContext,
  grg: GlobalReplicationGroupRecord,
  work: (memberCtx: ActionContext, member: GlobalMemberRecord) => Promise<void>,
): Promise<void> {
  const ordered = [...grg.members].sort((a, b) => (a.role === "primary" ? -1 : b.role === "primary" ? 1 : 0));
  for (const member of ordered) await work(memberContext(ctx, member), member);
}
