/** Writes src/generated/api.ts from the vendored model (`npm run gen`). */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadRawServiceJson } from "../src/protocol/model.js";
import { generateApiTypes } from "../src/protocol/type-generator.js";

const target = fileURLToPath(new URL("../src/generated/api.ts", import.meta.url));
writeFileSync(target, generateApiTypes(loadRawServiceJson()));
console.log(`wrote ${target}`);
