/**
 * The embedded memcached fallback: the text protocol's everyday commands over node:net
 * (get/gets/gat/gats, set/add/replace/append/prepend/cas, delete, incr/decr, touch,
 * flush_all, version, stats, verbosity, quit). Values are Buffers; exptime follows
 * memcached (0 = never, up to 30 days = relative seconds, beyond = absolute unix time,
 * negative = already expired). No memory limit or LRU: a documented subset.
 */
import net from "node:net";
import { listen } from "../../process/listen.js";

interface Item {
  value: Buffer;
  flags: string;
  /** Absolute ms; 0 = never. */
  expiresAt: number;
  cas: bigint;
}

export interface EmbeddedMemcachedOptions {
  version?: string;
  maxMemoryBytes?: number;
}

const MAX_KEY = 250;
const MAX_ITEM = 1024 * 1024;
const RELATIVE_LIMIT = 60 * 60 * 24 * 30; // memcached: larger exptimes are unix timestamps
const MAX_LINE = 8192;
const U64 = 2n ** 64n;

/** memcached exptime -> absolute ms (0 = never, -1 = already expired). */
export function expiryFromExptime(exptime: number, now = Date.now()): number {
  if (exptime === 0) return 0;
  if (exptime < 0) return -1;
  const at = exptime > RELATIVE_LIMIT ? exptime * 1000 : now + exptime * 1000;
  return at <= now ? -1 : at;
}

class ClientError extends Error {}

export class EmbeddedMemcachedServer {
  private readonly items = new Map<string, Item>();
  private readonly server = net.createServer((s) => this.accept(s));
  private readonly sockets = new Set<net.Socket>();
  private readonly startedAt = Date.now();
  private readonly timers = new Set<NodeJS.Timeout>();
  private casCounter = 0n;
  private readonly stats = { total_connections: 0, cmd_get: 0, cmd_set: 0, get_hits: 0, get_misses: 0, total_items: 0, cmd_touch: 0 };
  private readonly version: string;

  constructor(private readonly opts: EmbeddedMemcachedOptions = {}) {
    const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(opts.version ?? "");
    this.version = m ? `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}` : "1.6.0";
  }

  listen(port: number, host: string): Promise<void> {
    return listen(this.server, port, host);
  }

  get port(): number {
    const addr = this.server.address();
    return typeof addr === "object" && addr ? addr.port : 0;
  }

  close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    this.stats.total_connections++;
    socket.setNoDelay(true);
    let buf = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      const out: Buffer[] = [];
      const write = (s: string | Buffer) => out.push(typeof s === "string" ? Buffer.from(s, "latin1") : s);
      let quit = false;
      for (;;) {
        const eol = buf.indexOf("\n");
        if (eol < 0) {
          if (buf.length > MAX_LINE) {
            write("CLIENT_ERROR line too long\r\n");
            buf = Buffer.alloc(0);
          }
          break;
        }
        const line = buf.toString("latin1", 0, eol).replace(/\r$/, "");
        const consumed = this.handle(line, buf.subarray(eol + 1), write);
        if (consumed === "need-more") break;
        if (consumed === "quit") {
          buf = Buffer.alloc(0);
          quit = true;
          break;
        }
        buf = buf.subarray(eol + 1 + consumed);
      }
      if (out.length) socket.write(Buffer.concat(out));
      if (quit) socket.end();
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.sockets.delete(socket));
  }

  /** Handles one command line; returns how many bytes of `rest` (a data block) it used. */
  private handle(line: string, rest: Buffer, write: (s: string | Buffer) => void): number | "need-more" | "quit" {
    const tokens = line.split(" ").filter(Boolean);
    const cmd = tokens[0]?.toLowerCase();
    if (!cmd) return 0; // memcached answers an empty line with ERROR; ignoring is friendlier
    try {
      switch (cmd) {
        case "get":
        case "gets":
          return this.retrieve(tokens.slice(1), cmd === "gets", undefined, write), 0;
        case "gat":
        case "gats":
          if (tokens.length < 3) throw new ClientError("ERROR");
          return this.retrieve(tokens.slice(2), cmd === "gats", parseExptime(tokens[1]!), write), 0;
        case "set":
        case "add":
        case "replace":
        case "append":
        case "prepend":
        case "cas":
          return this.store(cmd, tokens, rest, write);
        case "delete": {
          const noreply = tokens.at(-1) === "noreply";
          const key = checkKey(tokens[1]);
          const hit = this.live(key) !== undefined;
          if (hit) this.items.delete(key);
          if (!noreply) write(hit ? "DELETED\r\n" : "NOT_FOUND\r\n");
          return 0;
        }
        case "incr":
        case "decr":
          return this.incr(cmd === "incr", tokens, write), 0;
        case "touch": {
          const key = checkKey(tokens[1]);
          const expiresAt = parseExptime(tokens[2]);
          const item = this.live(key);
          this.stats.cmd_touch++;
          if (item) item.expiresAt = expiresAt;
          if (expiresAt === -1 && item) this.items.delete(key);
          if (tokens[3] !== "noreply") write(item ? "TOUCHED\r\n" : "NOT_FOUND\r\n");
          return 0;
        }
        case "flush_all": {
          const noreply = tokens.at(-1) === "noreply";
          const delay = tokens[1] && tokens[1] !== "noreply" ? parseNumber(tokens[1]) : 0;
          if (delay > 0) {
            const t = setTimeout(() => (this.items.clear(), this.timers.delete(t)), delay * 1000);
            t.unref();
            this.timers.add(t);
          } else this.items.clear();
          if (!noreply) write("OK\r\n");
          return 0;
        }
        case "version":
          write(`VERSION ${this.version}\r\n`);
          return 0;
        case "verbosity":
          if (tokens.at(-1) !== "noreply") write("OK\r\n");
          return 0;
        case "stats":
          write(this.statsText());
          return 0;
        case "quit":
          return "quit";
        default:
          write("ERROR\r\n");
          return 0;
      }
    } catch (err) {
      if (err instanceof ClientError) write(err.message === "ERROR" ? "ERROR\r\n" : `CLIENT_ERROR ${err.message}\r\n`);
      else write(`SERVER_ERROR ${(err as Error).message}\r\n`);
      return 0;
    }
  }

  private live(key: string): Item | undefined {
    const item = this.items.get(key);
    if (item && item.expiresAt !== 0 && item.expiresAt <= Date.now()) {
      this.items.delete(key);
      return undefined;
    }
    return item;
  }

  private retrieve(keys: string[], withCas: boolean, touch: number | undefined, write: (s: string | Buffer) => void): void {
    if (keys.length === 0) throw new ClientError("ERROR");
    for (const raw of keys) {
      const key = checkKey(raw);
      this.stats.cmd_get++;
      const item = this.live(key);
      if (!item) {
        this.stats.get_misses++;
        continue;
      }
      this.stats.get_hits++;
      if (touch !== undefined) {
        if (touch === -1) this.items.delete(key);
        else item.expiresAt = touch;
      }
      write(`VALUE ${key} ${item.flags} ${item.value.length}${withCas ? ` ${item.cas}` : ""}\r\n`);
      write(item.value);
      write("\r\n");
    }
    write("END\r\n");
  }

  /** `<cmd> <key> <flags> <exptime> <bytes> [cas] [noreply]` followed by the data block. */
  private store(cmd: string, t: string[], rest: Buffer, write: (s: string | Buffer) => void): number | "need-more" {
    const isCas = cmd === "cas";
    const argc = isCas ? 6 : 5;
    if (t.length < argc || t.length > argc + 1 || !/^\d+$/.test(t[4] ?? "")) {
      throw new ClientError("bad command line format");
    }
    const bytes = Number(t[4]);
    if (rest.length < bytes + 2) return "need-more";
    const noreply = t[argc] === "noreply";
    const reply = (s: string) => {
      if (!noreply) write(`${s}\r\n`);
    };
    if (rest[bytes] !== 0x0d || rest[bytes + 1] !== 0x0a) {
      // Swallow the rest of the line as memcached does after a bad chunk.
      write("CLIENT_ERROR bad data chunk\r\n");
      const nl = rest.indexOf("\n", bytes);
      return nl < 0 ? rest.length : nl + 1;
    }
    const consumed = bytes + 2;
    let key: string, expiresAt: number;
    try {
      key = checkKey(t[1]);
      if (!/^\d+$/.test(t[2]!) || BigInt(t[2]!) >= 2n ** 32n) throw new ClientError("bad command line format");
      if (isCas && !/^\d+$/.test(t[5]!)) throw new ClientError("bad command line format");
      expiresAt = parseExptime(t[3]);
    } catch (err) {
      // The data block is swallowed either way, so it is not read as commands.
      write(`CLIENT_ERROR ${(err as Error).message}\r\n`);
      return consumed;
    }
    const data = Buffer.from(rest.subarray(0, bytes));
    this.stats.cmd_set++;
    if (bytes > MAX_ITEM) {
      write("SERVER_ERROR object too large for cache\r\n");
      return consumed;
    }
    const old = this.live(key);
    const put = (value: Buffer, flags: string, at: number) => {
      this.stats.total_items++;
      if (at === -1) this.items.delete(key);
      else this.items.set(key, { value, flags, expiresAt: at, cas: ++this.casCounter });
      reply("STORED");
    };
    switch (cmd) {
      case "set":
        put(data, t[2]!, expiresAt);
        break;
      case "add":
        if (old) reply("NOT_STORED");
        else put(data, t[2]!, expiresAt);
        break;
      case "replace":
        if (!old) reply("NOT_STORED");
        else put(data, t[2]!, expiresAt);
        break;
      case "append":
      case "prepend":
        // Flags and exptime of the existing item are kept, as memcached does.
        if (!old) reply("NOT_STORED");
        else put(cmd === "append" ? Buffer.concat([old.value, data]) : Buffer.concat([data, old.value]), old.flags, old.expiresAt);
        break;
      case "cas":
        if (!old) reply("NOT_FOUND");
        else if (old.cas !== BigInt(t[5]!)) reply("EXISTS");
        else put(data, t[2]!, expiresAt);
        break;
    }
    return consumed;
  }

  private incr(up: boolean, t: string[], write: (s: string | Buffer) => void): void {
    const key = checkKey(t[1]);
    if (!/^\d+$/.test(t[2] ?? "") || BigInt(t[2]!) >= U64) throw new ClientError("invalid numeric delta argument");
    const noreply = t[3] === "noreply";
    const item = this.live(key);
    if (!item) {
      if (!noreply) write("NOT_FOUND\r\n");
      return;
    }
    const text = item.value.toString("latin1").trim();
    if (!/^\d+$/.test(text) || BigInt(text) >= U64) throw new ClientError("cannot increment or decrement non-numeric value");
    const cur = BigInt(text);
    const delta = BigInt(t[2]!);
    const next = up ? (cur + delta) % U64 : cur > delta ? cur - delta : 0n;
    item.value = Buffer.from(String(next));
    item.cas = ++this.casCounter;
    if (!noreply) write(`${next}\r\n`);
  }

  private statsText(): string {
    let bytes = 0;
    let count = 0;
    for (const key of [...this.items.keys()]) {
      const item = this.live(key);
      if (item) {
        count++;
        bytes += item.value.length + key.length;
      }
    }
    const now = Date.now();
    const stats: Array<[string, string | number]> = [
      ["pid", process.pid],
      ["uptime", Math.floor((now - this.startedAt) / 1000)],
      ["time", Math.floor(now / 1000)],
      ["version", this.version],
      ["pointer_size", 64],
      ["curr_connections", this.sockets.size],
      ["total_connections", this.stats.total_connections],
      ["cmd_get", this.stats.cmd_get],
      ["cmd_set", this.stats.cmd_set],
      ["cmd_touch", this.stats.cmd_touch],
      ["get_hits", this.stats.get_hits],
      ["get_misses", this.stats.get_misses],
      ["curr_items", count],
      ["total_items", this.stats.total_items],
      ["bytes", bytes],
      ["limit_maxbytes", this.opts.maxMemoryBytes ?? 64 * 1024 * 1024],
      ["threads", 1],
      ["evictions", 0],
    ];
    return stats.map(([k, v]) => `STAT ${k} ${v}\r\n`).join("") + "END\r\n";
  }
}

function checkKey(key: string | undefined): string {
  if (!key || key.length > MAX_KEY || /[\x00-\x20\x7f]/.test(key)) throw new ClientError("bad command line format");
  return key;
}

function parseNumber(s: string | undefined): number {
  if (s === undefined || !/^-?\d+$/.test(s)) throw new ClientError("bad command line format");
  return Number(s);
}

function parseExptime(s: string | undefined): number {
  return expiryFromExptime(parseNumber(s));
}
