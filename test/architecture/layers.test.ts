/**
 * The import rules of src/ (.dependency-cruiser.cjs): no file-level import cycle, and layers
 * that only point down (base -> process -> engines | endpoints | tls -> nodes -> state | protocol |
 * service-errors -> lifecycle -> snapshots -> actions -> services -> server -> emulator/cli). A failure lists each
 * violation with its rule and why the rule exists.
 */
import { cruise, type ICruiseResult, type IViolation } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTsConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/cli.js";

/**
 * Violations known today, each being removed by work under way. An entry that no longer
 * occurs fails the test too, so the list only shrinks: delete it when its fix lands.
 */
const KNOWN: Array<{ rule: string; from: string; to: string }> = [];

function describeViolation(v: IViolation): string {
  const path = v.cycle?.length ? `${v.from} -> ${v.cycle.map((c) => c.name).join(" -> ")}` : `${v.from} -> ${v.to}`;
  return `${v.rule.name}: ${path}`;
}

async function cruiseSrc(): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(join(repoRoot, ".dependency-cruiser.cjs"));
  const tsConfig = extractTsConfig(join(repoRoot, "tsconfig.json"));
  const { output } = await cruise(["src"], { ...options, baseDir: repoRoot, validate: true }, undefined, { tsConfig });
  return output as ICruiseResult;
}

describe("src/ layers", () => {
  it("have no import cycle and no upward or sideways import, beyond the known ones being fixed", async () => {
    const result = await cruiseSrc();
    expect(result.summary.totalCruised).toBeGreaterThan(100);
    const violations = result.summary.violations;
    const isKnown = (v: IViolation, k: (typeof KNOWN)[number]) => v.rule.name === k.rule && v.from === k.from && v.to === k.to;
    const unexpected = violations.filter((v) => !KNOWN.some((k) => isKnown(v, k))).map(describeViolation);
    const gone = KNOWN.filter((k) => !violations.some((v) => isKnown(v, k))).map((k) => `${k.rule}: ${k.from} -> ${k.to}`);
    expect(unexpected, "violations of .dependency-cruiser.cjs").toEqual([]);
    expect(gone, "known violations that no longer occur: delete them from KNOWN").toEqual([]);
  }, 60_000);
});
