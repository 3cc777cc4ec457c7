/**
 * Snapshots of a Memcached serverless cache. memcached keeps nothing on disk, so a snapshot is
 * read out of the running engine: `lru_crawler metadump all` lists every live key with its
 * expiry, then a meta get per key (`mg <key> v f t`) reads its value, client flags and the
 * seconds it has left. The file is JSON lines, one item each:
 * `{"k": key (base64), "f": flags, "x": expiry (epoch ms, 0 = never), "v": value (base64)}`.
 * A restore sets every item that has not expired by then (`set ... noreply`, its remaining
 * time as the exptime), then waits for a meta no-op, so every set is in when it resolves.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { once } from "node:events";
import { connectEndpoint, type Endpoint } from "../process/connect.js";

/** Keys read per round of meta gets. */
const BATCH = 200;
/** memcached reads an exptime above 30 days as an absolute Unix time. */
const RELATIVE_LIMIT_S = 30 * 24 * 3600;
const TIMEOUT_MS = 30_000;

interface Item {
  k: string;
  f: number;
  x: number;
  v: string;
}

/** A memcached text connection read line by line and block by block. */
class TextConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly socket;
  readonly ready: Promise<unknown>;

  constructor(endpoint: Endpoint) {
    const { socket, readyEvent } = connectEndpoint(endpoint);
    this.socket = socket;
    this.ready = once(socket, readyEvent);
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error("memcached did not answer in time")));
    socket.on("data", (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      this.wake();
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      this.wake();
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("memcached closed the connection")));
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  async line(): Promise<string> {
    for (;;) {
      // metadump ends its lines with a bare LF, every other reply with CRLF.
      const nl = this.buffer.indexOf(10);
      if (nl >= 0) {
        const end = nl > 0 && this.buffer[nl - 1] === 13 ? nl - 1 : nl;
        const line = this.buffer.subarray(0, end).toString("latin1");
        this.buffer = this.buffer.subarray(nl + 1);
        return line;
      }
      await this.more();
    }
  }

  async block(length: number): Promise<Buffer> {
    while (this.buffer.length < length + 2) await this.more();
    const data = Buffer.from(this.buffer.subarray(0, length));
    this.buffer = this.buffer.subarray(length + 2);
    return data;
  }

  close(): void {
    this.socket.destroy();
  }

  private more(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
}

/** memcached's metadump writes keys URI-encoded (every byte outside unreserved characters as %XX). */
function decodeKey(encoded: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === "%" && /^[0-9a-fA-F]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(encoded.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
}

/** Every live item of the engine into `file`; resolves with the items written and their keys' and values' bytes. */
export async function dumpMemcached(endpoint: Endpoint, file: string): Promise<{ items: number; bytes: number }> {
  await mkdir(dirname(file), { recursive: true });
  const conn = new TextConnection(endpoint);
  const out = createWriteStream(file);
  let items = 0;
  let bytes = 0;
  try {
    await conn.ready;
    conn.write("lru_crawler metadump all\r\n");
    const keys: Buffer[] = [];
    for (;;) {
      const line = await conn.line();
      if (line === "END") break;
      if (line.startsWith("ERROR") || line.startsWith("BUSY") || line.startsWith("CLIENT_ERROR") || line.startsWith("SERVER_ERROR")) {
        throw new Error(`memcached refused lru_crawler metadump: ${line}`);
      }
      const m = /(?:^| )key=(\S+)/.exec(line);
      if (m) keys.push(decodeKey(m[1]!));
    }
    for (let i = 0; i < keys.length; i += BATCH) {
      const batch = keys.slice(i, i + BATCH);
      conn.write(Buffer.concat(batch.flatMap((k) => [Buffer.from("mg "), k, Buffer.from(" v f t\r\n")])));
      for (const key of batch) {
        const head = await conn.line();
        if (head === "EN") continue; // gone since the listing (expired, evicted, deleted)
        const m = /^VA (\d+)(.*)$/.exec(head);
        if (!m) throw new Error(`unexpected meta get reply: ${head.slice(0, 100)}`);
        const value = await conn.block(Number(m[1]));
        const flags = Number(/ f(\d+)/.exec(m[2]!)?.[1] ?? 0);
        const ttl = Number(/ t(-?\d+)/.exec(m[2]!)?.[1] ?? -1);
        const item: Item = { k: key.toString("base64"), f: flags, x: ttl < 0 ? 0 : Date.now() + ttl * 1000, v: value.toString("base64") };
        if (!out.write(`${JSON.stringify(item)}\n`)) await once(out, "drain");
        items++;
        bytes += key.length + value.length;
      }
    }
  } finally {
    conn.close();
    out.end();
    await once(out, "close");
  }
  return { items, bytes };
}

/** Sets every item of `file` that has not expired into the engine; resolves with how many. */
export async function restoreMemcached(endpoint: Endpoint, file: string): Promise<number> {
  const conn = new TextConnection(endpoint);
  let restored = 0;
  try {
    await conn.ready;
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === "") continue;
      const item = JSON.parse(line) as Item;
      const now = Date.now();
      if (item.x !== 0 && item.x <= now) continue;
      const left = item.x === 0 ? 0 : Math.max(1, Math.ceil((item.x - now) / 1000));
      const exptime = left > RELATIVE_LIMIT_S ? Math.ceil(item.x / 1000) : left;
      const value = Buffer.from(item.v, "base64");
      conn.write(Buffer.concat([Buffer.from("set "), Buffer.from(item.k, "base64"), Buffer.from(` ${item.f} ${exptime} ${value.length} noreply\r\n`), value, Buffer.from("\r\n")]));
      restored++;
    }
    conn.write("mn\r\n");
    for (;;) {
      const line = await conn.line();
      if (line === "MN") break;
      // A noreply set answers only when it fails (e.g. a value above the item size limit).
      if (/^(SERVER_ERROR|CLIENT_ERROR|ERROR)/.test(line)) throw new Error(`memcached refused a restored item: ${line}`);
    }
  } finally {
    conn.close();
  }
  return restored;
}
