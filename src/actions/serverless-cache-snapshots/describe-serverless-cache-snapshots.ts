/** DescribeServerlessCacheSnapshots: by name, by cache, by type; NextToken/MaxResults (at most 50). */
import { resources } from "../../state/resources.js";
import { serverlessSnapshotToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { requireResource } from "../shared/lookups.js";

const LIMITS = { min: 1, max: 50, default: 50 };

export const describeServerlessCacheSnapshots: ActionHandler<"DescribeServerlessCacheSnapshots"> = async (ctx, input) => {
  const cacheName = input.ServerlessCacheName?.toLowerCase();
  const page = describe("DescribeServerlessCacheSnapshots", input, {
    byId: { id: input.ServerlessCacheSnapshotName, find: (name) => requireResource(resources.serverlessCacheSnapshot, ctx.state, name) },
    all: () => ctx.state.serverlessSnapshots.values(),
    where: (s) => (cacheName === undefined || s.cache.name === cacheName) && (input.SnapshotType === undefined || s.snapshotType === input.SnapshotType),
    keyOf: (s) => s.name,
    limits: LIMITS,
  });
  return { NextToken: page.next, ServerlessCacheSnapshots: page.items.map(serverlessSnapshotToWire) };
};
