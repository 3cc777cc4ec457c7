/** DescribeCacheEngineVersions: the versions AWS offers; each one runs here on the closest binary. */
import { allEngineVersions, defaultEngineVersion, findEngineVersion } from "../../catalog/catalog.js";
import type { ActionHandler } from "../shared/context.js";
import { paginate } from "../shared/describe.js";

export const describeCacheEngineVersions: ActionHandler<"DescribeCacheEngineVersions"> = async (_ctx, input) => {
  const engine = input.Engine?.toLowerCase();
  let versions = allEngineVersions().filter(
    (v) =>
      (engine === undefined || v.Engine === engine) &&
      (input.CacheParameterGroupFamily === undefined || v.CacheParameterGroupFamily === input.CacheParameterGroupFamily),
  );
  if (input.EngineVersion !== undefined) {
    versions = versions.filter((v) => findEngineVersion(v.Engine, input.EngineVersion!) === v);
  }
  if (input.DefaultOnly) versions = versions.filter((v) => defaultEngineVersion(v.Engine) === v.EngineVersion);
  const page = paginate(versions, (v) => `${v.Engine}/${String(allEngineVersions().indexOf(v)).padStart(4, "0")}`, input);
  return { Marker: page.marker, CacheEngineVersions: page.items.map((v) => ({ ...v })) };
};
