/** The RESP encoder/decoder shared by the admin connection and the embedded server. */
import { describe, expect, it } from "vitest";
import { RespDecoder, RespError, RespProtocolError, RespSimple, encodeCommand, encodeValue, splitInline, toStrings } from "../../src/engines/resp.js";

function decodeAll(bytes: Buffer, chunk = 1, inline = false): unknown[] {
  const d = new RespDecoder({ inline });
  const out: unknown[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    d.push(bytes.subarray(i, i + chunk));
    for (let v = d.next(); v !== undefined; v = d.next()) out.push(v);
  }
  return out;
}

describe("resp", () => {
  it("encodes commands as arrays of bulk strings", () => {
    expect(encodeCommand(["SET", "k", Buffer.from("v\r\n"), 5]).toString()).toBe("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n$1\r\n5\r\n");
  });

  it("round-trips every reply type, byte by byte", () => {
    const value = [new RespSimple("OK"), new RespError("ERR boom"), 42, Buffer.from([0, 1, 2]), null, ["nested", []], "é"];
    const [decoded] = decodeAll(encodeValue(value), 1);
    expect(toStrings(decoded as never)).toEqual(["OK", new RespError("ERR boom"), 42, "\u0000\u0001\u0002", null, ["nested", []], "é"]);
  });

  it("decodes several pipelined values and big integers", () => {
    expect(decodeAll(Buffer.from("+PONG\r\n:9223372036854775807\r\n*-1\r\n"), 4)).toEqual(["PONG", 9223372036854775807n, null]);
  });

  it("rejects bytes that are not RESP", () => {
    const d = new RespDecoder();
    d.push(Buffer.from("?what\r\n"));
    expect(() => d.next()).toThrow(RespProtocolError);
  });

  it("accepts inline commands on the server side, with quoting", () => {
    expect(toStrings(decodeAll(Buffer.from('SET k "a b\\n" \r\nPING\n'), 3, true) as never)).toEqual([["SET", "k", "a b\n"], ["PING"]]);
    expect(splitInline("get 'a b' c")).toEqual(["get", "a b", "c"]);
  });
});
