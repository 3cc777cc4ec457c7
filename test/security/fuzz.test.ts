/**
 * Hostile input, property-based (fast-check, seeded, a fixed number of runs): every one of the
 * model's operations gets random bodies built from its input shape, bodies mutated byte by byte,
 * and requests aimed at existing resources with one invalid parameter. The server must answer
 * each with well-formed XML, never a 5xx the model does not declare (501 NotImplemented aside),
 * stay up, and leave the existing clusters exactly as they were.
 */
import { CreateCacheClusterCommand, DescribeCacheClustersCommand, ListTagsForResourceCommand, type ElastiCacheClient } from "@aws-sdk/client-elasticache";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { listItemName, models, type Shape } from "../../src/protocol/model.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitForCluster } from "../helpers/wait.js";

const model = models.model("elasticache");
const operations = [...model.operations.keys()].sort();
const PROTECTED = ["fuzz-memcached", "fuzz-redis"];
const SEED = 20_150_202;
const RUNS = { shaped: 24, bytes: 10, targeted: 6 };

let emulator: Emulator;
let client: ElastiCacheClient;
let arns: string[] = [];

/** Strings worth trying: plausible values (some valid), boundaries, and markup. */
const interesting = [
  "", "default", "redis", "memcached", "valkey", "cache.t3.micro", "7.0", "1.6.22", "default.redis7",
  "fuzz-new", "subnet-0123abcd", "sg-0123abcd", "us-east-1a", "0001", "true", "0", "-1", "4294967296",
  "arn:aws:elasticache:us-east-1:000000000000:cluster:fuzz-new", "a".repeat(300), "\u0000\u0001", "<x>&amp;'\"]]>",
  "😀", "%", "..", "sun:05:00-sun:06:00", "2024-01-01T00:00:00Z",
];

const stringValue = (enumValues?: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...interesting) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
    ...(enumValues?.length ? [{ weight: 3, arbitrary: fc.constantFrom(...enumValues) }] : []),
  );
const numberValue = fc.oneof(
  fc.integer({ min: -2, max: 50 }).map(String),
  fc.integer().map(String),
  fc.constantFrom("abc", "1e5", "99999999999999999999", "-0", "", " 1", "1.5", "NaN"),
);
const booleanValue = fc.constantFrom("true", "false", "TRUE", "maybe", "", "1");
const timestampValue = fc.oneof(
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom("yesterday", "0", "2024-02-30T00:00:00Z", "1700000000", "2024-01-01T00:00:00+25:00"),
);

/** Well-typed values that pass the parser and the model's constraints more often than not. */
const plausible = {
  string: (enumValues?: string[]) => (enumValues?.length ? fc.constantFrom(...enumValues) : fc.constantFrom(...interesting.slice(0, 19), "sun:05:00-sun:06:00")),
  number: fc.integer({ min: 0, max: 30 }).map(String),
  boolean: fc.constantFrom("true", "false"),
  timestamp: fc.constant("2024-01-01T00:00:00Z"),
};

/** A value shaped like the model says (a wire string at the leaves), or undefined for "absent". */
function valueOf(shape: Shape, depth: number, wellTyped = false): fc.Arbitrary<unknown> {
  switch (shape.type) {
    case "structure": {
      if (depth > 3) return fc.constant(undefined);
      const members = Object.entries(shape.members).map(([name, ref]) => {
        const present = shape.required.includes(name) ? 0.9 : 0.4;
        const value = valueOf(model.shape(ref.shape), depth + 1, wellTyped);
        return [name, fc.double({ min: 0, max: 1, noNaN: true }).chain((p) => (p < present ? value : fc.constant(undefined)))] as const;
      });
      return fc.record(Object.fromEntries(members));
    }
    case "list":
      if (depth > 3) return fc.constant(undefined);
      return fc.array(valueOf(model.shape(shape.member.shape), depth + 1, wellTyped), { maxLength: 4 });
    case "string":
      return wellTyped ? plausible.string(shape.enum) : stringValue(shape.enum);
    case "integer":
    case "long":
    case "double":
    case "float":
      return wellTyped ? plausible.number : numberValue;
    case "boolean":
      return wellTyped ? plausible.boolean : booleanValue;
    case "timestamp":
      return wellTyped ? plausible.timestamp : timestampValue;
  }
}

/** The awsQuery form of a value: `A.B.member.2.C=v`, an empty list as `A=`. */
function flatten(shape: Shape, value: unknown, prefix: string, out: Array<[string, string]>): void {
  if (value === undefined) return;
  if (shape.type === "structure") {
    for (const [name, ref] of Object.entries(shape.members)) {
      flatten(model.shape(ref.shape), (value as Record<string, unknown>)[name], `${prefix}${prefix ? "." : ""}${ref.locationName ?? name}`, out);
    }
  } else if (shape.type === "list") {
    const items = value as unknown[];
    if (items.length === 0) out.push([prefix, ""]);
    items.forEach((item, i) => flatten(model.shape(shape.member.shape), item, `${prefix}.${listItemName(shape)}.${i + 1}`, out));
  } else {
    out.push([prefix, String(value)]);
  }
}

function bodyOf(action: string, pairs: Array<[string, string]>): string {
  return new URLSearchParams([["Action", action], ["Version", "2015-02-02"], ...pairs]).toString();
}

function shapedBody(action: string, wellTyped = false): fc.Arbitrary<string> {
  const op = model.operation(action)!;
  if (!op.input) return fc.constant(bodyOf(action, []));
  const input = model.structure(op.input);
  return valueOf(input, 0, wellTyped).map((value) => {
    const pairs: Array<[string, string]> = [];
    flatten(input, value, "", pairs);
    return bodyOf(action, pairs);
  });
}

/** Byte-level damage to a well-shaped body: cuts, inserted bytes, stray separators, raw noise. */
function mutatedBody(action: string): fc.Arbitrary<string | Uint8Array> {
  const noise = fc.uint8Array({ maxLength: 64 });
  return fc.oneof(
    fc.tuple(shapedBody(action), fc.nat()).map(([body, at]) => body.slice(0, at % (body.length + 1))),
    fc.tuple(shapedBody(action), fc.nat(), noise).map(([body, at, bytes]) => {
      const cut = at % (body.length + 1);
      return Buffer.concat([Buffer.from(body.slice(0, cut)), Buffer.from(bytes), Buffer.from(body.slice(cut))]);
    }),
    fc.tuple(shapedBody(action), fc.constantFrom("&&", "=", "%", "%zz", "+", ".member.0=x", ".1.2.3.4=x", "&Action=DeleteCacheCluster")).map(
      ([body, junk]) => body + junk,
    ),
    noise.map((bytes) => Buffer.concat([Buffer.from(`Action=${action}&`), Buffer.from(bytes)])),
  );
}

/**
 * Requests naming an existing resource, made invalid by one parameter of a type the parser
 * checks (a number, a boolean, a timestamp, an enum or a list index): they must change nothing.
 */
function targetedBody(action: string): fc.Arbitrary<string> | undefined {
  const op = model.operation(action)!;
  if (!op.input) return undefined;
  const input = model.structure(op.input);
  const target = ["CacheClusterId", "ResourceName", "PrimaryClusterId", "SourceIdentifier"].find((m) => m in input.members);
  if (!target) return undefined;
  const poison = Object.entries(input.members)
    .map(([name, ref]): [string, string] | undefined => {
      const shape = model.shape(ref.shape);
      const wire = ref.locationName ?? name;
      if (shape.type === "integer" || shape.type === "long") return [wire, "twelve"];
      if (shape.type === "boolean") return [wire, "maybe"];
      if (shape.type === "timestamp") return [wire, "yesterday"];
      if (shape.type === "string" && shape.enum) return [wire, "not-a-valid-enum"];
      if (shape.type === "list") return [`${wire}.${listItemName(shape)}.0`, "x"];
      return undefined;
    })
    .filter((p): p is [string, string] => p !== undefined);
  if (poison.length === 0) return undefined;
  return fc.tuple(shapedBody(action), fc.constantFrom(...PROTECTED), fc.constantFrom(...poison)).map(([body, id, bad]) => {
    const params = new URLSearchParams(body);
    params.set(target, target === "ResourceName" ? arns[PROTECTED.indexOf(id)] : id);
    params.set(bad[0], bad[1]);
    return params.toString();
  });
}

/**
 * Well-typed requests on existing resources that the handler itself must refuse, whatever the
 * other (random) parameters say: a refusal found late must not leave earlier changes behind.
 */
const refusedByHandler: Record<string, Array<Array<[string, string]>>> = {
  ModifyCacheCluster: [
    [["NumCacheNodes", "0"]],
    [["CacheParameterGroupName", "no-such-group"]],
    [["CacheSecurityGroupNames.CacheSecurityGroupName.1", "no-such-group"]],
    [["CacheNodeType", "cache.nope"]],
    [["EngineVersion", "0.1"]],
  ],
  RebootCacheCluster: [[["CacheNodeIdsToReboot.CacheNodeId.1", "9999"]]],
  AddTagsToResource: [[["Tags.Tag.1.Key", "aws:reserved"]]],
  CreateReplicationGroup: [[["NumCacheClusters", "99"]]],
};

function handlerRefusedBody(action: string): fc.Arbitrary<string> | undefined {
  const poisons = refusedByHandler[action];
  if (!poisons) return undefined;
  const input = model.structure(model.operation(action)!.input!);
  const target = ["CacheClusterId", "ResourceName", "PrimaryClusterId"].find((m) => m in input.members)!;
  return fc.tuple(shapedBody(action, true), fc.constantFrom(0, 1), fc.constantFrom(...poisons)).map(([body, which, poison]) => {
    const params = new URLSearchParams(body);
    params.set(target, target === "ResourceName" ? arns[which] : PROTECTED[which]);
    for (const [key, value] of poison) params.set(key, value);
    return params.toString();
  });
}

/** Error codes an operation may answer with a 5xx: its model-declared faults of that status. */
function declared5xx(action: string): Set<string> {
  const codes = new Set<string>();
  for (const name of model.operation(action)!.errors) {
    const trait = model.structure(name).error;
    if ((trait?.httpStatusCode ?? 400) >= 500) codes.add(trait?.code ?? name);
  }
  return codes;
}

/** Tags balance, attributes are quoted, and every `&` starts a known entity. */
function wellFormed(xml: string): boolean {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, "");
  if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(body)) return false;
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|<|>/g;
  let match: RegExpExecArray | null;
  let roots = 0;
  while ((match = tag.exec(body))) {
    if (match[0] === "<") return false; // a bare `<` in text
    if (match[0] === ">") continue;
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  return stack.length === 0 && roots === 1;
}

async function send(body: string | Uint8Array): Promise<{ status: number; text: string }> {
  const response = await fetch(`${emulator.url}/`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, text: await response.text() };
}

function checkAnswer(action: string, answer: { status: number; text: string }): void {
  const code = /<Code>([^<]*)<\/Code>/.exec(answer.text)?.[1];
  const context = `${action} answered ${answer.status}: ${answer.text.slice(0, 300)}`;
  if (answer.status >= 500) {
    const allowed = (answer.status === 501 && code === "NotImplemented") || (code !== undefined && declared5xx(action).has(code));
    expect(allowed, context).toBe(true);
  }
  expect(wellFormed(answer.text), context).toBe(true);
  if (answer.status >= 300) {
    expect(answer.text, context).toMatch(/<ErrorResponse xmlns="[^"]+"><Error><Type>(Sender|Receiver)<\/Type><Code>[^<]+<\/Code><Message>/);
  } else {
    expect(answer.text, context).toMatch(/<(\w+)Response xmlns=/);
  }
}

/** What the existing resources look like, as a client sees them. */
async function snapshot(): Promise<string> {
  const clusters = await Promise.all(
    PROTECTED.map(async (id) => (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id, ShowCacheNodeInfo: true }))).CacheClusters![0]),
  );
  const tags = await Promise.all(arns.map(async (arn) => (await client.send(new ListTagsForResourceCommand({ ResourceName: arn }))).TagList));
  return JSON.stringify({ clusters, tags });
}

beforeAll(async () => {
  // Room for a few nodes that random (valid) creates may start, no more.
  emulator = await startEmulator({ maxNodes: 4 });
  client = sdkClient(emulator);
  for (const [id, engine] of [["fuzz-memcached", "memcached"], ["fuzz-redis", "redis"]]) {
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: engine, CacheNodeType: "cache.t3.micro", Tags: [{ Key: "keep", Value: id }] }));
  }
  arns = await Promise.all(PROTECTED.map(async (id) => (await waitForCluster(client, id, "available")).ARN!));
});
afterAll(async () => {
  await emulator?.stop();
});

describe("fuzzing every operation", () => {
  it("covers the 75 operations of the model", () => {
    expect(operations).toHaveLength(75);
  });

  it.each(operations.map((action, i) => [action, i] as const))("%s: random, mutated and targeted bodies", async (action, i) => {
    const before = await snapshot();
    await fc.assert(
      fc.asyncProperty(fc.oneof(shapedBody(action), shapedBody(action, true)), async (body) => checkAnswer(action, await send(body))),
      { numRuns: RUNS.shaped, seed: SEED + i },
    );
    await fc.assert(
      fc.asyncProperty(mutatedBody(action), async (body) => checkAnswer(action, await send(body))),
      { numRuns: RUNS.bytes, seed: SEED + 1000 + i },
    );
    const targeted = targetedBody(action);
    if (targeted) {
      await fc.assert(
        fc.asyncProperty(targeted, async (body) => {
          const answer = await send(body);
          checkAnswer(action, answer);
          expect(answer.status, `${action} must refuse ${body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        }),
        { numRuns: RUNS.targeted, seed: SEED + 2000 + i },
      );
    }
    const refused = handlerRefusedBody(action);
    if (refused) {
      await fc.assert(
        fc.asyncProperty(refused, async (body) => {
          const answer = await send(body);
          checkAnswer(action, answer);
          expect(answer.status, `${action} must refuse ${body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        }),
        { numRuns: RUNS.targeted * 4, seed: SEED + 3000 + i },
      );
    }
    // The server is up and the existing clusters, their nodes and tags are as they were.
    expect(await snapshot()).toBe(before);
  });
});
