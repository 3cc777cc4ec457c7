/** Writes src/generated/<service>.ts for every vendored service model (`npm run gen`). */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { models, SERVICE_NAMES } from "../src/protocol/model.js";
import { generateApiTypes } from "./type-generator.js";

for (const service of SERVICE_NAMES) {
  const target = fileURLToPath(new URL(`../src/generated/${service}.ts`, import.meta.url));
  writeFileSync(target, generateApiTypes(models.raw(service)));
  console.log(`wrote ${target}`);
}
