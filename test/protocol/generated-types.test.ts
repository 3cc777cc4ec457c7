/** src/generated/<service>.ts must be exactly what the generator makes from each vendored model. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateApiTypes } from "../../scripts/type-generator.js";
import { models, SERVICE_NAMES } from "../../src/protocol/model.js";

const committed = (service: string) => readFileSync(new URL(`../../src/generated/${service}.ts`, import.meta.url), "utf8");
const union = (text: string, name: string) => text.split(`export type ${name} =`)[1].split(";")[0].match(/"[^"]+"/g) ?? [];

describe("src/generated/*.ts", () => {
  it("has one file per vendored service model", () => {
    expect(SERVICE_NAMES).toEqual(["elasticache", "cloudwatch"]);
  });

  for (const service of SERVICE_NAMES) {
    it(`src/generated/${service}.ts matches the model (run npm run gen if this fails)`, () => {
      expect(committed(service) === generateApiTypes(models.raw(service)), `src/generated/${service}.ts is stale: run npm run gen`).toBe(true);
    });
  }
});

describe("src/generated/elasticache.ts", () => {
  const fresh = generateApiTypes(models.raw("elasticache"));

  it("lists all 75 operations and 76 error shapes", () => {
    expect(union(fresh, "OperationName")).toHaveLength(75);
    expect(union(fresh, "ErrorShapeName")).toHaveLength(76);
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

describe("src/generated/cloudwatch.ts", () => {
  const fresh = generateApiTypes(models.raw("cloudwatch"));

  it("lists all 46 operations and 14 error shapes", () => {
    expect(union(fresh, "OperationName")).toHaveLength(46);
    expect(union(fresh, "ErrorShapeName")).toHaveLength(14);
  });

  it("types maps and blobs, which the ElastiCache model lacks", () => {
    expect(fresh).toContain('export type StateValue = "OK" | "ALARM" | "INSUFFICIENT_DATA";\n');
    expect(fresh).toContain("  AlarmTypes?: AlarmType[];\n");
    expect(fresh).toContain("  ExtendedStatistics?: Record<string, number>;\n");
    expect(fresh).toContain("  MetricWidgetImage?: Uint8Array;\n");
    expect(fresh).toContain("  DescribeAlarms: { input: DescribeAlarmsInput; output: DescribeAlarmsOutput };\n");
  });
});
