/**
 * The embedded Redis fallback: a node:net server speaking RESP2 with a documented subset
 * of commands (strings, keys and expiry, hashes, lists, sets, connection and server
 * basics). It exists so the emulator works on a machine without redis-server; it is not
 * a reimplementation of redis. Keys and values are kept as "binary" latin1 strings so
 * any byte sequence round-trips.
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { RespDecoder, RespError, RespSimple, encodeValue, toStrings, type RespValue } from "../resp.js";
import { DEBUG_NOT_ALLOWED, isRestricted, refusalMessage } from "../restricted.js";
import { listen } from "../../process/listen.js";

type Entry =
  | { type: "string"; value: string; expiresAt?: number }
  | { type: "hash"; value: Map<string, string>; expiresAt?: number }
  | { type: "list"; value: string[]; expiresAt?: number }
  | { type: "set"; value: Set<string>; expiresAt?: number };

type Db = Map<string, Entry>;

interface Conn {
  id: number;
  db: number;
  name?: string;
  /** The emulator itself (adminCommand): restricted commands allowed. */
  privileged: boolean;
  quit?: boolean;
}

type Handler = (c: Conn, a: string[]) => RespValue;
interface Command {
  /** Like redis: N = exactly N words including the name, -N = at least N. */
  arity: number;
  fn: Handler;
}

export interface EmbeddedRespOptions {
  /** Version reported by INFO/HELLO, e.g. "7.0.0". */
  version?: string;
  allowRestrictedCommands?: boolean;
  maxMemoryBytes?: number;
  params?: Record<string, string>;
}

const OK = new RespSimple("OK");
const DATABASES = 16;
const WRONGTYPE = new RespError("WRONGTYPE Operation against a key holding the wrong kind of value");
const NOT_INT = new RespError("ERR value is not an integer or out of range");
const SYNTAX = new RespError("ERR syntax error");
const MAX_I64 = 2n ** 63n - 1n;
const MIN_I64 = -(2n ** 63n);

/** A bulk reply of a stored binary string. */
const bulk = (s: string): Buffer => Buffer.from(s, "latin1");

class ReplyError extends Error {
  constructor(readonly reply: RespError) {
    super(reply.message);
  }
}
/** Lets helpers deep in a handler abort it with an error reply. */
const fail = (reply: RespError | string): never => {
  throw new ReplyError(typeof reply === "string" ? new RespError(reply) : reply);
};

function parseInteger(s: string): bigint {
  if (!/^-?\d+$/.test(s)) fail(NOT_INT);
  const n = BigInt(s);
  if (n > MAX_I64 || n < MIN_I64) fail(NOT_INT);
  return n;
}
const int = (s: string): number => Number(parseInteger(s));

/** Redis glob (*, ?, [abc], [^a-z], \x) as a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*") re += "[\\s\\S]*";
    else if (ch === "?") re += "[\\s\\S]";
    else if (ch === "\\" && i + 1 < glob.length) re += escapeRe(glob[++i]!);
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        let body = glob.slice(i + 1, end);
        const negate = body.startsWith("^");
        if (negate) body = body.slice(1);
        re += `[${negate ? "^" : ""}${body.replace(/[\\\]]/g, "\\$&")}]`;
        i = end;
      }
    } else re += escapeRe(ch);
  }
  return new RegExp(`^${re}$`);
}
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** "6.2" -> "6.2.0"; anything unparseable -> "7.0.0". */
export function normalizeVersion(v: string | undefined): string {
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v ?? "");
  return m ? `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}` : "7.0.0";
}

export class EmbeddedRespServer {
  private readonly dbs: Db[] = Array.from({ length: DATABASES }, () => new Map());
  private readonly server = net.createServer((s) => this.accept(s));
  private readonly sockets = new Set<net.Socket>();
  private readonly config = new Map<string, string>();
  private readonly version: string;
  private readonly startedAt = Date.now();
  private readonly runId = randomBytes(20).toString("hex");
  private nextConnId = 1;
  private stats = { connections: 0, commands: 0 };
  private readonly commands: Record<string, Command>;

  constructor(private readonly opts: EmbeddedRespOptions = {}) {
    this.version = normalizeVersion(opts.version);
    this.config.set("maxmemory", String(opts.maxMemoryBytes ?? 0));
    this.config.set("maxmemory-policy", "volatile-lru");
    this.config.set("save", "");
    this.config.set("appendonly", "no");
    this.config.set("databases", String(DATABASES));
    for (const [k, v] of Object.entries(opts.params ?? {})) this.config.set(k.toLowerCase(), v);
    this.commands = this.commandTable();
  }

  /** Listens; rejects with the socket error (EADDRINUSE...) if it cannot. */
  listen(port: number, host: string): Promise<void> {
    return listen(this.server, port, host);
  }

  get port(): number {
    const addr = this.server.address();
    return typeof addr === "object" && addr ? addr.port : 0;
  }

  /** Closes the listener and every client connection. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** Runs a command with the emulator's privileges; returns plain JS values, throws error replies. */
  admin(args: string[]): unknown {
    const reply = this.execute({ id: 0, db: 0, privileged: true }, args.map((a) => Buffer.from(a)));
    if (reply instanceof RespError) throw reply;
    return toStrings(reply);
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    this.stats.connections++;
    socket.setNoDelay(true);
    const conn: Conn = { id: this.nextConnId++, db: 0, privileged: false };
    const decoder = new RespDecoder({ inline: true });
    socket.on("data", (chunk) => {
      const out: Buffer[] = [];
      try {
        decoder.push(chunk);
        for (let v = decoder.next(); v !== undefined; v = decoder.next()) {
          if (!Array.isArray(v) || v.length === 0) continue; // empty inline line
          if (!v.every((x): x is Buffer => Buffer.isBuffer(x))) throw new Error("Protocol error: expected bulk strings");
          out.push(encodeValue(this.execute(conn, v)));
          if (conn.quit) break;
        }
      } catch (err) {
        out.push(encodeValue(new RespError(`ERR ${(err as Error).message}`)));
        conn.quit = true;
      }
      if (out.length) socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
      if (conn.quit) socket.end();
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.sockets.delete(socket));
  }

  private execute(conn: Conn, raw: Buffer[]): RespValue {
    this.stats.commands++;
    const args = raw.map((b) => b.toString("latin1"));
    const name = args[0]!.toLowerCase();
    const cmd = this.commands[name];
    if (!cmd) {
      const rest = args.slice(1, 20).map((a) => `'${a.slice(0, 128)}' `).join("");
      return new RespError(`ERR unknown command '${args[0]!.slice(0, 128)}', with args beginning with: ${rest}`);
    }
    if ((cmd.arity > 0 && args.length !== cmd.arity) || (cmd.arity < 0 && args.length < -cmd.arity)) {
      return new RespError(`ERR wrong number of arguments for '${name}' command`);
    }
    if (name === "debug") return new RespError(DEBUG_NOT_ALLOWED);
    if (isRestricted(name) && !conn.privileged && !this.opts.allowRestrictedCommands) {
      return new RespError(refusalMessage(name, args[1]));
    }
    try {
      return cmd.fn(conn, args.slice(1));
    } catch (err) {
      if (err instanceof ReplyError) return err.reply;
      return new RespError(`ERR ${(err as Error).message}`);
    }
  }

  // --- keyspace helpers -------------------------------------------------------------

  private db(c: Conn): Db {
    return this.dbs[c.db]!;
  }

  /** The live entry for key (expired entries are dropped on access). */
  private lookup(c: Conn, key: string): Entry | undefined {
    const db = this.db(c);
    const e = db.get(key);
    if (e?.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      db.delete(key);
      return undefined;
    }
    return e;
  }

  private typed<T extends Entry["type"]>(c: Conn, key: string, type: T): Extract<Entry, { type: T }> | undefined {
    const e = this.lookup(c, key);
    if (e && e.type !== type) fail(WRONGTYPE);
    return e as Extract<Entry, { type: T }> | undefined;
  }

  /** The entry of `type` at key, created empty when missing. */
  private upsert<T extends Entry["type"]>(c: Conn, key: string, type: T, empty: () => Extract<Entry, { type: T }>["value"]): Extract<Entry, { type: T }> {
    let e = this.typed(c, key, type);
    if (!e) {
      e = { type, value: empty() } as unknown as Extract<Entry, { type: T }>;
      this.db(c).set(key, e);
    }
    return e;
  }

  /** Collections that become empty disappear, as in redis. */
  private dropIfEmpty(c: Conn, key: string, e: Entry): void {
    const size = e.type === "list" ? e.value.length : e.type === "string" ? 1 : e.value.size;
    if (size === 0) this.db(c).delete(key);
  }

  private liveKeys(c: Conn): string[] {
    const now = Date.now();
    const keys: string[] = [];
    for (const [k, e] of this.db(c)) {
      if (e.expiresAt !== undefined && e.expiresAt <= now) this.db(c).delete(k);
      else keys.push(k);
    }
    return keys;
  }

  private getString(c: Conn, key: string): string | undefined {
    return this.typed(c, key, "string")?.value;
  }

  private incrBy(c: Conn, key: string, by: bigint): RespValue {
    const e = this.typed(c, key, "string");
    const current = e ? parseInteger(e.value) : 0n;
    const next = current + by;
    if (next > MAX_I64 || next < MIN_I64) fail("ERR increment or decrement would overflow");
    if (e) e.value = String(next);
    else this.db(c).set(key, { type: "string", value: String(next) });
    return next;
  }

  private setExpiry(c: Conn, key: string, at: number): number {
    const e = this.lookup(c, key);
    if (!e) return 0;
    if (at <= Date.now()) this.db(c).delete(key);
    else e.expiresAt = at;
    return 1;
  }

  private ttl(c: Conn, key: string, unitMs: number): number {
    const e = this.lookup(c, key);
    if (!e) return -2;
    if (e.expiresAt === undefined) return -1;
    return Math.max(0, Math.round((e.expiresAt - Date.now()) / unitMs));
  }

  private info(c: Conn, section?: string): string {
    const sections: Record<string, string[]> = {
      server: [
        `redis_version:${this.version}`,
        "redis_mode:standalone",
        "os:embedded (elasticache-local)",
        `process_id:${process.pid}`,
        // A fresh id per server instance, as redis gives per process: a restart is visible.
        `run_id:${this.runId}`,
        `tcp_port:${this.port}`,
        `uptime_in_seconds:${Math.floor((Date.now() - this.startedAt) / 1000)}`,
      ],
      clients: [`connected_clients:${this.sockets.size}`],
      memory: [`maxmemory:${this.config.get("maxmemory")}`, `maxmemory_policy:${this.config.get("maxmemory-policy")}`],
      persistence: ["loading:0", "rdb_bgsave_in_progress:0", "aof_enabled:0"],
      stats: [`total_connections_received:${this.stats.connections}`, `total_commands_processed:${this.stats.commands}`],
      replication: ["role:master", "connected_slaves:0"],
      keyspace: this.dbs.flatMap((db, i) => {
        const keys = this.liveKeys({ ...c, db: i });
        if (!keys.length) return [];
        const expires = keys.filter((k) => db.get(k)?.expiresAt !== undefined).length;
        return [`db${i}:keys=${keys.length},expires=${expires},avg_ttl=0`];
      }),
    };
    const wanted = section && !["all", "default", "everything"].includes(section.toLowerCase()) ? [section.toLowerCase()] : Object.keys(sections);
    return wanted
      .filter((s) => sections[s])
      .map((s) => [`# ${s[0]!.toUpperCase()}${s.slice(1)}`, ...sections[s]!].join("\r\n"))
      .join("\r\n\r\n") + "\r\n";
  }

  // --- commands ----------------------------------------------------------------------

  private commandTable(): Record<string, Command> {
    const t: Record<string, Command> = {};
    const def = (name: string, arity: number, fn: Handler) => (t[name] = { arity, fn });

    // connection and server
    def("ping", -1, (_c, a) => (a.length ? bulk(a[0]!) : new RespSimple("PONG")));
    def("echo", 2, (_c, a) => bulk(a[0]!));
    def("auth", -2, () => OK); // the subset has no users: any credentials are accepted
    def("quit", -1, (c) => ((c.quit = true), OK));
    def("select", 2, (c, a) => {
      const n = int(a[0]!);
      if (n < 0 || n >= DATABASES) fail("ERR DB index is out of range");
      c.db = n;
      return OK;
    });
    def("hello", -1, (c, a) => {
      if (a.length && a[0] !== "2") {
        if (!/^\d+$/.test(a[0]!)) fail("ERR Protocol version is not an integer or out of range");
        fail("NOPROTO unsupported protocol version");
      }
      for (let i = 1; i < a.length; i++) {
        const opt = a[i]!.toLowerCase();
        if (opt === "auth") i += 2;
        else if (opt === "setname") c.name = a[++i];
        else fail(SYNTAX);
      }
      return ["server", "redis", "version", this.version, "proto", 2, "id", c.id, "mode", "standalone", "role", "master", "modules", []];
    });
    def("client", -2, (c, a) => {
      const sub = a[0]!.toLowerCase();
      if (sub === "setname") return (c.name = a[1] ?? ""), OK;
      if (sub === "getname") return c.name === undefined ? null : bulk(c.name);
      if (sub === "id") return c.id;
      if (sub === "setinfo" || sub === "no-evict" || sub === "no-touch" || sub === "reply") return OK;
      return fail(`ERR unknown subcommand '${a[0]}'. Try CLIENT HELP.`);
    });
    def("info", -1, (c, a) => bulk(this.info(c, a[0])));
    def("command", -1, () => []);
    def("time", 1, () => {
      const us = BigInt(Date.now()) * 1000n;
      return [String(us / 1_000_000n), String(us % 1_000_000n)];
    });
    def("dbsize", 1, (c) => this.liveKeys(c).length);
    def("flushdb", -1, (c) => (this.db(c).clear(), OK));
    def("flushall", -1, () => (this.dbs.forEach((db) => db.clear()), OK));

    // restricted commands: reachable only by the emulator or with allowRestrictedCommands
    def("config", -2, (_c, a) => {
      const sub = a[0]!.toLowerCase();
      if (sub === "get") {
        const out: string[] = [];
        for (const pattern of a.slice(1)) {
          const re = globToRegExp(pattern.toLowerCase());
          for (const [k, v] of this.config) if (re.test(k)) out.push(k, v);
        }
        return out.map(bulk);
      }
      if (sub === "set") {
        if (a.length < 3 || a.length % 2 === 0) fail("ERR wrong number of arguments for 'config|set' command");
        for (let i = 1; i < a.length; i += 2) this.config.set(a[i]!.toLowerCase(), a[i + 1]!);
        return OK;
      }
      if (sub === "resetstat" || sub === "rewrite") return OK;
      return fail(`ERR unknown subcommand '${a[0]}'. Try CONFIG HELP.`);
    });
    def("save", 1, () => OK);
    def("bgsave", -1, () => new RespSimple("Background saving started"));
    def("bgrewriteaof", 1, () => new RespSimple("Background append only file rewriting started"));
    for (const name of ["debug", "migrate", "replicaof", "slaveof", "shutdown", "sync", "psync"]) {
      def(name, -1, () => fail(`ERR '${name}' is not supported by the embedded engine`));
    }

    // keys
    def("del", -2, (c, a) => a.filter((k) => this.lookup(c, k) && this.db(c).delete(k)).length);
    t.unlink = t.del;
    def("exists", -2, (c, a) => a.filter((k) => this.lookup(c, k)).length);
    def("type", 2, (c, a) => new RespSimple(this.lookup(c, a[0]!)?.type ?? "none"));
    def("keys", 2, (c, a) => {
      const re = globToRegExp(a[0]!);
      return this.liveKeys(c).filter((k) => re.test(k)).map(bulk);
    });
    def("scan", -2, (c, a) => {
      // The subset returns everything on the first call (cursor 0 -> 0).
      let re: RegExp | undefined;
      let type: string | undefined;
      for (let i = 1; i < a.length; i += 2) {
        const opt = a[i]!.toLowerCase();
        if (a[i + 1] === undefined) fail(SYNTAX);
        if (opt === "match") re = globToRegExp(a[i + 1]!);
        else if (opt === "type") type = a[i + 1]!.toLowerCase();
        else if (opt !== "count") fail(SYNTAX);
      }
      if (a[0] !== "0") return ["0", []];
      const keys = this.liveKeys(c).filter((k) => (!re || re.test(k)) && (!type || this.db(c).get(k)!.type === type));
      return ["0", keys.map(bulk)];
    });
    def("expire", -3, (c, a) => this.setExpiry(c, a[0]!, Date.now() + int(a[1]!) * 1000));
    def("pexpire", -3, (c, a) => this.setExpiry(c, a[0]!, Date.now() + int(a[1]!)));
    def("expireat", -3, (c, a) => this.setExpiry(c, a[0]!, int(a[1]!) * 1000));
    def("pexpireat", -3, (c, a) => this.setExpiry(c, a[0]!, int(a[1]!)));
    def("ttl", 2, (c, a) => this.ttl(c, a[0]!, 1000));
    def("pttl", 2, (c, a) => this.ttl(c, a[0]!, 1));
    def("persist", 2, (c, a) => {
      const e = this.lookup(c, a[0]!);
      if (e?.expiresAt === undefined) return 0;
      delete e.expiresAt;
      return 1;
    });

    // strings
    def("get", 2, (c, a) => {
      const v = this.getString(c, a[0]!);
      return v === undefined ? null : bulk(v);
    });
    def("set", -3, (c, a) => this.set(c, a));
    def("setex", 4, (c, a) => this.set(c, [a[0]!, a[2]!, "EX", a[1]!], "setex"));
    def("psetex", 4, (c, a) => this.set(c, [a[0]!, a[2]!, "PX", a[1]!], "psetex"));
    def("setnx", 3, (c, a) => (this.set(c, [a[0]!, a[1]!, "NX"]) === null ? 0 : 1));
    def("getset", 3, (c, a) => this.set(c, [a[0]!, a[1]!, "GET"]));
    def("getdel", 2, (c, a) => {
      const v = this.getString(c, a[0]!);
      if (v === undefined) return null;
      this.db(c).delete(a[0]!);
      return bulk(v);
    });
    def("mget", -2, (c, a) =>
      a.map((k) => {
        const e = this.lookup(c, k);
        return e?.type === "string" ? bulk(e.value) : null;
      }),
    );
    def("mset", -3, (c, a) => {
      if (a.length % 2) fail("ERR wrong number of arguments for 'mset' command");
      for (let i = 0; i < a.length; i += 2) this.db(c).set(a[i]!, { type: "string", value: a[i + 1]! });
      return OK;
    });
    def("incr", 2, (c, a) => this.incrBy(c, a[0]!, 1n));
    def("decr", 2, (c, a) => this.incrBy(c, a[0]!, -1n));
    def("incrby", 3, (c, a) => this.incrBy(c, a[0]!, parseInteger(a[1]!)));
    def("decrby", 3, (c, a) => this.incrBy(c, a[0]!, -parseInteger(a[1]!)));
    def("append", 3, (c, a) => {
      const e = this.typed(c, a[0]!, "string");
      if (e) e.value += a[1]!;
      else this.db(c).set(a[0]!, { type: "string", value: a[1]! });
      return (e?.value ?? a[1]!).length;
    });
    def("strlen", 2, (c, a) => this.getString(c, a[0]!)?.length ?? 0);

    // hashes
    def("hset", -4, (c, a) => {
      if (a.length % 2 === 0) fail("ERR wrong number of arguments for 'hset' command");
      const e = this.upsert(c, a[0]!, "hash", () => new Map());
      let added = 0;
      for (let i = 1; i < a.length; i += 2) {
        if (!e.value.has(a[i]!)) added++;
        e.value.set(a[i]!, a[i + 1]!);
      }
      return added;
    });
    def("hmset", -4, (c, a) => (t.hset!.fn(c, a), OK));
    def("hget", 3, (c, a) => {
      const v = this.typed(c, a[0]!, "hash")?.value.get(a[1]!);
      return v === undefined ? null : bulk(v);
    });
    def("hmget", -3, (c, a) => {
      const h = this.typed(c, a[0]!, "hash")?.value;
      return a.slice(1).map((f) => (h?.has(f) ? bulk(h.get(f)!) : null));
    });
    def("hgetall", 2, (c, a) => [...(this.typed(c, a[0]!, "hash")?.value ?? [])].flat().map(bulk));
    def("hkeys", 2, (c, a) => [...(this.typed(c, a[0]!, "hash")?.value.keys() ?? [])].map(bulk));
    def("hvals", 2, (c, a) => [...(this.typed(c, a[0]!, "hash")?.value.values() ?? [])].map(bulk));
    def("hlen", 2, (c, a) => this.typed(c, a[0]!, "hash")?.value.size ?? 0);
    def("hexists", 3, (c, a) => (this.typed(c, a[0]!, "hash")?.value.has(a[1]!) ? 1 : 0));
    def("hdel", -3, (c, a) => {
      const e = this.typed(c, a[0]!, "hash");
      if (!e) return 0;
      const n = a.slice(1).filter((f) => e.value.delete(f)).length;
      this.dropIfEmpty(c, a[0]!, e);
      return n;
    });
    def("hincrby", 4, (c, a) => {
      const e = this.upsert(c, a[0]!, "hash", () => new Map());
      const cur = e.value.has(a[1]!) ? parseInteger(e.value.get(a[1]!)!) : 0n;
      const next = cur + parseInteger(a[2]!);
      if (next > MAX_I64 || next < MIN_I64) fail("ERR increment or decrement would overflow");
      e.value.set(a[1]!, String(next));
      return next;
    });

    // lists
    const push = (left: boolean) => (c: Conn, a: string[]) => {
      const e = this.upsert(c, a[0]!, "list", () => []);
      for (const v of a.slice(1)) left ? e.value.unshift(v) : e.value.push(v);
      return e.value.length;
    };
    def("lpush", -3, push(true));
    def("rpush", -3, push(false));
    const pop = (left: boolean) => (c: Conn, a: string[]) => {
      const e = this.typed(c, a[0]!, "list");
      const count = a[1] === undefined ? undefined : int(a[1]);
      if (count !== undefined && count < 0) fail("ERR value is out of range, must be positive");
      if (!e) return null;
      const taken = left ? e.value.splice(0, count ?? 1) : e.value.splice(-(count ?? 1)).reverse();
      this.dropIfEmpty(c, a[0]!, e);
      return count === undefined ? bulk(taken[0]!) : taken.map(bulk);
    };
    def("lpop", -2, pop(true));
    def("rpop", -2, pop(false));
    def("llen", 2, (c, a) => this.typed(c, a[0]!, "list")?.value.length ?? 0);
    def("lrange", 4, (c, a) => {
      const list = this.typed(c, a[0]!, "list")?.value ?? [];
      let start = int(a[1]!);
      let stop = int(a[2]!);
      if (start < 0) start = Math.max(0, list.length + start);
      if (stop < 0) stop = list.length + stop;
      return list.slice(start, stop + 1).map(bulk);
    });
    def("lindex", 3, (c, a) => {
      const list = this.typed(c, a[0]!, "list")?.value ?? [];
      const i = int(a[1]!);
      const v = list[i < 0 ? list.length + i : i];
      return v === undefined ? null : bulk(v);
    });

    // sets
    def("sadd", -3, (c, a) => {
      const e = this.upsert(c, a[0]!, "set", () => new Set());
      const before = e.value.size;
      for (const m of a.slice(1)) e.value.add(m);
      return e.value.size - before;
    });
    def("srem", -3, (c, a) => {
      const e = this.typed(c, a[0]!, "set");
      if (!e) return 0;
      const n = a.slice(1).filter((m) => e.value.delete(m)).length;
      this.dropIfEmpty(c, a[0]!, e);
      return n;
    });
    def("smembers", 2, (c, a) => [...(this.typed(c, a[0]!, "set")?.value ?? [])].map(bulk));
    def("scard", 2, (c, a) => this.typed(c, a[0]!, "set")?.value.size ?? 0);
    def("sismember", 3, (c, a) => (this.typed(c, a[0]!, "set")?.value.has(a[1]!) ? 1 : 0));

    return t;
  }

  /** SET key value [NX|XX] [GET] [EX s|PX ms|EXAT s|PXAT ms|KEEPTTL]. */
  private set(c: Conn, a: string[], name = "set"): RespValue {
    const [key, value] = [a[0]!, a[1]!];
    let nx = false, xx = false, get = false, keepTtl = false;
    let expiresAt: number | undefined;
    for (let i = 2; i < a.length; i++) {
      const opt = a[i]!.toUpperCase();
      if (opt === "NX" && !xx) nx = true;
      else if (opt === "XX" && !nx) xx = true;
      else if (opt === "GET") get = true;
      else if (opt === "KEEPTTL" && expiresAt === undefined) keepTtl = true;
      else if (["EX", "PX", "EXAT", "PXAT"].includes(opt) && expiresAt === undefined && !keepTtl && a[i + 1] !== undefined) {
        const n = int(a[++i]!);
        if (n <= 0) fail(`ERR invalid expire time in '${name}' command`);
        expiresAt = opt === "EX" ? Date.now() + n * 1000 : opt === "PX" ? Date.now() + n : opt === "EXAT" ? n * 1000 : n;
      } else fail(SYNTAX);
    }
    const old = this.lookup(c, key);
    if (get && old && old.type !== "string") fail(WRONGTYPE);
    const oldReply = get ? (old?.type === "string" ? bulk(old.value) : null) : undefined;
    if ((nx && old) || (xx && !old)) return get ? oldReply! : null;
    const entry: Entry = { type: "string", value };
    if (keepTtl && old?.expiresAt !== undefined) entry.expiresAt = old.expiresAt;
    if (expiresAt !== undefined) entry.expiresAt = expiresAt;
    this.db(c).set(key, entry);
    return get ? oldReply! : OK;
  }
}
