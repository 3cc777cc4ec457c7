/**
 * Provisioning files (`--init`): a list of API requests in the API's own terms, JSON or YAML,
 * from one file or a folder of them (read in name order, like docker-entrypoint-initdb.d).
 * Every entry keeps where it came from (file and position) for the errors that name it.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { ProvisioningEntry } from "../config.js";

export interface InitEntry extends Required<Pick<ProvisioningEntry, "action">> {
  input: Record<string, unknown>;
  region?: string;
  service?: string;
  /** The file it was read from ("(options)" when given as entries). */
  source: string;
  /** 1-based position in its file. */
  position: number;
}

const FILE_EXTENSIONS = new Set([".json", ".yaml", ".yml"]);
const ENTRY_KEYS = new Set(["action", "input", "region", "service"]);

/** The entries of a file, a folder of files, or entries given directly (createEmulator({ init: [...] })). */
export async function loadInit(init: string | ProvisioningEntry[]): Promise<InitEntry[]> {
  if (Array.isArray(init)) return checkEntries(init, "(options)");
  const path = resolve(init);
  const info = await stat(path).catch(() => {
    throw new Error(`init: no file or folder ${init}`);
  });
  if (!info.isDirectory()) return readInitFile(path);
  const names = (await readdir(path)).filter((name) => FILE_EXTENSIONS.has(extname(name).toLowerCase())).sort();
  const entries: InitEntry[] = [];
  for (const name of names) entries.push(...(await readInitFile(join(path, name))));
  return entries;
}

async function readInitFile(file: string): Promise<InitEntry[]> {
  const text = await readFile(file, "utf8");
  const extension = extname(file).toLowerCase();
  let document: unknown;
  try {
    document = extension === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new Error(`init file ${file}: ${(error as Error).message}`);
  }
  return checkEntries(document, file);
}

function checkEntries(document: unknown, source: string): InitEntry[] {
  if (document === null || document === undefined) return [];
  if (!Array.isArray(document)) throw new Error(`init file ${source}: expected a list of entries ({ action, input, region?, service? })`);
  return document.map((raw, i) => {
    const where = `init file ${source}, entry ${i + 1}`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${where}: expected an object { action, input, region?, service? }`);
    const entry = raw as Record<string, unknown>;
    const unknown = Object.keys(entry).filter((key) => !ENTRY_KEYS.has(key));
    if (unknown.length) throw new Error(`${where}: unknown key ${unknown.map((k) => `"${k}"`).join(", ")} (an entry has action, input, region, service)`);
    if (typeof entry.action !== "string" || entry.action === "") throw new Error(`${where}: "action" must name an operation, e.g. "CreateReplicationGroup"`);
    const input = entry.input ?? {};
    if (typeof input !== "object" || input === null || Array.isArray(input)) throw new Error(`${where}: "input" must be an object of the operation's members`);
    for (const key of ["region", "service"] as const) {
      if (entry[key] !== undefined && (typeof entry[key] !== "string" || entry[key] === "")) throw new Error(`${where}: "${key}" must be a string`);
    }
    return {
      action: entry.action,
      input: input as Record<string, unknown>,
      region: entry.region as string | undefined,
      service: entry.service as string | undefined,
      source,
      position: i + 1,
    };
  });
}
