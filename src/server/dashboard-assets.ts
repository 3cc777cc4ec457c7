/**
 * The dashboard's static files, served by the emulator itself under `/_emulator/assets/` so the
 * page needs nothing from the network: uPlot's script and style, read from the installed `uplot`
 * package (a runtime dependency) the first time they are asked for.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

const ASSETS: Record<string, { module: string; contentType: string }> = {
  "uPlot.iife.min.js": { module: "uplot/dist/uPlot.iife.min.js", contentType: "text/javascript; charset=utf-8" },
  "uPlot.min.css": { module: "uplot/dist/uPlot.min.css", contentType: "text/css; charset=utf-8" },
};

const loaded = new Map<string, Promise<string>>();

/** The asset of that name (its text and content type), or undefined for any other name. */
export async function dashboardAsset(name: string): Promise<{ text: string; contentType: string } | undefined> {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) return undefined;
  let text = loaded.get(name);
  if (!text) loaded.set(name, (text = readFile(require.resolve(asset.module), "utf8")));
  return { text: await text, contentType: asset.contentType };
}
