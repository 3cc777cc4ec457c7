/** DescribeEngineDefaultParameters: a family's parameters with AWS's default values, paged. */
import { parameterGroupFamilies } from "../../catalog/catalog.js";
import { familyParameters } from "../../catalog/parameter-catalog.js";
import { commonErrors } from "../../protocol/aws-error.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";
import { nodeTypeParametersToWire, parameterToWire } from "./parameter-group-rules.js";

export const describeEngineDefaultParameters: ActionHandler<"DescribeEngineDefaultParameters"> = async (_ctx, input) => {
  const family = input.CacheParameterGroupFamily;
  const families = parameterGroupFamilies();
  if (!families.includes(family)) {
    throw commonErrors.invalidParameterValue(`Invalid value for parameter CacheParameterGroupFamily: ${family}. Valid values: ${families.join(", ")}.`);
  }
  const page = describe("DescribeEngineDefaultParameters", input, { all: () => familyParameters(family), keyOf: (p) => p.name, ordered: true });
  const firstPage = input.Marker === undefined || input.Marker === "";
  return {
    EngineDefaults: {
      CacheParameterGroupFamily: family,
      Marker: page.next,
      Parameters: page.items.map((p) => parameterToWire(p)),
      CacheNodeTypeSpecificParameters: firstPage ? nodeTypeParametersToWire(family) : [],
    },
  };
};
