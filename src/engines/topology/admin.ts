/**
 * Admin access to a redis-like node for the topology code: one-off commands, and a
 * persistent pipelined connection for the hot paths (polling a cluster every few ms,
 * moving thousands of slots) where a connection + AUTH per command would dominate.
 * Replies stay raw (Buffers), so keys are binary-safe.
 */
import net from "node:net";
import type { Endpoint } from "../../process/connect.js";
import { connectEndpoint } from "../../process/connect.js";
import { respRequest } from "../probes.js";
import { adminCommand as adminCommandAt } from "../redis-driver.js";
import { RespDecoder, RespError, encodeCommand, toStrings, type RespValue } from "../resp.js";

/**
 * What the topology functions need of a node: where it is and how to be its admin.
 * Every redis EngineNode is one; so is `{ endpoint, adminAuth }` for a node we only
 * know by address.
 */
export interface AdminTarget {
  readonly endpoint: Endpoint;
  /** The engine's own listening socket when something else holds `endpoint` (EngineNode.controlEndpoint). */
  readonly controlEndpoint?: Endpoint;
  readonly adminAuth?: { user: string; password: string };
  adminCommand?(args: string[]): Promise<unknown>;
}

export type Command = Array<string | Buffer | number>;

const DEFAULT_TIMEOUT_MS = 5000;

export function describe(target: AdminTarget): string {
  const name = (target as { spec?: { nodeName?: string } }).spec?.nodeName;
  return name ? `${name} (${target.endpoint.host}:${target.endpoint.port})` : `${target.endpoint.host}:${target.endpoint.port}`;
}

/** One command as the admin user; error replies are thrown (RespError); bulk replies come back as strings. */
export async function admin(target: AdminTarget, args: string[], opts: { timeoutMs?: number } = {}): Promise<unknown> {
  if (target.adminCommand) return target.adminCommand(args);
  if (target.adminAuth) return adminCommandAt(target.controlEndpoint ?? target.endpoint, target.adminAuth, args, opts);
  const [reply] = await respRequest(target.controlEndpoint ?? target.endpoint, [args], { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  if (reply instanceof RespError) throw reply;
  return toStrings(reply ?? null);
}

/** `INFO` text -> fields. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

export function asText(v: RespValue | unknown): string {
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  if (v instanceof RespError) throw v;
  return String(v ?? "");
}

/** Throws the reply when it is an error reply. */
export function check<T extends RespValue>(v: T, what?: string): Exclude<T, RespError> {
  if (v instanceof RespError) {
    if (what) v.message = `${what}: ${v.message}`;
    throw v;
  }
  return v as Exclude<T, RespError>;
}

/**
 * A persistent admin connection. `send()` pipelines commands in one write and resolves
 * with one reply per command (error replies as RespError values); a reply that does not
 * come within the timeout closes the connection and rejects everything pending.
 */
export class AdminConnection {
  private readonly decoder = new RespDecoder();
  private readonly pending: Array<{ resolve: (v: RespValue) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  private constructor(
    private readonly socket: net.Socket,
    readonly target: AdminTarget,
    private readonly timeoutMs: number,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk) => {
      try {
        this.decoder.push(chunk);
        for (let v = this.decoder.next(); v !== undefined; v = this.decoder.next()) this.pending.shift()?.resolve(v);
      } catch (err) {
        this.fail(err as Error);
      }
    });
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error(`admin connection to ${describe(target)} closed`)));
  }

  static async open(target: AdminTarget, opts: { timeoutMs?: number } = {}): Promise<AdminConnection> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { socket, readyEvent } = connectEndpoint(target.controlEndpoint ?? target.endpoint);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`cannot connect to ${describe(target)} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once(readyEvent, () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    const conn = new AdminConnection(socket, target, timeoutMs);
    if (target.adminAuth) {
      const [reply] = await conn.send([["AUTH", target.adminAuth.user, target.adminAuth.password]]);
      if (reply instanceof RespError) {
        conn.close();
        throw reply;
      }
    }
    return conn;
  }

  get closed(): boolean {
    return this.failure !== undefined;
  }

  send(commands: Command[], opts: { timeoutMs?: number } = {}): Promise<RespValue[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (commands.length === 0) return Promise.resolve([]);
    const replies = commands.map(
      () => new Promise<RespValue>((resolve, reject) => this.pending.push({ resolve, reject })),
    );
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const timer = setTimeout(
      () => this.fail(new Error(`no reply from ${describe(this.target)} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies).finally(() => clearTimeout(timer));
  }

  /** One command; throws its error reply. */
  async call(args: Command, opts: { timeoutMs?: number } = {}): Promise<RespValue> {
    const [reply] = await this.send([args], opts);
    return check(reply!);
  }

  close(): void {
    this.fail(new Error("admin connection closed"));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.socket.destroy();
    for (const p of this.pending.splice(0)) p.reject(this.failure);
  }
}

/** Opens one connection per target, runs fn, closes them all. */
export async function withConnections<T>(
  targets: AdminTarget[],
  fn: (conns: AdminConnection[]) => Promise<T>,
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  const opened = await Promise.allSettled(targets.map((t) => AdminConnection.open(t, opts)));
  const conns = opened.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = opened.find((r): r is PromiseRejectedResult => r.status === "rejected");
  try {
    if (failed) throw failed.reason;
    return await fn(conns);
  } finally {
    for (const c of conns) c.close();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
