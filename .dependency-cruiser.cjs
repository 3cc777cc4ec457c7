/**
 * The import rules of src/, checked by test/architecture/layers.test.ts (and by hand with
 * `npx depcruise src`): no file-level import cycles, and layers that only point down.
 *
 * A module may import its own layer and any layer below it, never one above. engines/,
 * endpoints/ and tls/ sit side by side and do not import each other: what composes an engine
 * with its endpoints and certificates is nodes/, above them.
 */

/**
 * The ranks, lowest first; each holds one layer or several side by side. A layer is a name and
 * the paths (regular expressions from the repository root) it holds. Layers of one rank may
 * import each other unless the rank says `apart`.
 */
const RANKS = [
  {
    layers: [
      {
        name: "base",
        // Generated types, logging, paths, credentials, IAM auth tokens, config, ElastiCache's engine terms, and
        // the AWS reference data (state/catalog.ts and state/parameter-catalog.ts, or src/catalog/).
        paths: [
          "^src/generated/",
          "^src/(logger|paths|credentials|config|engine-terms|iam-token)\\.ts$",
          "^src/catalog/",
          "^src/state/(catalog|parameter-catalog)\\.ts$",
        ],
      },
    ],
  },
  { layers: [{ name: "process", paths: ["^src/process/"] }] },
  {
    // Engine drivers, emulator-owned listeners and certificates know nothing of each other: nodes/ composes them.
    apart: true,
    layers: [
      { name: "engines", paths: ["^src/engines/"] },
      { name: "endpoints", paths: ["^src/endpoints/"] },
      { name: "tls", paths: ["^src/tls/"] },
    ],
  },
  { layers: [{ name: "nodes", paths: ["^src/nodes/"] }] },
  {
    layers: [
      { name: "state", paths: ["^src/state/"] },
      { name: "protocol", paths: ["^src/protocol/"] },
      // Each AWS service's modeled-error constructor, typed by its generated error names (raised by state/ and actions/).
      { name: "service-errors", paths: ["^src/service-errors/"] },
    ],
  },
  { layers: [{ name: "lifecycle", paths: ["^src/lifecycle/"] }] },
  { layers: [{ name: "snapshots", paths: ["^src/snapshots/"] }] },
  { layers: [{ name: "actions", paths: ["^src/actions/"] }] },
  // One entry per AWS service for the router: ElastiCache's adapter over actions/, CloudWatch's handlers and state.
  { layers: [{ name: "services", paths: ["^src/services/"] }] },
  // Boot-time provisioning (init files) and the endpoint listing: API requests through the services' dispatch.
  { layers: [{ name: "provisioning", paths: ["^src/provisioning/"] }] },
  { layers: [{ name: "server", paths: ["^src/server/"] }] },
  // Fault injection: node and zone faults over the lifecycles, network effects on nodes' ports, API faults through the router's interceptor, its /_emulator/ routes.
  { layers: [{ name: "faults", paths: ["^src/faults/"] }] },
  { layers: [{ name: "root", paths: ["^src/(emulator|data-plane|index|cli|cli-options)\\.ts$"] }] },
];
const LAYERS = RANKS.flatMap((rank) => rank.layers);

/** A layer's paths as one regular expression; the base layer's catalog paths are more specific than state/. */
const pathOf = (layers) => layers.flatMap((l) => l.paths).join("|");
/** What is matched by a more specific layer is not matched by the folder pattern (state/catalog.ts is base, not state). */
const notBase = LAYERS[0].paths.join("|");

const forbidden = [
  {
    name: "no-circular",
    comment: "A file-level import cycle: the files of a cycle cannot be understood, tested or moved one at a time.",
    severity: "error",
    from: { path: "^src/" },
    to: { circular: true },
  },
];

RANKS.forEach((rank, i) => {
  const above = RANKS.slice(i + 1).flatMap((r) => r.layers);
  if (above.length === 0) return;
  forbidden.push({
    name: `layer-${rank.layers.map((l) => l.name).join("-")}-points-down`,
    comment: `${rank.layers.map((l) => l.name).join(", ")} may import only layers below: not ${above.map((l) => l.name).join(", ")}.`,
    severity: "error",
    from: { path: pathOf(rank.layers), pathNot: i === 0 ? undefined : notBase },
    to: { path: pathOf(above), pathNot: notBase },
  });
  if (!rank.apart) return;
  for (const from of rank.layers) {
    const others = rank.layers.filter((l) => l !== from);
    forbidden.push({
      name: `${from.name}-not-sideways`,
      comment: `${from.name}/ does not import ${others.map((l) => l.name).join("/ or ")}/: the layer above composes them.`,
      severity: "error",
      from: { path: pathOf([from]) },
      to: { path: pathOf(others) },
    });
  }
});

// Every module of src/ has a layer: a new folder or root file is placed in RANKS first.
const allLayers = pathOf(LAYERS);
forbidden.push(
  {
    name: "module-without-layer",
    comment: "This module is in no layer of .dependency-cruiser.cjs: add its folder to RANKS.",
    severity: "error",
    from: { path: "^src/", pathNot: allLayers },
    to: {},
  },
  {
    name: "import-of-module-without-layer",
    comment: "The imported module is in no layer of .dependency-cruiser.cjs: add its folder to RANKS.",
    severity: "error",
    from: { path: "^src/" },
    to: { path: "^src/", pathNot: allLayers },
  },
);

module.exports = {
  forbidden,
  options: {
    // Type-only imports count: a type is as much a dependency as a value.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist)/" },
    moduleSystems: ["es6"],
  },
};
