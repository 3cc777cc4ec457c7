/**
 * Incremental framing of the memcached text protocol, for a proxy that must know where
 * each command (client side) or reply line (node side) starts without buffering values.
 *
 * Both directions share one shape: a stream of `\n`-terminated lines, where some lines
 * announce an opaque data block of N bytes (value + `\r\n`) that follows them and must
 * never be read as lines.
 */

const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

/** memcached's own limit on key length; a longer key makes it reject the header. */
const KEY_MAX_LENGTH = 250;

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`memcached text line longer than ${limit} bytes`);
    this.name = "LineTooLongError";
  }
}

/**
 * Splits a byte stream into lines and data blocks. `dataLengthOf(line)` tells how many
 * opaque bytes follow a line (0 for none).
 */
export class TextStreamFramer {
  private partial: Buffer = EMPTY;
  private dataRemaining = 0;

  constructor(
    private readonly dataLengthOf: (line: Buffer) => number,
    private readonly maxLineLength = 1024 * 1024,
  ) {}

  /**
   * The fast path of a proxy that passes whole chunks on: when the framer sits between lines
   * (no partial line held) and `chunk` frames into complete lines and data blocks (a block
   * may go on into the next chunk) none of which `special` flags, advances past the chunk and
   * returns true. Otherwise changes nothing and returns false (push() then takes the chunk).
   */
  skim(chunk: Buffer, special?: (line: Buffer) => boolean): boolean {
    if (this.partial.length > 0) return false;
    let remaining = this.dataRemaining;
    let pos = 0;
    while (pos < chunk.length) {
      if (remaining > 0) {
        const n = Math.min(remaining, chunk.length - pos);
        remaining -= n;
        pos += n;
        continue;
      }
      const nl = chunk.indexOf(LF, pos);
      if (nl < 0) return false;
      const line = chunk.subarray(pos, nl + 1);
      if (special?.(line)) return false;
      remaining = this.dataLengthOf(line);
      pos = nl + 1;
    }
    this.dataRemaining = remaining;
    return true;
  }

  /**
   * Feeds one chunk. `onLine` gets each complete line including its terminator;
   * `onData` gets data-block bytes as they arrive (possibly split over several calls).
   * Throws LineTooLongError when an unterminated line grows past the limit.
   */
  push(chunk: Buffer, onLine: (line: Buffer) => void, onData: (bytes: Buffer) => void): void {
    // A partial line only exists between lines, never inside a data block.
    const buf = this.partial.length > 0 ? Buffer.concat([this.partial, chunk]) : chunk;
    let pos = 0;
    while (pos < buf.length) {
      if (this.dataRemaining > 0) {
        const n = Math.min(this.dataRemaining, buf.length - pos);
        this.dataRemaining -= n;
        onData(buf.subarray(pos, pos + n));
        pos += n;
        continue;
      }
      const nl = buf.indexOf(LF, pos);
      if (nl < 0) break;
      const line = buf.subarray(pos, nl + 1);
      pos = nl + 1;
      this.dataRemaining = this.dataLengthOf(line);
      onLine(line);
    }
    // Copy the tail so the (possibly large) chunk is not retained.
    this.partial = pos < buf.length ? Buffer.from(buf.subarray(pos)) : EMPTY;
    if (this.partial.length > this.maxLineLength) throw new LineTooLongError(this.maxLineLength);
  }
}

/** Splits a line into memcached tokens: separated by spaces, terminator removed. */
export function tokenize(line: Buffer): string[] {
  let end = line.length;
  if (end > 0 && line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  return line
    .toString("latin1", 0, end)
    .split(" ")
    .filter((t) => t.length > 0);
}

const UNSIGNED = /^\d+$/;
const SIGNED = /^-?\d+$/;

/**
 * Bytes of data that follow a client command line, mirroring when memcached 1.6 reads
 * a data block: only after a well-formed storage header (a malformed one is answered
 * with an error and the next line is read as a command again).
 */
export function clientDataLength(line: Buffer): number {
  const first = line[0];
  // Cheap filter: every storage command starts with one of these letters.
  if (first !== 0x73 /* s */ && first !== 0x61 /* a */ && first !== 0x72 /* r */ && first !== 0x70 /* p */ && first !== 0x63 /* c */ && first !== 0x6d /* m */) {
    return 0;
  }
  const t = tokenize(line);
  switch (t[0]) {
    case "set":
    case "add":
    case "replace":
    case "append":
    case "prepend":
      // <cmd> <key> <flags> <exptime> <bytes> [noreply]
      return t.length === 5 || t.length === 6 ? storageBlock(t) : 0;
    case "cas":
      // cas <key> <flags> <exptime> <bytes> <cas unique> [noreply]
      return (t.length === 6 || t.length === 7) && UNSIGNED.test(t[5]) ? storageBlock(t) : 0;
    case "ms":
      // ms <key> <datalen> <flags>*; memcached swallows the block even when a flag is bad.
      return t.length >= 3 && UNSIGNED.test(t[2]) ? Number(t[2]) + 2 : 0;
    default:
      return 0;
  }
}

function storageBlock(t: string[]): number {
  const [, key, flags, exptime, bytes] = t;
  if (key.length > KEY_MAX_LENGTH || !UNSIGNED.test(flags) || !SIGNED.test(exptime) || !UNSIGNED.test(bytes)) return 0;
  return Number(bytes) + 2;
}

/**
 * Bytes of data that follow a node reply line: `VALUE <key> <flags> <bytes> [<cas>]`
 * (get/gets/gat/gats) and meta `VA <size> <flags>*` (mg).
 */
export function replyDataLength(line: Buffer): number {
  if (line[0] !== 0x56 /* V */) return 0;
  const t = tokenize(line);
  if (t[0] === "VALUE" && t.length >= 4 && UNSIGNED.test(t[3])) return Number(t[3]) + 2;
  if (t[0] === "VA" && t.length >= 2 && UNSIGNED.test(t[1])) return Number(t[1]) + 2;
  return 0;
}
