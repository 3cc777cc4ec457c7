/**
 * Hostile input on the IAM authentication path (fast-check, seeded, a fixed number of runs):
 * the command scanner passes every byte it does not rewrite unchanged however the stream is
 * cut; against real nodes, random, mutated, huge, truncated and badly percent-encoded tokens
 * and random bytes, many in parallel, are all refused, nothing crashes, and a client already
 * in keeps working.
 */
import { CreateReplicationGroupCommand, CreateUserCommand, CreateUserGroupCommand, type Endpoint } from "@aws-sdk/client-elasticache";
import fc from "fast-check";
import tls from "node:tls";
import type Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCommand, RespAuthScanner, type AuthCommand } from "../../src/endpoints/resp-auth-scanner.js";
import { generateIamAuthToken } from "../../src/iam-token.js";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { fetchCa } from "../helpers/tls.js";
import { Connections, waitForUserGroup } from "../helpers/users.js";
import { waitForReplicationGroup } from "../helpers/wait.js";

const SEED = 20261205;

describe("the command scanner", () => {
  const arg = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("AUTH", "auth", "HELLO", "MULTI", "EXEC", "DISCARD", "3", "SETNAME", "iam-app"));
  const command = fc.oneof(
    fc.array(arg, { minLength: 1, maxLength: 6 }),
    fc.tuple(fc.constantFrom("AUTH", "Auth"), fc.string({ maxLength: 10 }), fc.string({ maxLength: 3000 })).map((a) => [...a]),
    fc.tuple(fc.constant("HELLO"), fc.constantFrom("2", "3"), fc.constant("AUTH"), fc.string({ maxLength: 10 }), fc.string({ maxLength: 100 })).map((a) => [...a]),
  );
  const cuts = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 });

  function run(bytes: Buffer, cutSizes: number[], rewrite: (c: AuthCommand) => Buffer | undefined): Buffer {
    const scanner = new RespAuthScanner(rewrite);
    const out: Buffer[] = [];
    let pos = 0;
    for (let i = 0; pos < bytes.length; i++) {
      const size = cutSizes[i % cutSizes.length];
      out.push(...scanner.push(bytes.subarray(pos, pos + size)));
      pos += size;
    }
    return Buffer.concat(out);
  }

  it("passes every byte unchanged when nothing is rewritten, however the stream is cut", () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 12 }), cuts, fc.boolean(), (commands, cutSizes, inline) => {
        const bytes = Buffer.concat(
          commands.map((c) => (inline && c.every((a) => /^[A-Za-z0-9-]+$/.test(a)) ? Buffer.from(`${c.join(" ")}\r\n`) : encodeCommand(c.map((a) => Buffer.from(a))))),
        );
        expect(run(bytes, cutSizes, () => undefined).equals(bytes)).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("rewrites exactly the authenticating commands outside MULTI, in place", () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 12 }), cuts, (commands, cutSizes) => {
        const bytes = Buffer.concat(commands.map((c) => encodeCommand(c.map((a) => Buffer.from(a)))));
        // The expected stream: every AUTH/HELLO-with-AUTH outside MULTI with its password replaced.
        let inMulti = false;
        const expected = commands.map((c) => {
          const name = c[0].toUpperCase();
          let result = c;
          const helloAuth = name === "HELLO" ? helloAuthIndex(c) : -1;
          if (!inMulti && name === "AUTH" && c.length === 3) result = [c[0], c[1], "secret"];
          if (!inMulti && helloAuth > 0) result = c.map((a, i) => (i === helloAuth + 2 ? "secret" : a));
          if (name === "MULTI") inMulti = true;
          if (name === "EXEC" || name === "DISCARD") inMulti = false;
          return encodeCommand(result.map((a) => Buffer.from(a)));
        });
        const rewritten = run(bytes, cutSizes, (c) => {
          if (c.inMulti) return undefined;
          const args = c.args.slice();
          args[c.passwordIndex] = Buffer.from("secret");
          return encodeCommand(args);
        });
        expect(rewritten.toString("latin1")).toBe(Buffer.concat(expected).toString("latin1"));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("gives up following input that is not RESP, passing it on unchanged", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), cuts, (data, cutSizes) => {
        const bytes = Buffer.from(data);
        expect(run(bytes, cutSizes, () => Buffer.from("never")).includes(Buffer.from("never"))).toBe(false);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

function helloAuthIndex(args: string[]): number {
  for (let i = 2; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (option === "AUTH" && i + 2 < args.length) return i;
    if (option === "SETNAME") i++;
  }
  return -1;
}

describe("against real nodes", () => {
  let emulator: Emulator;
  let ca: string;
  let primary: Endpoint;
  const connections = new Connections();
  const token = () => generateIamAuthToken({ cacheName: "iam-fuzz", userId: "iam-app", region: "us-east-1", accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });

  beforeAll(async () => {
    // Strict: a token changed anywhere, its signature included, is refused.
    emulator = await startEmulator({ strictAuth: true, credentials: [{ accessKeyId: "test", secretAccessKey: "test" }, { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }] });
    const client = sdkClient(emulator);
    ca = await fetchCa(emulator);
    await client.send(new CreateUserCommand({ UserId: "iam-default", UserName: "default", Engine: "redis", AccessString: "off", NoPasswordRequired: true }));
    await client.send(new CreateUserCommand({ UserId: "iam-app", UserName: "iam-app", Engine: "redis", AccessString: "on ~* +@all", AuthenticationMode: { Type: "iam" } }));
    await client.send(new CreateUserGroupCommand({ UserGroupId: "iam-users", Engine: "redis", UserIds: ["iam-default", "iam-app"] }));
    await waitForUserGroup(client, "iam-users");
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: "iam-fuzz",
        ReplicationGroupDescription: "fuzz",
        CacheNodeType: "cache.t3.micro",
        Engine: "redis",
        EngineVersion: "7.0",
        NumCacheClusters: 1,
        TransitEncryptionEnabled: true,
        UserGroupIds: ["iam-users"],
      }),
    );
    primary = (await waitForReplicationGroup(client, "iam-fuzz", (g) => g.Status === "available")).NodeGroups![0].PrimaryEndpoint!;
  });
  afterAll(async () => {
    connections.closeAll();
    await emulator?.stop();
  });

  /** A valid token changed: a byte flipped, cut, percent-encoding broken, or made huge. */
  const badToken = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.tuple(fc.nat(), fc.integer({ min: 33, max: 126 })).map(([at, code]) => {
      const t = token();
      let i = at % t.length;
      // Not the hex digits of a %XX escape: %2f is %2F, the same token.
      while (t[i - 1] === "%" || t[i - 2] === "%") i = (i + 1) % t.length;
      const replaced = t.slice(0, i) + String.fromCharCode(code) + t.slice(i + 1);
      return replaced === t ? `${t}x` : replaced;
    }),
    fc.nat().map((n) => token().slice(0, n % token().length)),
    fc.constantFrom("%", "%G0", "%E0%A4%A", "%%%%").map((bad) => token().replace("iam-app", bad)),
    fc.integer({ min: 16_000, max: 200_000 }).map((n) => token() + "&p=" + "A".repeat(n)),
  );

  async function bystanderLoop(redis: Redis, stop: () => boolean): Promise<number> {
    let rounds = 0;
    while (!stop()) {
      await redis.set(`by:${rounds}`, String(rounds));
      expect(await redis.get(`by:${rounds}`)).toBe(String(rounds));
      rounds++;
    }
    return rounds;
  }

  it("refuses every hostile token, many in parallel, while a client already in keeps working", async () => {
    const bystander = await connections.connect(primary, { tls: { ca }, username: "iam-app", password: token() });
    const samples = fc.sample(badToken, { seed: SEED, numRuns: 120 });
    let done = false;
    const loop = bystanderLoop(bystander, () => done);
    const answers = await Promise.all(
      Array.from({ length: 12 }, async (_, worker) => {
        const redis = await connections.connect(primary, { tls: { ca } });
        const replies: string[] = [];
        for (let i = worker; i < samples.length; i += 12) {
          replies.push(await redis.call("AUTH", "iam-app", samples[i]).then(String, (e: Error) => e.message));
          if (redis.status !== "ready") break;
        }
        return replies;
      }),
    );
    done = true;
    expect(await loop).toBeGreaterThan(0);
    for (const reply of answers.flat()) expect(reply).not.toBe("OK");
    expect(answers.flat().filter((r) => /^WRONGPASS/.test(r)).length).toBeGreaterThan(0);
    const after = await connections.connect(primary, { tls: { ca }, username: "iam-app", password: token() });
    expect(await after.ping()).toBe("PONG");
  });

  it("random bytes after the TLS handshake and random bytes instead of it: refused, nothing crashes", async () => {
    const samples = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 4096 }), { seed: SEED, numRuns: 40 });
    await Promise.all(
      samples.map(
        (data, i) =>
          new Promise<void>((resolve) => {
            const socket = tls.connect({ host: primary.Address!, port: primary.Port!, ca }, () => {
              socket.write(Buffer.from(data));
              if (i % 2) socket.end();
              else setTimeout(() => socket.destroy(), 100);
            });
            socket.on("error", () => resolve());
            socket.on("close", () => resolve());
          }),
      ),
    );
    const after = await connections.connect(primary, { tls: { ca }, username: "iam-app", password: token() });
    expect(await after.set("still", "here")).toBe("OK");
    const health = await fetch(`${emulator.url}/_emulator/health`);
    expect(health.status).toBe(200);
  });
});
