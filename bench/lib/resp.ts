/**
 * A minimal RESP2 client for the benchmark rows: one-shot commands, pipelined batches for
 * loading and verifying keys, and Redis Cluster's key -> slot function. No dependency on a
 * client library, so what the rows measure is the server side, not a client's features.
 */
import net from "node:net";

export type Command = Array<string | number>;
export type Reply = string | number | null | RespError | Reply[];

export class RespError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RespError";
  }
}

export function encode(args: Command): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) {
    const s = String(a);
    out += `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
  }
  return out;
}

/** Incremental reply parser: feed() chunks, take complete replies from the callback. */
export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  constructor(private readonly onReply: (reply: Reply) => void) {}

  feed(chunk: Buffer): void {
    this.buf = this.pos < this.buf.length ? Buffer.concat([this.buf.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
    for (;;) {
      const start = this.pos;
      const reply = this.parse();
      if (reply === INCOMPLETE) {
        this.pos = start;
        return;
      }
      this.onReply(reply);
    }
  }

  private line(): string | typeof INCOMPLETE {
    const end = this.buf.indexOf("\r\n", this.pos, "latin1");
    if (end < 0) return INCOMPLETE;
    const text = this.buf.toString("utf8", this.pos, end);
    this.pos = end + 2;
    return text;
  }

  private parse(): Reply | typeof INCOMPLETE {
    if (this.pos >= this.buf.length) return INCOMPLETE;
    const type = String.fromCharCode(this.buf[this.pos]!);
    this.pos++;
    const line = this.line();
    if (line === INCOMPLETE) return INCOMPLETE;
    switch (type) {
      case "+":
        return line;
      case "-":
        return new RespError(line);
      case ":":
        return Number(line);
      case "$": {
        const len = Number(line);
        if (len < 0) return null;
        if (this.buf.length < this.pos + len + 2) return INCOMPLETE;
        const text = this.buf.toString("utf8", this.pos, this.pos + len);
        this.pos += len + 2;
        return text;
      }
      case "*": {
        const n = Number(line);
        if (n < 0) return null;
        const items: Reply[] = [];
        for (let i = 0; i < n; i++) {
          const item = this.parse();
          if (item === INCOMPLETE) return INCOMPLETE;
          items.push(item);
        }
        return items;
      }
      default:
        throw new Error(`RESP: unexpected type byte ${JSON.stringify(type)}`);
    }
  }
}

const INCOMPLETE = Symbol("incomplete");

/** One connection; send() pipelines a batch and resolves with its replies in order. */
export class RespConnection {
  private readonly waiting: Array<{ n: number; replies: Reply[]; resolve: (r: Reply[]) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    const parser = new ReplyParser((reply) => {
      const head = this.waiting[0];
      if (!head) return;
      head.replies.push(reply);
      if (head.replies.length === head.n) {
        this.waiting.shift();
        head.resolve(head.replies);
      }
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        parser.feed(chunk);
      } catch (error) {
        this.fail(error as Error);
      }
    });
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("connection closed")));
  }

  static open(port: number, host = "127.0.0.1", timeoutMs = 5_000): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new RespConnection(socket));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }

  send(commands: Command[]): Promise<Reply[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (commands.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ n: commands.length, replies: [], resolve, reject });
      // Written in slices so a large batch does not build one huge string.
      for (let i = 0; i < commands.length; i += 1000) this.socket.write(commands.slice(i, i + 1000).map(encode).join(""));
    });
  }

  async command(args: Command): Promise<Reply> {
    return (await this.send([args]))[0]!;
  }

  close(): void {
    this.failure ??= new Error("closed");
    this.socket.destroy();
  }
}

/** One command on a fresh connection; a -ERR reply is thrown. */
export async function redisOnce(port: number, args: Command, host = "127.0.0.1"): Promise<Reply> {
  const conn = await RespConnection.open(port, host);
  try {
    const reply = await conn.command(args);
    if (reply instanceof RespError) throw reply;
    return reply;
  } finally {
    conn.close();
  }
}

/** `INFO <section>` as a key -> value map. */
export async function info(port: number, section: string): Promise<Record<string, string>> {
  const text = String(await redisOnce(port, ["INFO", section]));
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Pipelines `commands` in batches of `batch` over one connection; returns every reply. */
export async function pipelined(port: number, commands: Command[], batch = 5_000, host = "127.0.0.1"): Promise<Reply[]> {
  const conn = await RespConnection.open(port, host);
  try {
    const out: Reply[] = [];
    for (let i = 0; i < commands.length; i += batch) out.push(...(await conn.send(commands.slice(i, i + batch))));
    return out;
  } finally {
    conn.close();
  }
}

// ---------------------------------------------------------------------------------------
// Redis Cluster: key -> slot, and the slot map as the cluster reports it.

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

/** Redis Cluster's HASH_SLOT(key), hash tags included. */
export function keySlot(key: string): number {
  let k = key;
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) k = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(k)) & 16383;
}

export interface SlotOwner {
  from: number;
  to: number;
  host: string;
  port: number;
  /** Replica addresses of the range. */
  replicas: Array<{ host: string; port: number }>;
}

/** `CLUSTER SLOTS` of the node at `port`. */
export async function clusterSlots(port: number, host = "127.0.0.1"): Promise<SlotOwner[]> {
  const reply = (await redisOnce(port, ["CLUSTER", "SLOTS"], host)) as Reply[];
  return reply.map((r) => {
    const [from, to, master, ...replicas] = r as [number, number, Reply[], ...Reply[][]];
    return {
      from,
      to,
      host: String(master[0]),
      port: Number(master[1]),
      replicas: replicas.map((x) => ({ host: String(x[0]), port: Number(x[1]) })),
    };
  });
}

/** Slot -> owner port; throws unless every slot has exactly one owner. */
export function slotTable(owners: SlotOwner[]): Int32Array {
  const table = new Int32Array(16384).fill(-1);
  for (const o of owners) {
    for (let s = o.from; s <= o.to; s++) {
      if (table[s] !== -1) throw new Error(`slot ${s} has two owners (${table[s]} and ${o.port})`);
      table[s] = o.port;
    }
  }
  const missing = table.indexOf(-1);
  if (missing >= 0) throw new Error(`slot ${missing} has no owner`);
  return table;
}

/** Groups keys by the port that owns their slot. */
export function keysByOwner(keys: readonly string[], table: Int32Array): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const key of keys) {
    const port = table[keySlot(key)]!;
    let list = out.get(port);
    if (!list) out.set(port, (list = []));
    list.push(key);
  }
  return out;
}
