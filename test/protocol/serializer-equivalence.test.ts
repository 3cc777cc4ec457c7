/**
 * The compiled serializer (src/protocol/xml-serializer.ts) against the original one kept in
 * reference-serializer.ts: for every operation the XML must be byte-identical, and a value
 * that does not fit its shape must throw the same plain Error (same message, same path).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildServiceModel, models, type RawServiceJson, type ServiceModel } from "../../src/protocol/model.js";
import { escapeXml, serializeError } from "../../src/protocol/error-serializer.js";
import { serializeOutput } from "../../src/protocol/xml-serializer.js";
import { AwsError } from "../../src/protocol/aws-error.js";
import * as reference from "./reference-serializer.js";
import { SDK_GAPS, sampleStructure } from "./samples.js";

const model = models.model("elasticache");
const operations = [...model.operations.values()];

type Outcome = { xml: string } | { error: string };

/** What a serializer call gives: its XML, or the class and message of what it threw. */
function outcome(run: () => string): Outcome {
  try {
    return { xml: run() };
  } catch (e) {
    return { error: e instanceof Error ? `${e.constructor.name}: ${e.message}` : `non-Error: ${String(e)}` };
  }
}

function expectSameOutput(m: ServiceModel, operation: string, output: unknown, requestId = "req-1"): Outcome {
  const ours = outcome(() => serializeOutput(m, operation, output, requestId));
  const theirs = outcome(() => reference.serializeOutput(m, operation, output, requestId));
  expect(ours).toEqual(theirs);
  return ours;
}

/** Text that exercises escaping: markup, CR/LF/tab, controls, U+FFFE/FFFF, lone and paired surrogates. */
const trickyChar = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.constantFrom("&", "<", ">", '"', "'", "\r", "\n", "\t", "\r\n", "]]>", "&amp;") },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom("\u0000", "\u0008", "\u000b", "\u001f", "\u007f", "\u0085", "\ud7ff", "\ue000", "\ufffd", "\ufffe", "\uffff", "ü", "🙂", "\u{10ffff}") },
);
const trickyText = fc.string({ unit: trickyChar, maxLength: 12 });

/** A value of the wrong kind for (almost) any shape. */
const wrongValue = fc.oneof(
  fc.constantFrom<unknown>("x", "12a", "", "soon", "true ", [], {}, NaN, Infinity, -0, 1.5, 2 ** 60, true, false),
  fc.constant(new Date(Number.NaN)),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
  fc.array(fc.integer(), { maxLength: 2 }),
);

/** Model-driven outputs: any subset of members, nulls and holes, edge-case scalars and, now and then, a wrong value. */
function valueFor(m: ServiceModel, shapeName: string, depth: number, wrongWeight: number): fc.Arbitrary<unknown> {
  const shape = m.shape(shapeName);
  let good: fc.Arbitrary<unknown>;
  switch (shape.type) {
    case "structure": {
      const entries = depth > 6 ? [] : Object.entries(shape.members);
      const members = Object.fromEntries(
        entries.map(([name, ref]) => [
          name,
          fc.oneof(
            { weight: 8, arbitrary: valueFor(m, ref.shape, depth + 1, wrongWeight) },
            { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
          ),
        ]),
      );
      good = fc.record(members, { requiredKeys: [] });
      break;
    }
    case "list": {
      const item = fc.oneof(
        { weight: 8, arbitrary: valueFor(m, shape.member.shape, depth + 1, wrongWeight) },
        { weight: 1, arbitrary: fc.constantFrom(null, undefined) },
      );
      good = fc.oneof({ weight: 6, arbitrary: fc.array(item, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.sparseArray(item, { maxLength: 3 }) });
      break;
    }
    case "string":
      good = fc.oneof({ weight: 6, arbitrary: trickyText }, { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean()) });
      break;
    case "boolean":
      good = fc.oneof(fc.boolean(), fc.constantFrom("true", "false"));
      break;
    case "integer":
    case "long":
      good = fc.oneof(fc.integer(), fc.constantFrom(0, -0, 2 ** 53, 1e21, -1e21), fc.bigInt(), fc.integer().map(String), fc.constantFrom("-0", "007"));
      break;
    case "double":
    case "float":
      good = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(0.1, 1e21, 1e-7, -0, 5e-324));
      break;
    case "timestamp":
      good = fc.oneof(
        fc.date({ noInvalidDate: true }),
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constantFrom("2024-05-01T12:34:56Z", "2024-05-01", "2024-05-01T12:34:56+02:00", "Wed, 01 May 2024 12:34:56 GMT"),
      );
      break;
  }
  return wrongWeight > 0 ? fc.oneof({ weight: wrongWeight, arbitrary: good }, { weight: 1, arbitrary: wrongValue }) : good;
}

describe("compiled serializeOutput is byte-identical to the reference serializer", () => {
  it.each(operations.map((op) => [op.name, op] as const))("%s: model samples", (name, op) => {
    const requestId = `req-${name} <&>`;
    const samples = op.output
      ? [
          sampleStructure(model, op.output),
          sampleStructure(model, op.output, { omit: SDK_GAPS }),
          sampleStructure(model, op.output, { requiredOnly: true }),
          {},
        ]
      : [];
    for (const sample of [...samples, undefined, null]) {
      const result = expectSameOutput(model, name, sample, requestId);
      expect(result).toHaveProperty("xml");
    }
  });

  it("random well-typed outputs of every operation", () => {
    for (const op of operations) {
      if (!op.output) continue;
      fc.assert(
        fc.property(valueFor(model, op.output, 0, 0), fc.string({ maxLength: 8 }), (output, requestId) => {
          expect(expectSameOutput(model, op.name, output, requestId)).toHaveProperty("xml");
        }),
        { numRuns: 25 },
      );
    }
  });

  it("random outputs with wrong values: the same error, or the same XML where the reference accepts them", () => {
    for (const op of operations) {
      if (!op.output) continue;
      fc.assert(
        fc.property(fc.oneof(valueFor(model, op.output, 0, 12), wrongValue), (output) => {
          expectSameOutput(model, op.name, output);
        }),
        { numRuns: 25 },
      );
    }
  });

  it("a realistic DescribeCacheClusters page, serialized repeatedly (caches stay correct)", () => {
    const created = new Date(Date.UTC(2025, 0, 15, 10, 0, 0, 123));
    const page = {
      CacheClusters: Array.from({ length: 20 }, (_, i) => ({
        CacheClusterId: `c-${i}`,
        CacheClusterStatus: "available",
        NumCacheNodes: 1 + (i % 3),
        CacheClusterCreateTime: created,
        PendingModifiedValues: {},
        CacheSecurityGroups: [],
        CacheParameterGroup: { CacheParameterGroupName: "default.redis7", ParameterApplyStatus: "in-sync", CacheNodeIdsToReboot: [] },
        CacheNodes: Array.from({ length: 1 + (i % 3) }, (_, n) => ({
          CacheNodeId: String(n + 1).padStart(4, "0"),
          CacheNodeStatus: "available",
          CacheNodeCreateTime: created,
          Endpoint: { Address: "127.0.0.1", Port: 30000 + n },
        })),
        AutoMinorVersionUpgrade: i % 2 === 0,
        SecurityGroups: [{ SecurityGroupId: `sg-${i}`, Status: "active" }],
        ARN: `arn:aws:elasticache:us-east-1:000000000000:cluster:c-${i}`,
      })),
      Marker: "next<&>ü🙂\r",
    };
    for (let round = 0; round < 3; round++) expectSameOutput(model, "DescribeCacheClusters", page, `r${round}`);
    // A Date changed in place after it was written once is written with its new time.
    created.setTime(Date.UTC(2030, 5, 6, 7, 8, 9, 10));
    const xml = expectSameOutput(model, "DescribeCacheClusters", page);
    expect(xml).toHaveProperty("xml", expect.stringContaining("<CacheClusterCreateTime>2030-06-06T07:08:09.010Z</CacheClusterCreateTime>"));
    created.setTime(Number.NaN);
    expect(expectSameOutput(model, "DescribeCacheClusters", page)).toEqual({
      error: "Error: serializeOutput: DescribeCacheClusters.CacheClusters[0].CacheClusterCreateTime is not a valid timestamp",
    });
  });

  it("a model built separately gets its own compiled writers", () => {
    const other = buildServiceModel(models.raw("elasticache"));
    const sample = sampleStructure(other, "CacheClusterMessage");
    expect(expectSameOutput(other, "DescribeCacheClusters", sample)).toEqual(expectSameOutput(model, "DescribeCacheClusters", sample));
  });
});

describe("model features the ElastiCache model does not use", () => {
  // Flattened lists, member locationNames, recursion, a dangling shape reference and a
  // non-structure output: the compiled writers must follow the reference there too.
  const raw: RawServiceJson = {
    metadata: { apiVersion: "2020-01-01", xmlNamespace: "urn:test&<ns>" },
    operations: {
      Op: { name: "Op", output: { shape: "Out", resultWrapper: "OpWrapped" } },
      NoOutput: { name: "NoOutput" },
      ScalarOutput: { name: "ScalarOutput", output: { shape: "Str" } },
      Dangling: { name: "Dangling", output: { shape: "Broken" } },
    },
    shapes: {
      Str: { type: "string" },
      Int: { type: "long" },
      Num: { type: "float" },
      Out: {
        type: "structure",
        members: {
          Renamed: { shape: "Str", locationName: "wireName" },
          Flat: { shape: "FlatList" },
          FlatNamed: { shape: "FlatNamedList" },
          Wrapped: { shape: "NamedList" },
          WrappedRenamed: { shape: "NamedList", locationName: "explicit" },
          Tree: { shape: "Node" },
          Count: { shape: "Int" },
          Ratio: { shape: "Num" },
        },
      },
      FlatList: { type: "list", member: { shape: "Str" }, flattened: true },
      FlatNamedList: { type: "list", member: { shape: "Str", locationName: "Item" }, flattened: true, locationName: "Other" },
      NamedList: { type: "list", member: { shape: "Node", locationName: "N" }, locationName: "BotoName" },
      Node: { type: "structure", members: { Label: { shape: "Str" }, Children: { shape: "NamedList" } } },
      Broken: { type: "structure", members: { Fine: { shape: "Str" }, Missing: { shape: "NoSuchShape" }, After: { shape: "Str" } } },
    },
  };
  const m = buildServiceModel(raw);
  const tree = { Label: "root", Children: [{ Label: "a&b", Children: [{ Label: "leaf" }, null] }, { Children: [] }] };

  it.each([
    ["Op", { Renamed: "r", Flat: ["x", "y<"], FlatNamed: ["p", null, "q"], Wrapped: [tree], WrappedRenamed: [tree], Tree: tree, Count: 7n, Ratio: 0.25 }],
    ["Op", { Flat: [], FlatNamed: [], Wrapped: [], Tree: {} }],
    ["Op", { Count: "12" }],
    ["Op", { Tree: { Children: [{ Children: [{ Label: 5 }, { Label: {} }] }] } }],
    ["Op", { Flat: "x" }],
    ["Op", { Ratio: Number.NaN }],
    ["Op", {}],
    ["Op", null],
    ["NoOutput", { Anything: 1 }],
    ["NoOutput", undefined],
    ["ScalarOutput", "text"],
    ["ScalarOutput", undefined],
    ["Dangling", { Fine: "ok", After: "also" }],
    ["Dangling", { Fine: "ok", Missing: "present", After: 5 }],
    ["Dangling", { Fine: 1, Missing: "present" }],
  ] as Array<[string, unknown]>)("%s, case %#", (operation, output) => {
    expectSameOutput(m, operation, output, "rid<>");
    // Twice: compiled writers and caches must not change the outcome.
    expectSameOutput(m, operation, output, "rid<>");
  });
});

describe("compiled serializeOutput errors", () => {
  const cases: Array<[string, unknown, string]> = [
    ["CreateCacheCluster", { CacheCluster: { NumCacheNodes: "x" } }, 'CreateCacheCluster.CacheCluster.NumCacheNodes has string "x", expected integer'],
    ["CreateCacheCluster", { CacheCluster: { NumCacheNodes: 1.5 } }, 'CreateCacheCluster.CacheCluster.NumCacheNodes has number "1.5", expected integer'],
    ["CreateCacheCluster", { CacheCluster: { CacheClusterId: {} } }, 'CreateCacheCluster.CacheCluster.CacheClusterId has object "[object Object]", expected string'],
    ["CreateCacheCluster", { CacheCluster: { AutoMinorVersionUpgrade: "yes" } }, 'CreateCacheCluster.CacheCluster.AutoMinorVersionUpgrade has string "yes", expected boolean'],
    ["CreateCacheCluster", { CacheCluster: { CacheClusterCreateTime: "soon" } }, "CreateCacheCluster.CacheCluster.CacheClusterCreateTime is not a valid timestamp"],
    ["CreateCacheCluster", { CacheCluster: { CacheClusterCreateTime: 1714566896000 } }, "CreateCacheCluster.CacheCluster.CacheClusterCreateTime is not a valid timestamp"],
    ["CreateCacheCluster", { CacheCluster: "c1" }, "CreateCacheCluster.CacheCluster must be an object"],
    ["CreateCacheCluster", { CacheCluster: new Date(0) }, "CreateCacheCluster.CacheCluster must be an object"],
    ["CreateCacheCluster", [], "CreateCacheCluster must be an object"],
    ["DescribeCacheClusters", { CacheClusters: {} }, "DescribeCacheClusters.CacheClusters must be an array"],
    ["DescribeCacheClusters", { CacheClusters: [{}, null, 3] }, "DescribeCacheClusters.CacheClusters[2] must be an object"],
    [
      "DescribeCacheClusters",
      { CacheClusters: [{ CacheNodes: [{ CacheNodeId: "0001" }, { Endpoint: { Port: "80x" } }] }] },
      'DescribeCacheClusters.CacheClusters[0].CacheNodes[1].Endpoint.Port has string "80x", expected integer',
    ],
    [
      "DescribeCacheClusters",
      { CacheClusters: [{ PendingModifiedValues: { LogDeliveryConfigurations: [{ LogType: "slow-log" }, "x"] } }] },
      "DescribeCacheClusters.CacheClusters[0].PendingModifiedValues.LogDeliveryConfigurations[1] must be an object",
    ],
    ["DescribeEngineDefaultParameters", { EngineDefaults: { Parameters: [{ IsModifiable: 1 }] } }, 'DescribeEngineDefaultParameters.EngineDefaults.Parameters[0].IsModifiable has number "1", expected boolean'],
  ];

  it.each(cases)("%s %j", (operation, output, message) => {
    expect(() => serializeOutput(model, operation, output, "r")).toThrow(new Error(`serializeOutput: ${message}`));
    expect(expectSameOutput(model, operation, output)).toEqual({ error: `Error: serializeOutput: ${message}` });
  });

  it("the first misfit in model order is the one reported", () => {
    const output = { CacheCluster: { CacheClusterId: 5, NumCacheNodes: "x", CacheNodes: [{ CacheNodeId: [] }], CacheClusterCreateTime: "soon" } };
    expect(expectSameOutput(model, "CreateCacheCluster", output)).toEqual({
      error: 'Error: serializeOutput: CreateCacheCluster.CacheCluster.NumCacheNodes has string "x", expected integer',
    });
  });

  it("a value String() cannot convert fails as it did", () => {
    expectSameOutput(model, "CreateCacheCluster", { CacheCluster: { CacheClusterId: Object.create(null) } });
    expectSameOutput(model, "CreateCacheCluster", { CacheCluster: { CacheClusterId: Symbol("s") } });
  });

  it("unknown operations and model-level failures are reported as before", () => {
    expectSameOutput(model, "NoSuchOperation", {});
    expectSameOutput(model, "describeCacheClusters", {});
  });
});

describe("escapeXml", () => {
  it("matches the reference for any text", () => {
    fc.assert(
      fc.property(fc.oneof(trickyText, fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" })), (text) => {
        expect(escapeXml(text)).toBe(reference.escapeXml(text));
      }),
      { numRuns: 3000 },
    );
  });

  it("returns plain text unchanged and escapes the rest as before", () => {
    const plain = "bench-d-001 arn:aws:elasticache:us-east-1:0:cluster:c1 https://x/y?z=1#a ü ÿ ~ \t\n";
    expect(escapeXml(plain)).toBe(plain);
    expect(escapeXml("a&b<c>\"d'e\r\n\u0001\uFFFE\uFFFF\uD800x\uDC00🙂")).toBe("a&amp;b&lt;c&gt;&quot;d&apos;e&#xD;\nx🙂");
  });

  it("serializeError is unchanged", () => {
    const err = new AwsError("InvalidParameterValue", "bad <value> & 'x'\r\u0000", 400, true);
    expect(serializeError(err, "rid&", "urn:x")).toBe(reference.serializeError(err, "rid&", "urn:x"));
    const fault = new AwsError("InternalFailure", "boom", 500, false);
    expect(serializeError(fault, "rid", model.xmlNamespace)).toBe(reference.serializeError(fault, "rid"));
  });
});
