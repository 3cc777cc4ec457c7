/** DescribeServerlessCaches: one cache by name, or a page of all of them (NextToken/MaxResults). */
import { resources } from "../../state/resources.js";
import { serverlessCacheToWire } from "../../state/to-wire.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { requireResource } from "../shared/lookups.js";

/** AWS's bounds for MaxResults here: at most 50, 50 when not given. */
const LIMITS = { min: 1, max: 50, default: 50 };

export const describeServerlessCaches: ActionHandler<"DescribeServerlessCaches"> = async (ctx, input) => {
  const page = describe("DescribeServerlessCaches", input, {
    byId: { id: input.ServerlessCacheName, find: (name) => requireResource(resources.serverlessCache, ctx.state, name) },
    all: () => ctx.state.serverlessCaches.values(),
    keyOf: (c) => c.name,
    limits: LIMITS,
  });
  const host = ctx.services.config.advertisedHost;
  return { NextToken: page.next, ServerlessCaches: page.items.map((c) => serverlessCacheToWire(c, host)) };
};
