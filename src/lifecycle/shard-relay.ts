/**
 * Cross-region replication of one cluster mode enabled shard. Redis refuses REPLICAOF in
 * cluster mode, so the secondary's shards cannot be real replicas of the primary's. The
 * relay is a replica by protocol instead: it connects to the primary shard's master as the
 * emulator's admin user and speaks PSYNC (`PSYNC ? -1`: a full sync, then the command
 * stream), answers `REPLCONF GETACK` and sends `REPLCONF ACK <offset>` every second as a
 * replica does, and applies what it receives to the secondary cluster's masters:
 *
 * - the full sync's RDB is loaded into a temporary engine and its keys move by slot to the
 *   secondary masters (MIGRATE, redistribute.ts), after the secondary's keys of the shard's
 *   slots are deleted;
 * - each streamed command goes, as the admin user, to the secondary master that owns its
 *   key's slot (a MULTI/EXEC block as one, to the slot of its first key).
 *
 * A broken link (the primary shard failed over, a node restarted) reconnects and syncs in full
 * again from the shard's current master.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type net from "node:net";
import type { EngineKind, EngineNode } from "../engines/engine.js";
import { encodeCommand, RespError } from "../engines/resp.js";
import { AdminConnection, keySlot, parseSlots, SLOT_COUNT } from "../engines/topology/index.js";
import type { Command } from "../engines/topology/admin.js";
import type { Logger } from "../logger.js";
import type { NodeLauncher } from "../nodes/node-launcher.js";
import { connectEndpoint } from "../process/connect.js";
import { redistribute } from "./redistribute.js";

export interface RelayShard {
  slots: string;
  primary: EngineNode;
}

export interface ShardRelayOptions {
  name: string;
  /** The primary shard now: its master and slots (undefined while it has no running master). */
  source: () => RelayShard | undefined;
  /** The secondary cluster's shards now. */
  targets: () => RelayShard[];
  launcher: NodeLauncher;
  scratchRoot: string;
  engine: EngineKind;
  engineVersion: string;
  logger: Logger;
}

const RETRY_MS = 200;
const ACK_MS = 1000;
const IGNORED = new Set(["ping", "select", "publish", "replconf"]);

/** A parsed command of the stream and the bytes it took (replication offsets count bytes). */
interface StreamCommand {
  args: Buffer[];
  bytes: number;
}

/** Reads RESP multibulk commands from the stream; undefined until a whole one is there. */
function readCommand(buf: Buffer, at: number): { command: StreamCommand; next: number } | undefined {
  if (at >= buf.length) return undefined;
  if (buf[at] !== 0x2a /* '*' */) {
    // Inline (a newline keepalive): one line.
    const end = buf.indexOf("\n", at);
    if (end < 0) return undefined;
    return { command: { args: [], bytes: end + 1 - at }, next: end + 1 };
  }
  let p = at;
  const line = () => {
    const end = buf.indexOf("\r\n", p);
    if (end < 0) return undefined;
    const text = buf.toString("latin1", p + 1, end);
    p = end + 2;
    return text;
  };
  const count = line();
  if (count === undefined) return undefined;
  const args: Buffer[] = [];
  for (let i = 0; i < Number(count); i++) {
    const len = line();
    if (len === undefined) return undefined;
    const n = Number(len);
    if (p + n + 2 > buf.length) return undefined;
    args.push(buf.subarray(p, p + n));
    p += n + 2;
  }
  return { command: { args, bytes: p - at }, next: p };
}

export class ShardRelay {
  private socket: net.Socket | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly conns = new Map<EngineNode, AdminConnection>();
  /** The offset of the primary's stream applied so far. */
  offset = 0;
  /** When the last command from the primary was applied (Date.now()), for the lag figures. */
  lastApplied = 0;
  /** Whether the full sync is done and the stream flows. */
  streaming = false;

  constructor(private readonly options: ShardRelayOptions) {}

  /** Commands sent to the secondary whose replies have not come yet. */
  private readonly inflight = new Set<Promise<void>>();
  /** The master this relay follows now. */
  private following: EngineNode | undefined;

  /** Whether it has applied its master's stream up to the offset `offsets` gives for that master. */
  caughtUp(offsets: ReadonlyMap<EngineNode, number>): boolean {
    if (!this.streaming || !this.following) return false;
    const target = offsets.get(this.following);
    return target === undefined || this.offset >= target;
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.socket?.destroy();
    await this.loop;
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.session();
      } catch (err) {
        if (!this.stopped) this.options.logger.debug(`relay ${this.options.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.streaming = false;
      await this.drain();
      for (const c of this.conns.values()) c.close();
      this.conns.clear();
      if (!this.stopped) await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  /** One connection to the primary shard's master: handshake, full sync, then the stream until it breaks. */
  private session(): Promise<void> {
    const source = this.options.source();
    if (!source) return Promise.reject(new Error("the primary shard has no running master"));
    this.following = source.primary;
    const { socket, readyEvent } = connectEndpoint(source.primary.endpoint);
    this.socket = socket;
    socket.setNoDelay(true);
    return new Promise<void>((resolve, reject) => {
      let buf: Buffer = Buffer.alloc(0);
      let phase: "auth" | "capa" | "psync" | "rdb-head" | "rdb" | "loading" | "stream" = source.primary.adminAuth ? "auth" : "capa";
      let rdbLength = 0;
      let ack: NodeJS.Timeout | undefined;
      const fail = (err: Error) => {
        if (ack) clearInterval(ack);
        socket.destroy();
        reject(err);
      };
      const send = (args: Array<string | Buffer>) => socket.write(encodeCommand(args));
      socket.once(readyEvent, () => {
        if (phase === "auth") send(["AUTH", source.primary.adminAuth!.user, source.primary.adminAuth!.password]);
        send(["REPLCONF", "capa", "psync2"]);
        send(["PSYNC", "?", "-1"]);
      });
      socket.on("error", fail);
      socket.on("close", () => {
        if (ack) clearInterval(ack);
        if (this.stopped) resolve();
        else reject(new Error("the primary closed the replication link"));
      });
      const takeLine = (): string | undefined => {
        const end = buf.indexOf("\r\n");
        if (end < 0) return undefined;
        const text = buf.toString("latin1", 0, end);
        buf = buf.subarray(end + 2);
        return text;
      };
      let applying = Promise.resolve();
      const onData = () => {
        for (;;) {
          if (phase === "auth" || phase === "capa") {
            const line = takeLine();
            if (line === undefined) return;
            if (!line.startsWith("+")) return fail(new Error(`handshake refused: ${line}`));
            phase = phase === "auth" ? "capa" : "psync";
          } else if (phase === "psync") {
            const line = takeLine();
            if (line === undefined) return;
            const full = /^\+FULLRESYNC (\S+) (\d+)/.exec(line);
            if (!full) return fail(new Error(`PSYNC answered ${line}`));
            this.offset = Number(full[2]);
            phase = "rdb-head";
          } else if (phase === "rdb-head") {
            // Newlines keep the link alive while the primary writes its RDB.
            while (buf.length && buf[0] === 0x0a) buf = buf.subarray(1);
            const line = takeLine();
            if (line === undefined) return;
            if (!line.startsWith("$") || line.startsWith("$EOF:")) return fail(new Error(`unexpected RDB header ${line.slice(0, 20)}`));
            rdbLength = Number(line.slice(1));
            phase = "rdb";
          } else if (phase === "rdb") {
            if (buf.length < rdbLength) return;
            const rdb = Buffer.from(buf.subarray(0, rdbLength));
            buf = buf.subarray(rdbLength);
            phase = "loading";
            // The stream that arrives meanwhile waits in `buf` until the RDB's keys are in.
            applying = this.fullSync(source, rdb).then(
              () => {
                phase = "stream";
                this.streaming = true;
                ack = setInterval(() => send(["REPLCONF", "ACK", String(this.offset)]), ACK_MS);
                onData();
              },
              (err: Error) => fail(err),
            );
            return;
          } else if (phase === "loading") {
            return;
          } else {
            const batch: StreamCommand[] = [];
            let at = 0;
            for (;;) {
              const read = readCommand(buf, at);
              if (!read) break;
              batch.push(read.command);
              at = read.next;
            }
            buf = buf.subarray(at);
            if (batch.length) {
              applying = applying.then(() => this.apply(batch, send)).catch((err: Error) => fail(err));
            }
            return;
          }
        }
      };
      socket.on("data", (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        onData();
      });
    });
  }

  /** The secondary's keys of the shard's slots go, then the RDB's keys move in by slot. */
  private async fullSync(source: RelayShard, rdb: Buffer): Promise<void> {
    const started = Date.now();
    const own = new Uint8Array(SLOT_COUNT);
    for (const [from, to] of parseSlots(source.slots)) own.fill(1, from, to + 1);
    const targets = this.options.targets();
    for (const target of targets) {
      const conn = await this.conn(target.primary);
      const slots: number[] = [];
      for (const [from, to] of parseSlots(target.slots)) for (let s = from; s <= to; s++) if (own[s]) slots.push(s);
      const counts = await conn.send(slots.map((s) => ["CLUSTER", "COUNTKEYSINSLOT", s]));
      for (const slot of slots.filter((_, i) => Number(counts[i]) > 0)) {
        for (;;) {
          const keys = (await conn.call(["CLUSTER", "GETKEYSINSLOT", slot, 1000])) as Buffer[];
          if (!keys.length) break;
          await conn.call(["DEL", ...keys] as Command);
        }
      }
    }
    const dir = await mkdtemp(join(this.options.scratchRoot, "relay-"));
    try {
      const file = join(dir, "sync.rdb");
      await writeFile(file, rdb);
      const shardTargets = targets.map((t) => ({ slots: t.slots, primary: t.primary }));
      const moved = await redistribute(this.options.launcher, [{ file, to: shardTargets.map((_, i) => i) }], shardTargets, {
        engine: this.options.engine,
        engineVersion: this.options.engineVersion,
        scratchRoot: this.options.scratchRoot,
        name: `${this.options.name}/sync`,
        // Nodes that speak only TLS (TransitEncryptionMode required) are reached over TLS.
        tlsTargets: targets.some((t) => t.primary.endpoint.tls !== undefined),
      });
      this.options.logger.info(`relay ${this.options.name}: full sync of ${moved} key(s) in ${Date.now() - started} ms`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Applies streamed commands to the masters owning their slots; answers GETACK with the offset before it. */
  private async apply(batch: StreamCommand[], reply: (args: string[]) => void): Promise<void> {
    const owner = this.owners();
    const byTarget = new Map<EngineNode, Command[]>();
    let transaction: Buffer[][] | undefined;
    const route = (commands: Buffer[][]) => {
      const keyed = commands.find((c) => c.length > 1 && !IGNORED.has(c[0]!.toString().toLowerCase()));
      if (!keyed) return;
      const target = owner[keySlot(keyed[1]!)];
      if (!target) return;
      let list = byTarget.get(target);
      if (!list) byTarget.set(target, (list = []));
      list.push(...commands);
    };
    for (const { args, bytes } of batch) {
      const name = args[0]?.toString().toLowerCase();
      if (name === "replconf" && args[1]?.toString().toLowerCase() === "getack") {
        reply(["REPLCONF", "ACK", String(this.offset)]);
      } else if (name === "multi") {
        transaction = [args];
      } else if (name === "exec" && transaction) {
        transaction.push(args);
        route(transaction);
        transaction = undefined;
      } else if (transaction) {
        transaction.push(args);
      } else if (name && !IGNORED.has(name)) {
        route([args]);
      }
      this.offset += bytes;
    }
    // Pipelined: the next batch does not wait for this one's replies (each connection keeps the order).
    for (const [target, commands] of byTarget) {
      const conn = await this.conn(target);
      const sent: Promise<void> = conn.send(commands).then(
        (replies) => {
          const failed = replies.find((r): r is RespError => r instanceof RespError);
          if (failed) this.options.logger.warn(`relay ${this.options.name}: the secondary refused a replicated command: ${failed.message}`);
        },
        (err: Error) => this.options.logger.debug(`relay ${this.options.name}: ${err.message}`),
      );
      this.inflight.add(sent);
      void sent.finally(() => this.inflight.delete(sent));
    }
    this.lastApplied = Date.now();
  }

  /** Resolves once every command sent to the secondary so far has been answered (applied). */
  async drain(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  private owners(): Array<EngineNode | undefined> {
    const owner: Array<EngineNode | undefined> = new Array(SLOT_COUNT);
    for (const t of this.options.targets()) for (const [from, to] of parseSlots(t.slots)) owner.fill(t.primary, from, to + 1);
    return owner;
  }

  private async conn(node: EngineNode): Promise<AdminConnection> {
    let conn = this.conns.get(node);
    if (!conn || conn.closed) {
      conn = await AdminConnection.open(node, { timeoutMs: 60_000 });
      this.conns.set(node, conn);
    }
    return conn;
  }
}
