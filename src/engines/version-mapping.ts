/**
 * Which binary runs each engine version AWS offers, for the start-up log: e.g.
 * "engine redis: redis-server 7.0.15 (/usr/bin/redis-server) runs AWS versions 4.0.10, ..., 7.1".
 */
import type { EngineKind } from "../engine-terms.js";
import type { EngineRegistry } from "./registry.js";

export function describeEngineVersions(
  registry: EngineRegistry,
  awsVersions: ReadonlyArray<{ Engine: EngineKind; EngineVersion: string }>,
): string[] {
  return registry.describe().map((found) => {
    const versions = awsVersions.filter((v) => v.Engine === found.engine).map((v) => v.EngineVersion);
    const runner = found.binary ? `${found.driver} ${found.version} (${found.binary})` : `the embedded ${found.driver} subset`;
    return `engine ${found.engine}: ${runner} runs AWS versions ${versions.join(", ")}`;
  });
}
