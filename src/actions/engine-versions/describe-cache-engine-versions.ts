/** DescribeCacheEngineVersions: the versions AWS offers; each one runs here on the closest binary. */
import { allEngineVersions, defaultEngineVersion, findEngineVersion } from "../../catalog/catalog.js";
import type { ActionHandler } from "../shared/context.js";
import { describe } from "../shared/describe.js";

export const describeCacheEngineVersions: ActionHandler<"DescribeCacheEngineVersions"> = async (_ctx, input) => {
  const engine = input.Engine?.toLowerCase();
  const page = describe("DescribeCacheEngineVersions", input, {
    all: allEngineVersions,
    where: (v) =>
      (engine === undefined || v.Engine === engine) &&
      (input.CacheParameterGroupFamily === undefined || v.CacheParameterGroupFamily === input.CacheParameterGroupFamily) &&
      (input.EngineVersion === undefined || findEngineVersion(v.Engine, input.EngineVersion) === v) &&
      (!input.DefaultOnly || defaultEngineVersion(v.Engine) === v.EngineVersion),
    // The catalogue's own order, per engine.
    keyOf: (v) => `${v.Engine}/${String(allEngineVersions().indexOf(v)).padStart(4, "0")}`,
    ordered: true,
  });
  return { Marker: page.next, CacheEngineVersions: page.items.map((v) => ({ ...v })) };
};
