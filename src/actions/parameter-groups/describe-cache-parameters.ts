/** DescribeCacheParameters: a group's parameters with their values, filtered by Source, paged. */
import { familyParameters } from "../../catalog/parameter-catalog.js";
import { commonErrors } from "../../protocol/aws-error.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { describedParameterGroup } from "../shared/lookups.js";
import { nodeTypeParametersToWire, parameterToWire } from "./parameter-group-rules.js";

const SOURCES = ["user", "system", "engine-default"];

export const describeCacheParameters: ActionHandler<"DescribeCacheParameters"> = async (ctx, input) => {
  const group = describedParameterGroup(ctx.state, input.CacheParameterGroupName);
  if (input.Source !== undefined && !SOURCES.includes(input.Source)) {
    throw commonErrors.invalidParameterValue(`Invalid value for parameter Source: ${input.Source}. Valid values: ${SOURCES.join(", ")}.`);
  }
  const page = describe("DescribeCacheParameters", input, {
    all: () => familyParameters(group.family).map((p) => parameterToWire(p, group)),
    where: input.Source === undefined ? undefined : (p) => p.Source === input.Source,
    keyOf: (p) => p.ParameterName!,
    ordered: true,
  });
  const firstPage = input.Marker === undefined || input.Marker === "";
  return {
    Marker: page.next,
    Parameters: page.items,
    // Node-type specific values are system values, listed once, with the first page.
    CacheNodeTypeSpecificParameters: firstPage && (input.Source ?? "system") === "system" ? nodeTypeParametersToWire(group.family) : [],
  };
};
