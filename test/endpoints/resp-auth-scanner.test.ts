/**
 * The IAM front's command scanner (src/endpoints/resp-auth-scanner.ts) on the cases a client
 * sends: multibulk and inline AUTH, HELLO with SETNAME before AUTH, a command cut at every
 * byte, transactions, and input it must stop following.
 */
import { describe, expect, it } from "vitest";
import { encodeCommand, RespAuthScanner, type AuthCommand } from "../../src/endpoints/resp-auth-scanner.js";

const cmd = (...args: string[]) => encodeCommand(args.map((a) => Buffer.from(a)));

/** Feeds `input` in pieces of `size` bytes; the rewrite swaps the password for "SECRET" and records what it saw. */
function scan(input: Buffer | string, size = Infinity): { output: string; seen: AuthCommand[] } {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input, "latin1");
  const seen: AuthCommand[] = [];
  const scanner = new RespAuthScanner((c) => {
    seen.push(c);
    if (c.inMulti) return undefined;
    const args = c.args.slice();
    args[c.passwordIndex] = Buffer.from("SECRET");
    return encodeCommand(args);
  });
  const out: Buffer[] = [];
  const step = Number.isFinite(size) ? size : bytes.length || 1;
  for (let i = 0; i < bytes.length; i += step) out.push(...scanner.push(bytes.subarray(i, i + step)));
  return { output: Buffer.concat(out).toString("latin1"), seen };
}

describe("RespAuthScanner", () => {
  it("rewrites AUTH user password between other commands, in place", () => {
    const input = Buffer.concat([cmd("SET", "a", "1"), cmd("AUTH", "iam-app", "token"), cmd("GET", "a")]);
    const expected = Buffer.concat([cmd("SET", "a", "1"), cmd("AUTH", "iam-app", "SECRET"), cmd("GET", "a")]).toString("latin1");
    for (const size of [1, 2, 3, 7, 13, Infinity]) expect(scan(input, size).output).toBe(expected);
  });

  it("leaves AUTH with a password only (the default user) alone", () => {
    const { output, seen } = scan(cmd("AUTH", "just-a-password"));
    expect(output).toBe(cmd("AUTH", "just-a-password").toString("latin1"));
    expect(seen).toEqual([]);
  });

  it("finds the user and password of HELLO after SETNAME, in any case", () => {
    const { output, seen } = scan(cmd("hello", "3", "SETNAME", "me", "auth", "iam-app", "token"));
    expect(output).toBe(cmd("hello", "3", "SETNAME", "me", "auth", "iam-app", "SECRET").toString("latin1"));
    expect(seen[0].args[seen[0].userIndex].toString()).toBe("iam-app");
    expect(scan(cmd("HELLO", "3")).seen).toEqual([]);
  });

  it("rewrites an inline AUTH as a multibulk command", () => {
    expect(scan("PING\r\nAUTH iam-app token\r\nPING\r\n", 5).output).toBe(`PING\r\n${cmd("AUTH", "iam-app", "SECRET").toString("latin1")}PING\r\n`);
  });

  it("does not rewrite inside MULTI, and does again after EXEC or DISCARD", () => {
    const input = Buffer.concat([cmd("MULTI"), cmd("AUTH", "u", "t"), cmd("EXEC"), cmd("AUTH", "u", "t"), cmd("MULTI"), cmd("DISCARD"), cmd("AUTH", "u", "t")]);
    const { output, seen } = scan(input, 4);
    expect(seen.map((c) => c.inMulti)).toEqual([true, false, false]);
    expect(output.split("SECRET").length - 1).toBe(2);
  });

  it("stops following input that is not RESP: later commands pass as sent", () => {
    for (const bad of ["*x\r\n", "*1\r\n#4\r\n", "*1\r\n$4\r5\n", `*1\r\n$${"9".repeat(40)}\r\n`]) {
      const input = `${bad}${cmd("AUTH", "iam-app", "token").toString("latin1")}`;
      expect(scan(input, 3).output).toBe(input);
    }
  });

  it("passes an AUTH longer than it holds unchanged", () => {
    const input = cmd("AUTH", "iam-app", "t".repeat(40_000));
    const { output, seen } = scan(input, 1000);
    expect(output).toBe(input.toString("latin1"));
    expect(seen).toEqual([]);
  });
});
