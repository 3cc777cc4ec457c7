/** Row results, the stdout table and the JSON file. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface Goal {
  /** What the goal constrains: the ratio ours/baseline, or our absolute figure. */
  on: "ratio" | "ours";
  /** `within`: |x - 1| <= value (a ratio held near its baseline, e.g. a rate limit). */
  op: "<=" | ">=" | "<" | ">" | "within";
  value: number;
}

export interface RowResult {
  id: string;
  name: string;
  unit: string;
  /** Median of our samples. */
  ours: number;
  /** Median of the baseline's samples, measured in the same run. */
  baseline: number;
  baselineLabel: string;
  /** ours / baseline. */
  ratio: number;
  goal?: Goal;
  met?: boolean;
  note?: string;
  /** Every sample behind the figures. */
  samples: Record<string, unknown>;
  error?: string;
}

export function row(r: Omit<RowResult, "ratio" | "met">): RowResult {
  const ratio = r.ours / r.baseline;
  let met: boolean | undefined;
  if (r.goal && Number.isFinite(ratio)) {
    const x = r.goal.on === "ratio" ? ratio : r.ours;
    const v = r.goal.value;
    met = r.goal.op === "within" ? Math.abs(x - 1) <= v : r.goal.op === "<=" ? x <= v : r.goal.op === ">=" ? x >= v : r.goal.op === "<" ? x < v : x > v;
  }
  return { ...r, ratio, met };
}

export function failedRow(id: string, name: string, error: unknown): RowResult {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { id, name, unit: "", ours: Number.NaN, baseline: Number.NaN, baselineLabel: "", ratio: Number.NaN, samples: {}, error: message };
}

function fmt(x: number, unit: string): string {
  if (!Number.isFinite(x)) return "n/a";
  const digits = Math.abs(x) >= 1000 ? 0 : Math.abs(x) >= 100 ? 1 : Math.abs(x) >= 10 ? 2 : 3;
  const text = x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
}

function goalText(r: RowResult): string {
  if (!r.goal) return "(info)";
  const subject = r.goal.on === "ratio" ? "ratio" : r.unit || "value";
  if (r.goal.op === "within") return `${subject} 1±${r.goal.value.toLocaleString("en-US")}`;
  return `${subject} ${r.goal.op} ${r.goal.value.toLocaleString("en-US")}`;
}

export function renderTable(rows: RowResult[]): string {
  const header = ["row", "ours", "baseline", "ratio", "goal", "met?"];
  const body = rows.map((r) => [
    `${r.id} ${r.name}`,
    r.error ? "ERROR" : fmt(r.ours, r.unit),
    r.error ? "" : `${fmt(r.baseline, r.unit)} (${r.baselineLabel})`,
    r.error || !Number.isFinite(r.ratio) ? "n/a" : r.ratio.toFixed(3),
    goalText(r),
    r.error ? "error" : r.met === undefined ? "-" : r.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ").trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...body.map(line)];
  const notes = rows.filter((r) => r.note || r.error).map((r) => `  [${r.id}] ${r.error ? `ERROR: ${r.error.split("\n")[0]}` : r.note}`);
  if (notes.length) out.push("", "notes:", ...notes);
  return out.join("\n");
}

export function writeJson(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(data, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n");
}
