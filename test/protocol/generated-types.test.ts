/** src/generated/api.ts must be exactly what the generator makes from the vendored model. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadRawServiceJson } from "../../src/protocol/model.js";
import { generateApiTypes } from "../../src/protocol/type-generator.js";

const committed = readFileSync(new URL("../../src/generated/api.ts", import.meta.url), "utf8");
const fresh = generateApiTypes(loadRawServiceJson());

describe("src/generated/api.ts", () => {
  it("matches the model (run npm run gen if this fails)", () => {
    expect(committed === fresh, "src/generated/api.ts is stale: run npm run gen").toBe(true);
  });

  it("lists all 75 operations and 76 error shapes", () => {
    const union = (name: string) => fresh.split(`export type ${name} =`)[1].split(";")[0].match(/"[^"]+"/g) ?? [];
    expect(union("OperationName")).toHaveLength(75);
    expect(union("ErrorShapeName")).toHaveLength(76);
  });

  it("types members from the model: required, enums, lists, timestamps, no-output ops", () => {
    expect(fresh).toContain("export interface CreateCacheClusterMessage {\n  CacheClusterId: string;\n");
    expect(fresh).toContain("  AZMode?: AZMode;\n");
    expect(fresh).toContain('export type AZMode = "single-az" | "cross-az";\n');
    expect(fresh).toContain("  CacheNodeIdsToRemove?: string[];\n");
    expect(fresh).toContain("  CacheClusterCreateTime?: Date;\n");
    expect(fresh).toContain("  DeleteCacheSubnetGroup: { input: DeleteCacheSubnetGroupMessage; output: void };\n");
    expect(fresh).toContain("  /** @deprecated */\n  NodeGroupId?: string;\n");
  });
});
