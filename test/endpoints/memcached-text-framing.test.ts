import { describe, expect, it } from "vitest";
import {
  LineTooLongError,
  TextStreamFramer,
  clientDataLength,
  replyDataLength,
  tokenize,
} from "../../src/endpoints/memcached-text-framing.js";

/** Frames `input` fed in the given pieces; returns the events as readable strings. */
function frame(dataLengthOf: (line: Buffer) => number, pieces: Buffer[]): string[] {
  const framer = new TextStreamFramer(dataLengthOf);
  const events: string[] = [];
  let data = "";
  const endData = () => {
    if (data) events.push(`data:${data}`);
    data = "";
  };
  for (const piece of pieces) {
    framer.push(
      piece,
      (line) => {
        endData();
        events.push(`line:${line.toString("latin1")}`);
      },
      (bytes) => (data += bytes.toString("latin1")),
    );
  }
  endData();
  return events;
}

/** Every way of cutting `input` in two, plus one byte at a time. */
function splits(input: string): Buffer[][] {
  const buf = Buffer.from(input, "latin1");
  const out: Buffer[][] = [[buf]];
  for (let i = 1; i < buf.length; i++) out.push([buf.subarray(0, i), buf.subarray(i)]);
  out.push([...buf].map((b) => Buffer.from([b])));
  return out;
}

describe("TextStreamFramer", () => {
  it("frames client commands and storage data blocks the same however the stream is cut", () => {
    const input =
      "set a 0 0 11\r\nmn\r\nget x\r\n\r\nconfig get cluster\r\ncas b 1 -1 3 99 noreply\r\nMN\n\r\n" +
      "ms c 3 T0\r\nEND\r\nget a b\n";
    const expected = [
      "line:set a 0 0 11\r\n",
      "data:mn\r\nget x\r\n\r\n",
      "line:config get cluster\r\n",
      "line:cas b 1 -1 3 99 noreply\r\n",
      "data:MN\n\r\n",
      "line:ms c 3 T0\r\n",
      "data:END\r\n",
      "line:get a b\n",
    ];
    for (const pieces of splits(input)) expect(frame(clientDataLength, pieces)).toEqual(expected);
  });

  it("frames node replies, skipping VALUE and VA blocks, however the stream is cut", () => {
    const input = "STORED\r\nVALUE k 0 6 12\r\nMN\r\nMN\r\nEND\r\nMN\r\nVA 4 t\r\nMN\r\n\r\nEN\r\n";
    const expected = [
      "line:STORED\r\n",
      "line:VALUE k 0 6 12\r\n",
      "data:MN\r\nMN\r\n",
      "line:END\r\n",
      "line:MN\r\n",
      "line:VA 4 t\r\n",
      "data:MN\r\n\r\n",
      "line:EN\r\n",
    ];
    for (const pieces of splits(input)) expect(frame(replyDataLength, pieces)).toEqual(expected);
  });

  it("throws when an unterminated line exceeds the limit", () => {
    const framer = new TextStreamFramer(() => 0, 8);
    expect(() => framer.push(Buffer.from("get 123456789"), () => {}, () => {})).toThrow(LineTooLongError);
  });
});

describe("clientDataLength", () => {
  const len = (line: string) => clientDataLength(Buffer.from(line, "latin1"));

  it("reads the byte count of well-formed storage headers", () => {
    expect(len("set k 0 0 5\r\n")).toBe(7);
    expect(len("append k 0 0 0 noreply\r\n")).toBe(2);
    expect(len("cas k 0 0 5 123\r\n")).toBe(7);
    expect(len("ms k 10 T0 F5\r\n")).toBe(12);
  });

  it("expects no data after malformed headers, as memcached reads the next line as a command", () => {
    expect(len("set k 0 0 notnum\r\n")).toBe(0);
    expect(len("set k 0 0 -1\r\n")).toBe(0);
    expect(len("set k 0 0\r\n")).toBe(0);
    expect(len(`set ${"k".repeat(251)} 0 0 5\r\n`)).toBe(0);
    expect(len("cas k 0 0 5\r\n")).toBe(0);
    expect(len("get k\r\n")).toBe(0);
    expect(len("mg k v\r\n")).toBe(0);
  });
});

describe("tokenize", () => {
  it("drops the terminator and empty tokens", () => {
    expect(tokenize(Buffer.from("config  get cluster\r\n"))).toEqual(["config", "get", "cluster"]);
    expect(tokenize(Buffer.from("mn\n"))).toEqual(["mn"]);
  });
});

describe("TextStreamFramer.skim (a proxy's whole-chunk fast path)", () => {
  it("frames as push() does: after any mix of skimmed and pushed pieces, the next lines are found where push() alone finds them", () => {
    const input = "VALUE a 0 5\r\nhe\nlo\r\nEND\r\nVA 3 f\r\nx\ny\r\nHD\r\nMN\r\n";
    const expected = frame(replyDataLength, [Buffer.from(input, "latin1")]).filter((e) => e.startsWith("line:"));
    for (const pieces of splits(input)) {
      const framer = new TextStreamFramer(replyDataLength);
      const lines: string[] = [];
      const skimmedLines: string[] = [];
      for (const piece of pieces) {
        // What push() would have seen as lines in a skimmed piece: collected through the `special` probe.
        const seen: string[] = [];
        if (framer.skim(piece, (line) => (seen.push(`line:${line.toString("latin1")}`), false))) skimmedLines.push(...seen);
        else framer.push(piece, (line) => lines.push(`line:${line.toString("latin1")}`), () => undefined);
      }
      expect([...skimmedLines, ...lines].sort()).toEqual([...expected].sort());
    }
  });

  it("refuses a chunk that leaves a partial line, or that holds a line `special` flags, and changes nothing then", () => {
    const framer = new TextStreamFramer(clientDataLength);
    expect(framer.skim(Buffer.from("get a\r\nget b"))).toBe(false);
    expect(framer.skim(Buffer.from("set k 0 0 2\r\nco\r\nconfig get cluster\r\n"), (line) => line.toString().startsWith("config"))).toBe(false);
    // Nothing was consumed: the same input pushed frames from its start.
    const lines: string[] = [];
    framer.push(Buffer.from("set k 0 0 2\r\nco\r\nget a\r\n"), (line) => lines.push(line.toString()), () => undefined);
    expect(lines).toEqual(["set k 0 0 2\r\n", "get a\r\n"]);
    // A data block may run on into the next chunk.
    expect(framer.skim(Buffer.from("set v 0 0 10\r\n01234"))).toBe(true);
    expect(framer.skim(Buffer.from("56789\r\nget v\r\n"))).toBe(true);
  });
});
