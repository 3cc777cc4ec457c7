/**
 * A tiny RESP2 encoder / incremental decoder, shared by the admin connection of the
 * process driver and by the embedded server. No dependency on a client library so the
 * engine layer can talk to an engine before (and without) anything else being wired.
 */

/** An error reply (`-ERR ...`). Decoded replies carry it as a value; callers decide to throw. */
export class RespError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RespError";
  }
}

/** A simple-string reply (`+OK`); plain JS strings encode as bulk strings. */
export class RespSimple {
  constructor(readonly value: string) {}
}

export type RespValue = RespError | RespSimple | string | Buffer | number | bigint | null | RespValue[];

const CRLF = "\r\n";

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: Array<string | Buffer | number>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}${CRLF}`)];
  for (const arg of args) {
    const b = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(Buffer.from(`$${b.length}${CRLF}`), b, Buffer.from(CRLF));
  }
  return Buffer.concat(parts);
}

/** Encodes a reply value; strings and Buffers become bulk strings. */
export function encodeValue(value: RespValue): Buffer {
  const parts: Buffer[] = [];
  const walk = (v: RespValue): void => {
    if (v === null) parts.push(Buffer.from(`$-1${CRLF}`));
    else if (v instanceof RespError) parts.push(Buffer.from(`-${oneLine(v.message)}${CRLF}`));
    else if (v instanceof RespSimple) parts.push(Buffer.from(`+${oneLine(v.value)}${CRLF}`));
    else if (typeof v === "number" || typeof v === "bigint") parts.push(Buffer.from(`:${v}${CRLF}`));
    else if (Array.isArray(v)) {
      parts.push(Buffer.from(`*${v.length}${CRLF}`));
      v.forEach(walk);
    } else {
      const b = Buffer.isBuffer(v) ? v : Buffer.from(v);
      parts.push(Buffer.from(`$${b.length}${CRLF}`), b, Buffer.from(CRLF));
    }
  };
  walk(value);
  return Buffer.concat(parts);
}

/** Protocol lines must not contain CR/LF. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}

/** Thrown by the decoder on bytes that are not RESP; the connection should be dropped. */
export class RespProtocolError extends Error {
  override name = "RespProtocolError";
}

const INCOMPLETE = Symbol("incomplete");
type Parsed = { value: RespValue; end: number } | typeof INCOMPLETE;

/**
 * Incremental decoder: push() chunks, then take values with next() until it returns
 * undefined. With `inline: true` (server side) a line not starting with `*` is an
 * inline command, split on whitespace, as redis accepts from telnet.
 */
export class RespDecoder {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly opts: { inline?: boolean } = {}) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }

  /** The next complete value, or undefined when more bytes are needed. */
  next(): RespValue | undefined {
    if (this.buf.length === 0) return undefined;
    if (this.opts.inline && this.buf[0] !== 0x2a /* * */) {
      const eol = this.buf.indexOf(0x0a);
      if (eol < 0) {
        if (this.buf.length > 64 * 1024) throw new RespProtocolError("Protocol error: too big inline request");
        return undefined;
      }
      const line = this.buf.subarray(0, eol).toString("latin1").replace(/\r$/, "");
      this.buf = this.buf.subarray(eol + 1);
      return splitInline(line).map((s) => Buffer.from(s, "latin1"));
    }
    const parsed = this.parse(0);
    if (parsed === INCOMPLETE) return undefined;
    this.buf = this.buf.subarray(parsed.end);
    return parsed.value;
  }

  private parse(at: number): Parsed {
    const eol = this.buf.indexOf(CRLF, at);
    if (eol < 0) return INCOMPLETE;
    const type = this.buf[at];
    const line = this.buf.toString("latin1", at + 1, eol);
    const after = eol + 2;
    switch (type) {
      case 0x2b /* + */:
        return { value: Buffer.from(line, "latin1").toString("utf8"), end: after };
      case 0x2d /* - */:
        return { value: new RespError(Buffer.from(line, "latin1").toString("utf8")), end: after };
      case 0x3a /* : */:
        return { value: toNumber(line), end: after };
      case 0x24 /* $ */: {
        const len = toInt(line);
        if (len < 0) return { value: null, end: after };
        if (this.buf.length < after + len + 2) return INCOMPLETE;
        return { value: Buffer.from(this.buf.subarray(after, after + len)), end: after + len + 2 };
      }
      case 0x2a /* * */: {
        const count = toInt(line);
        if (count < 0) return { value: null, end: after };
        const items: RespValue[] = [];
        let pos = after;
        for (let i = 0; i < count; i++) {
          const item = this.parse(pos);
          if (item === INCOMPLETE) return INCOMPLETE;
          items.push(item.value);
          pos = item.end;
        }
        return { value: items, end: pos };
      }
      default:
        throw new RespProtocolError(`Protocol error: unexpected byte ${JSON.stringify(String.fromCharCode(type ?? 0))}`);
    }
  }
}

function toInt(s: string): number {
  if (!/^-?\d+$/.test(s)) throw new RespProtocolError(`Protocol error: invalid length '${s}'`);
  return Number(s);
}

function toNumber(s: string): number | bigint {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : BigInt(s);
}

/** Splits an inline command line like redis does: whitespace, with "..." and '...' quoting. */
export function splitInline(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\.|[^"\\])*)"|'((?:\\'|[^'])*)'|(\S+)/g;
  for (const m of line.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1].replace(/\\(x[0-9a-fA-F]{2}|.)/g, unescapeOne));
    else if (m[2] !== undefined) out.push(m[2].replace(/\\'/g, "'"));
    else out.push(m[3]!);
  }
  return out;
}

function unescapeOne(_: string, e: string): string {
  if (e.length === 3) return String.fromCharCode(parseInt(e.slice(1), 16));
  return ({ n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" } as Record<string, string>)[e] ?? e;
}

/** Turns Buffers into UTF-8 strings, recursively, for callers that want plain JS values. */
export function toStrings(value: RespValue): unknown {
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  if (Array.isArray(value)) return value.map(toStrings);
  if (value instanceof RespSimple) return value.value;
  return value;
}
