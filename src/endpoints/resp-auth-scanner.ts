/**
 * Follows a client's RESP command stream on its way to the engine, touching only the
 * commands that authenticate: `AUTH <user> <password>` and `HELLO <ver> ... AUTH <user>
 * <password> ...`. Every other byte goes through as it came (whole chunks when no such
 * command is in them); an authenticating command is held until complete and handed to
 * `rewrite`, which returns its replacement (or undefined: the original goes on unchanged).
 *
 * The framing is the engine's: multibulk (`*N`, `$len`) skipped by length, inline commands
 * up to their newline. Anything it cannot follow (a malformed header, an inline line longer
 * than the engine accepts) turns it into a plain pipe for the rest of the connection: the
 * engine answers such input with a protocol error and closes, and a command that is not
 * rewritten reaches the engine as the client sent it, so nothing is ever let in by a
 * desynchronized scanner. `MULTI` ... `EXEC`/`DISCARD` is tracked: inside a transaction
 * nothing is rewritten (AWS refuses IAM re-authentication there).
 */

/** An authenticating command, its arguments as sent. */
export interface AuthCommand {
  args: Buffer[];
  /** Index of the user name and of the password in `args`. */
  userIndex: number;
  passwordIndex: number;
  /** Inside MULTI: queued by the engine, never rewritten. */
  inMulti: boolean;
}

/** Longest authenticating command held (a token is at most a few KB). Longer ones pass unchanged. */
export const MAX_HELD_BYTES = 32 * 1024;
/** `*N` / `$len` header lines are short; a longer one is not RESP. */
const MAX_HEADER_LINE = 32;
/** The engine's own limit on an inline command (PROTO_INLINE_MAX_SIZE). */
const MAX_INLINE = 64 * 1024;
/** The lengths of the command names the scanner needs to see: AUTH, EXEC, HELLO, MULTI, RESET, DISCARD. */
const NAME_LENGTHS = new Set([4, 5, 7]);

const CR = 13;
const LF = 10;

type State =
  | "start" // before a command
  | "count" // reading `*N\r\n`
  | "bulkHeader" // reading `$len\r\n`
  | "bulk" // inside a bulk (its data and CRLF)
  | "inline" // inside an inline command line
  | "raw"; // not following any more: everything passes

export class RespAuthScanner {
  private state: State = "start";
  /** The header line being read (`*N` / `$len`), parsed as it comes: its length, digits, sign, whether it is malformed. */
  private lineLength = 0;
  private lineValue = 0;
  private lineDigits = 0;
  private lineNegative = false;
  private lineBad = false;
  private lineEnded = false;
  private argsLeft = 0;
  private argIndex = 0;
  private bulkLeft = 0;
  /** The current command is being held (undecided, or an authenticating command). */
  private holding = false;
  /** Bytes of the held command from earlier chunks. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Arguments captured so far (the name always, every argument of an authenticating command). */
  private args: Buffer[] = [];
  private capture: Buffer[] | null = null;
  private isAuth = false;
  private name = "";
  private inMulti = false;

  constructor(private readonly rewrite: (command: AuthCommand) => Buffer | undefined) {}

  /** The bytes to send to the engine for this chunk of the client's stream (possibly none yet). */
  push(chunk: Buffer): Buffer[] {
    if (this.state === "raw") return [chunk];
    const out: Buffer[] = [];
    let flushFrom = 0;
    /** Where the held command starts in this chunk (0 when it started in an earlier one). */
    let holdFrom = 0;
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      switch (this.state) {
        case "start": {
          const byte = chunk[pos];
          if (byte === CR || byte === LF) {
            pos++;
            break;
          }
          this.beginCommand();
          holdFrom = pos;
          if (byte === 0x2a /* * */) {
            this.state = "count";
            this.startLine();
            pos++;
          } else {
            this.state = "inline";
          }
          break;
        }
        case "count":
        case "bulkHeader": {
          // Digits straight from the bytes: no string per header line.
          let ended = false;
          while (pos < len) {
            const byte = chunk[pos++];
            if (byte === LF) {
              ended = true;
              break;
            }
            this.readLineByte(byte);
          }
          if (this.lineLength > MAX_HEADER_LINE) return this.giveUp(out, chunk, flushFrom, holdFrom);
          if (!ended) break;
          if (this.lineBad || this.lineDigits === 0) return this.giveUp(out, chunk, flushFrom, holdFrom);
          const value = this.lineNegative ? -this.lineValue : this.lineValue;
          if (this.state === "count") {
            this.argsLeft = value;
            if (this.argsLeft <= 0) {
              // `*0` / `*-1`: the engine reads nothing; nothing to follow.
              this.release(out);
              this.state = "start";
              break;
            }
            this.state = "bulkHeader";
            this.startLine();
          } else {
            if (this.lineNegative) return this.giveUp(out, chunk, flushFrom, holdFrom);
            const size = value;
            this.bulkLeft = size + 2;
            this.capture = null;
            if (this.argIndex === 0) {
              // Only AUTH, EXEC, RESET (4-5 bytes), HELLO, MULTI and DISCARD (7) matter.
              if (NAME_LENGTHS.has(size)) this.capture = [];
              else this.named(undefined, out);
            } else if (this.isAuth && this.holding) {
              if (this.heldBytes + size > MAX_HELD_BYTES) this.release(out);
              else this.capture = [];
            }
            this.state = "bulk";
          }
          break;
        }
        case "bulk": {
          const take = Math.min(this.bulkLeft, len - pos);
          if (this.capture) {
            // The data without its trailing CRLF.
            const dataLeft = Math.max(0, this.bulkLeft - 2);
            const dataTake = Math.min(take, dataLeft);
            if (dataTake > 0) this.capture.push(chunk.subarray(pos, pos + dataTake));
          }
          pos += take;
          this.bulkLeft -= take;
          if (this.holding) this.heldBytes += take;
          if (this.bulkLeft > 0) break;
          const arg = this.capture ? Buffer.concat(this.capture) : undefined;
          this.capture = null;
          if (this.argIndex === 0) this.named(arg, out);
          else if (arg && this.holding) this.args.push(arg);
          this.argIndex++;
          this.argsLeft--;
          if (this.argsLeft > 0) {
            this.state = "bulkHeader";
            this.startLine();
            break;
          }
          this.state = "start";
          if (this.holding) {
            const end = this.finishHeld(out, chunk, flushFrom, holdFrom, pos);
            flushFrom = end;
          }
          break;
        }
        case "inline": {
          const nl = chunk.indexOf(LF, pos);
          const end = nl < 0 ? len : nl + 1;
          this.heldBytes += end - pos;
          pos = end;
          if (this.heldBytes > MAX_INLINE) return this.giveUp(out, chunk, flushFrom, holdFrom);
          if (nl < 0) break;
          this.state = "start";
          // The whole line: what the engine would split it into (words; quotes are left to it).
          const lineBytes = Buffer.concat([...this.held, chunk.subarray(holdFrom, pos)]);
          const words = lineBytes.toString("latin1").trim().split(/[ \t]+/).filter((w) => w !== "");
          const name = (words[0] ?? "").toUpperCase();
          this.trackTransaction(name);
          const auth = name === "AUTH" || name === "HELLO" ? authPositions(name, words.map((w) => Buffer.from(w, "latin1"))) : undefined;
          const replacement = auth && !/["']/.test(lineBytes.toString("latin1")) ? this.rewrite({ ...auth, inMulti: this.wasInMulti(name) }) : undefined;
          if (replacement) {
            if (holdFrom > flushFrom) out.push(chunk.subarray(flushFrom, holdFrom));
            out.push(replacement);
            flushFrom = pos;
          } else {
            this.releaseHeld(out);
          }
          this.endCommand();
          break;
        }
      }
    }
    if (this.holding) {
      if (holdFrom > flushFrom) out.push(chunk.subarray(flushFrom, holdFrom));
      const rest = chunk.subarray(Math.max(holdFrom, flushFrom));
      if (rest.length) this.held.push(rest);
    } else if (flushFrom < len) {
      out.push(flushFrom === 0 ? chunk : chunk.subarray(flushFrom));
    }
    return out;
  }

  private startLine(): void {
    this.lineLength = 0;
    this.lineValue = 0;
    this.lineDigits = 0;
    this.lineNegative = false;
    this.lineBad = false;
    this.lineEnded = false;
  }

  /**
   * One byte of a header line before its LF: `*` lines hold `-?digits`, `$` lines `$digits`;
   * a CR ends the digits. Anything else marks the line malformed.
   */
  private readLineByte(byte: number): void {
    const at = this.lineLength++;
    if (this.lineBad || this.lineLength > MAX_HEADER_LINE) return;
    if (this.lineEnded) {
      // Only the LF may follow the CR.
      this.lineBad = true;
      return;
    }
    if (byte === CR) {
      this.lineEnded = true;
      return;
    }
    if (this.state === "bulkHeader" && at === 0) {
      if (byte !== 0x24 /* $ */) this.lineBad = true;
      return;
    }
    if (this.state === "count" && at === 0 && byte === 0x2d /* - */) {
      this.lineNegative = true;
      return;
    }
    if (byte < 0x30 || byte > 0x39 || this.lineDigits >= 15) {
      this.lineBad = true;
      return;
    }
    this.lineValue = this.lineValue * 10 + (byte - 0x30);
    this.lineDigits++;
  }

  private beginCommand(): void {
    this.holding = true;
    this.held = [];
    this.heldBytes = 0;
    this.args = [];
    this.argIndex = 0;
    this.isAuth = false;
    this.name = "";
  }

  private endCommand(): void {
    this.holding = false;
    this.held = [];
    this.heldBytes = 0;
    this.args = [];
  }

  /** The command's name is known: only an authenticating command stays held. */
  private named(arg: Buffer | undefined, out: Buffer[]): void {
    const name = arg ? arg.toString("latin1").toUpperCase() : "";
    this.name = name;
    this.trackTransaction(name);
    if (arg && (name === "AUTH" || name === "HELLO")) {
      this.isAuth = true;
      this.args = [arg];
    } else {
      this.release(out);
    }
  }

  private trackTransaction(name: string): void {
    if (name === "MULTI") this.inMulti = true;
    else if (name === "EXEC" || name === "DISCARD" || name === "RESET") this.inMulti = false;
  }

  /** Whether the command named `name` runs inside a transaction (MULTI itself does not). */
  private wasInMulti(name: string): boolean {
    return this.inMulti && name !== "MULTI";
  }

  /**
   * Stops holding the current command: what was held from earlier chunks goes out now, the
   * rest of the command passes with the chunk.
   */
  private release(out: Buffer[]): void {
    if (!this.holding) return;
    this.releaseHeld(out);
    this.holding = false;
    this.isAuth = false;
    this.capture = null;
  }

  private releaseHeld(out: Buffer[]): void {
    for (const piece of this.held) out.push(piece);
    this.held = [];
    this.heldBytes = 0;
  }

  /** A held multibulk command ended at `end` in this chunk; returns the new flush point. */
  private finishHeld(out: Buffer[], chunk: Buffer, flushFrom: number, holdFrom: number, end: number): number {
    const auth = this.isAuth ? authPositions(this.name, this.args) : undefined;
    const replacement = auth ? this.rewrite({ ...auth, inMulti: this.wasInMulti(this.name) }) : undefined;
    if (!replacement) {
      // Not ours to change: everything held goes on as sent, the chunk's part with the chunk.
      this.releaseHeld(out);
      this.endCommand();
      return flushFrom;
    }
    if (holdFrom > flushFrom) out.push(chunk.subarray(flushFrom, holdFrom));
    out.push(replacement);
    this.endCommand();
    return end;
  }

  /** Not RESP as the engine reads it: everything from here on passes unchanged. */
  private giveUp(out: Buffer[], chunk: Buffer, flushFrom: number, holdFrom: number): Buffer[] {
    this.state = "raw";
    if (this.holding) {
      if (holdFrom > flushFrom) out.push(chunk.subarray(flushFrom, holdFrom));
      this.releaseHeld(out);
      out.push(chunk.subarray(Math.max(holdFrom, flushFrom)));
    } else {
      out.push(chunk.subarray(flushFrom));
    }
    this.endCommand();
    return out;
  }
}

/** Where the user and password are in an AUTH or HELLO command; undefined when it names no user. */
function authPositions(name: string, args: Buffer[]): Omit<AuthCommand, "inMulti"> | undefined {
  if (name === "AUTH") return args.length === 3 ? { args, userIndex: 1, passwordIndex: 2 } : undefined;
  // HELLO protover [AUTH username password] [SETNAME clientname], options in any order.
  for (let i = 2; i < args.length; i++) {
    const option = args[i].toString("latin1").toUpperCase();
    if (option === "AUTH" && i + 2 < args.length) return { args, userIndex: i + 1, passwordIndex: i + 2 };
    if (option === "SETNAME") i++;
  }
  return undefined;
}

/** A command as a RESP multibulk. */
export function encodeCommand(args: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, "latin1")];
  for (const arg of args) parts.push(Buffer.from(`$${arg.length}\r\n`, "latin1"), arg, Buffer.from("\r\n", "latin1"));
  return Buffer.concat(parts);
}
