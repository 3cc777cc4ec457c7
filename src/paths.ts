/** Locates files shipped with the package (fixtures/), from src/ under tsx/vitest and from dist/. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "fixtures", "model"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("elasticache-local: cannot find the package's fixtures/ directory");
    dir = parent;
  }
  root = dir;
  return root;
}

export function fixturePath(...parts: string[]): string {
  return join(packageRoot(), "fixtures", ...parts);
}
