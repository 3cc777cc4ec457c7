/**
 * ECPUPerSecond.Maximum of a serverless cache: a token bucket of ElastiCache Processing Units
 * shared by the cache's listeners, and a per-connection gate that counts the ECPUs of the
 * client's commands and holds the next command while the bucket is empty, so requests beyond
 * the rate wait rather than fail, as AWS throttles. Each held command counts once in
 * `throttledCmds` (the `ThrottledCmds` metric).
 *
 * An ECPU is AWS's "one per simple command per KiB transferred": `ecpusFor` (the one
 * definition, also used by the serverless metrics) gives max(commands, ⌈bytes / 1024⌉) for
 * commands and the bytes they moved both ways. A connection that authenticates as the
 * emulator's admin user (the replica's replication link, the metrics sampler) passes freely.
 *
 * The gate follows the engine's request framing: multibulk (`*N`, `$len`) skipped by length,
 * inline commands up to their newline. Input it cannot follow is counted by its bytes only.
 */
import type net from "node:net";

/** ECPUs for `commands` commands that moved `bytes` bytes (requests and replies). */
export function ecpusFor(commands: number, bytes: number): number {
  return commands === 0 ? 0 : Math.max(commands, Math.ceil(bytes / 1024));
}

/** The bucket holds at most this many seconds of the rate: a burst stays within a tenth of a second's worth. */
const BURST_SECONDS = 0.1;

/** A cache's ECPU budget. Without a limit (undefined or 0) nothing waits. */
export class EcpuThrottle {
  private rate = 0;
  private tokens = 0;
  private last = performance.now();
  /** Commands that had to wait, since the cache started. */
  throttledCmds = 0;

  /** ECPUPerSecond.Maximum; undefined or 0 removes the limit (AWS: Minimum=Maximum=0). Takes effect at once. */
  setLimit(perSecond: number | undefined): void {
    const rate = perSecond && perSecond > 0 ? perSecond : 0;
    if (rate === this.rate) return;
    this.rate = rate;
    this.tokens = this.capacity();
    this.last = performance.now();
  }

  get limit(): number | undefined {
    return this.rate > 0 ? this.rate : undefined;
  }

  /** Spends `ecpus` (the bucket may go below zero: what follows waits for it to refill). */
  take(ecpus: number): void {
    if (this.rate === 0 || ecpus <= 0) return;
    this.refill();
    this.tokens -= ecpus;
  }

  /** How long the next command must wait (0: it may go now). */
  waitMs(): number {
    if (this.rate === 0) return 0;
    this.refill();
    if (this.tokens > 0) return 0;
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000));
  }

  private capacity(): number {
    return Math.max(1, this.rate * BURST_SECONDS);
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.capacity(), this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
/** `*N` / `$len` header lines are short; a longer one is not RESP. */
const MAX_HEADER_LINE = 32;
/** Longest user name or password kept to recognise the emulator's own `AUTH <user> <password>`. */
const MAX_CAPTURED_ARG = 512;

type State = "start" | "count" | "bulkHeader" | "bulk" | "inline" | "raw";

/** Finds where each client command ends in the stream; keeps the arguments of an `AUTH <user> <password>`. */
class CommandFramer {
  state: State = "start";
  private line = 0;
  private lineLength = 0;
  private lineBad = false;
  /** The header line's prefix (`$`) is still to be checked. */
  private expectDollar = false;
  private argsLeft = 0;
  private argIndex = 0;
  private bulkLeft = 0;
  private bulkLength = 0;
  private parts: Buffer[] = [];
  private capturing = false;
  private isAuth = false;
  /** The completed command's arguments when it was an `AUTH` with two of them. */
  args: Buffer[] = [];

  /** Scans `buf` from `pos`; returns the index just after the first command that ends there, or -1 when the chunk ends first. */
  scan(buf: Buffer, pos: number): number {
    const end = buf.length;
    while (pos < end) {
      switch (this.state) {
        case "raw":
          return -1;
        case "start": {
          const b = buf[pos]!;
          if (b === STAR) {
            this.state = "count";
            this.resetLine(false);
            this.isAuth = false;
            if (this.args.length > 0) this.args = [];
            pos++;
          } else if (b === CR || b === LF) {
            pos++; // blank lines between commands are skipped by the engine too
          } else {
            this.state = "inline";
          }
          break;
        }
        case "inline": {
          const nl = buf.indexOf(LF, pos);
          if (nl < 0) return -1;
          this.state = "start";
          return nl + 1;
        }
        case "count":
        case "bulkHeader": {
          const header = this.state;
          for (; pos < end; pos++) {
            const b = buf[pos]!;
            if (b === LF) break;
            if (this.expectDollar) {
              if (b !== DOLLAR) this.lineBad = true;
              this.expectDollar = false;
              continue;
            }
            this.lineLength++;
            if (b === CR) continue;
            if (b < 48 || b > 57 || this.lineLength > MAX_HEADER_LINE) this.lineBad = true;
            else this.line = this.line * 10 + (b - 48);
          }
          if (pos >= end) {
            if (this.lineLength > MAX_HEADER_LINE) this.state = "raw";
            break;
          }
          pos++; // the LF
          if (this.lineBad || this.lineLength === 0) {
            this.state = "raw";
            return -1;
          }
          if (header === "count") {
            this.argsLeft = this.line;
            this.argIndex = 0;
            if (this.argsLeft <= 0) {
              this.state = "start";
              return pos;
            }
            this.state = "bulkHeader";
            this.resetLine(true);
          } else {
            this.bulkLength = this.line;
            this.bulkLeft = this.line + 2;
            // Only what an AUTH needs: a 4-byte name, then its user and password (when short).
            this.capturing = this.argIndex === 0 ? this.line === 4 : this.isAuth && this.argIndex < 3 && this.line <= MAX_CAPTURED_ARG;
            this.state = "bulk";
          }
          break;
        }
        case "bulk": {
          const take = Math.min(this.bulkLeft, end - pos);
          if (this.capturing) this.parts.push(buf.subarray(pos, pos + take));
          pos += take;
          this.bulkLeft -= take;
          if (this.bulkLeft > 0) return -1;
          if (this.capturing) this.captured();
          this.argIndex++;
          if (--this.argsLeft === 0) {
            this.state = "start";
            return pos;
          }
          this.state = "bulkHeader";
          this.resetLine(true);
          break;
        }
      }
    }
    return -1;
  }

  /** At a command boundary: nothing of the next command read yet. */
  get atStart(): boolean {
    return this.state === "start";
  }

  private captured(): void {
    const whole = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.parts = [];
    const arg = whole.subarray(0, this.bulkLength);
    if (this.argIndex === 0) {
      this.isAuth = arg.toString("latin1").toLowerCase() === "auth" && this.argsLeft === 3;
      if (this.isAuth) this.args = [arg];
    } else if (this.isAuth) {
      this.args.push(Buffer.from(arg));
    }
  }

  private resetLine(dollar: boolean): void {
    this.line = 0;
    this.lineLength = 0;
    this.lineBad = false;
    this.expectDollar = dollar;
  }
}

/** The ECPUs one connection has used (commands and bytes moved), charged to the bucket as whole ECPUs accrue. */
class EcpuMeter {
  private commands = 0;
  private bytes = 0;
  private charged = 0;

  constructor(private readonly throttle: EcpuThrottle) {}

  /** Counts without charging yet (a command's bytes before its end). */
  count(commands: number, bytes: number): void {
    this.commands += commands;
    this.bytes += bytes;
  }

  charge(): void {
    const total = ecpusFor(this.commands, this.bytes);
    if (total > this.charged) {
      this.throttle.take(total - this.charged);
      this.charged = total;
    }
  }
}

/** Runs `stop` when the client's socket closes; the answer tells whether it has. */
function closedWith(client: net.Socket, stop: () => void): () => boolean {
  let closed = false;
  client.once("close", () => {
    closed = true;
    stop();
  });
  return () => closed;
}

/** The emulator's own credentials: a connection that authenticates with them is never throttled. */
export type AdminCredentials = () => { user: string; password: string } | undefined;

/**
 * One client connection through the throttle: `write` its bytes (in order), `replied` the
 * bytes of the engine's replies. While the bucket is empty the next command and everything
 * after it wait, the client's socket paused.
 */
export class EcpuGate {
  private readonly framer = new CommandFramer();
  private readonly queue: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private free = false;
  private readonly meter: EcpuMeter;
  private readonly closed: () => boolean;
  private ended: (() => void) | undefined;

  constructor(
    private readonly throttle: EcpuThrottle,
    private readonly client: net.Socket,
    private readonly send: (bytes: Buffer) => void,
    private readonly admin: AdminCredentials,
  ) {
    this.meter = new EcpuMeter(throttle);
    this.closed = closedWith(client, () => clearTimeout(this.timer));
  }

  write(chunk: Buffer): void {
    if (this.free) return this.send(chunk);
    if (this.queue.length > 0) {
      this.queue.push(chunk);
      this.client.pause();
      return;
    }
    this.process(chunk);
  }

  /** Reply bytes count towards the ECPUs (one per KiB moved). */
  replied(bytes: number): void {
    if (this.free) return;
    this.meter.count(0, bytes);
    this.meter.charge();
  }

  private process(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.framer.atStart && !this.free) {
        const wait = this.throttle.waitMs();
        if (wait > 0) {
          if (pos > 0) this.send(chunk.subarray(0, pos));
          this.hold(chunk.subarray(pos), wait);
          return;
        }
      }
      const next = this.framer.scan(chunk, pos);
      const upTo = next < 0 ? chunk.length : next;
      this.meter.count(0, upTo - pos);
      pos = upTo;
      if (next >= 0) {
        this.meter.count(1, 0);
        this.meter.charge();
        this.checkAdmin();
        if (this.free) break;
      } else if (this.framer.state === "raw") {
        // Not RESP the gate can follow: counted by its bytes, never held again.
        this.meter.charge();
        this.free = true;
      }
    }
    this.send(chunk);
  }

  /** The client ended its side: `then` runs once everything held has gone on. */
  end(then: () => void): void {
    if (this.queue.length === 0) return then();
    this.ended = then;
  }

  private hold(rest: Buffer, waitMs: number): void {
    this.throttle.throttledCmds++;
    this.queue.unshift(rest);
    this.client.pause();
    this.timer = setTimeout(() => this.release(), waitMs);
  }

  private release(): void {
    this.timer = undefined;
    if (this.closed()) return;
    while (this.queue.length > 0 && !this.timer) {
      const chunk = this.queue.shift()!;
      this.process(chunk);
    }
    if (this.timer) return;
    this.client.resume();
    this.finishEnd();
  }

  private finishEnd(): void {
    const then = this.ended;
    this.ended = undefined;
    then?.();
  }

  /** `AUTH <admin> <password>` with the emulator's own credentials: the connection is the emulator's. */
  private checkAdmin(): void {
    const args = this.framer.args;
    if (args.length !== 3 || args[0]!.length !== 4 || args[0]!.toString("latin1").toLowerCase() !== "auth") return;
    const admin = this.admin();
    if (admin && args[1]!.toString("utf8") === admin.user && args[2]!.toString("utf8") === admin.password) this.free = true;
  }
}

/**
 * The same budget for a listener that frames the commands itself (the Memcached Endpoint):
 * whole chunks of the client's input wait while the bucket is empty, then are processed at
 * once, their commands and bytes reported with `counted`. The bucket's debt makes what
 * follows a large chunk wait in turn, so the rate holds over time.
 */
export class EcpuChunkGate {
  private readonly queue: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly meter: EcpuMeter;
  private readonly closed: () => boolean;
  private ended: (() => void) | undefined;

  constructor(
    private readonly throttle: EcpuThrottle,
    private readonly client: net.Socket,
    private readonly process: (chunk: Buffer) => void,
  ) {
    this.meter = new EcpuMeter(throttle);
    this.closed = closedWith(client, () => clearTimeout(this.timer));
  }

  write(chunk: Buffer): void {
    if (this.queue.length === 0) {
      const wait = this.throttle.waitMs();
      if (wait === 0) return this.process(chunk);
      this.hold(wait);
    }
    this.queue.push(chunk);
    this.client.pause();
  }

  /** Commands and request bytes the listener found in what it processed. */
  counted(commands: number, bytes: number): void {
    this.meter.count(commands, bytes);
    this.meter.charge();
  }

  replied(bytes: number): void {
    this.counted(0, bytes);
  }

  /** The client ended its side: `then` runs once everything held has been processed. */
  end(then: () => void): void {
    if (this.queue.length === 0) return then();
    this.ended = then;
  }

  private hold(waitMs: number): void {
    this.throttle.throttledCmds++;
    this.timer = setTimeout(() => this.release(), waitMs);
  }

  private release(): void {
    this.timer = undefined;
    if (this.closed()) return;
    while (this.queue.length > 0) {
      const wait = this.throttle.waitMs();
      if (wait > 0) return this.hold(wait);
      this.process(this.queue.shift()!);
    }
    this.client.resume();
    const then = this.ended;
    this.ended = undefined;
    then?.();
  }
}
