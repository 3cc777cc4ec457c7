/** Memcached for tests: raw text commands, real memcached processes, a byte-exact raw socket. */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { freePort } from "./ports.js";

import { MEMCACHED } from "./binaries.js";

const terminators = ["\r\nEND\r\n", "STORED\r\n", "NOT_STORED\r\n", "DELETED\r\n", "NOT_FOUND\r\n", "ERROR\r\n", "\r\n"];

/** Sends one raw memcached text command and resolves with the complete reply. */
export function memcachedCommand(port: number, command: string, host = "127.0.0.1"): Promise<string> {
  const expectsEnd = /^(get|gets|config get|stats)\b/.test(command);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply to ${JSON.stringify(command)} (got ${JSON.stringify(reply)})`));
    }, 5_000);
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      const done = expectsEnd ? reply.endsWith("END\r\n") : terminators.some((t) => reply.endsWith(t));
      if (done) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(command);
  });
}

export interface MemcachedProcess {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Spawns memcached on a free port and resolves once it answers `version`. */
export async function startMemcached(): Promise<MemcachedProcess> {
  let lastError: unknown;
  // Another process may grab the port between freePort() and spawn: retry on a new one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = ["-p", String(port), "-l", "127.0.0.1", "-U", "0", "-m", "16"];
    if (process.getuid?.() === 0) args.push("-u", "root");
    const child = spawn(MEMCACHED, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      await waitReady(child, port);
      return { port, pid: child.pid!, stop: () => stopChild(child) };
    } catch (err) {
      lastError = new Error(`memcached on ${port} did not start: ${String(err)} ${stderr}`);
      await stopChild(child);
    }
  }
  throw lastError;
}

async function waitReady(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode})`);
    try {
      const c = await RawClient.connect(port);
      try {
        c.send("version\r\n");
        const reply = await c.readUntil((s) => s.endsWith("\r\n"), 1_000);
        if (reply.startsWith("VERSION ")) return;
      } finally {
        c.close();
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("not ready in time");
}

/** SIGTERM by pid; resolves when the process has exited. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A plain socket that collects everything received, for byte-exact assertions. */
export class RawClient {
  private received = Buffer.alloc(0);
  private ended = false;
  private notify: (() => void) | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.notify?.();
    });
    socket.on("close", () => {
      this.ended = true;
      this.notify?.();
    });
    socket.on("error", () => {});
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RawClient(socket));
      });
      socket.once("error", reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(typeof data === "string" ? Buffer.from(data, "latin1") : data);
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Waits until what has arrived satisfies `done`, returns it (latin1) and clears it. */
  async readUntil(done: (s: string) => boolean, timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.received.toString("latin1");
      if (done(text)) {
        this.received = Buffer.alloc(0);
        return text;
      }
      if (this.ended) throw new Error(`connection closed; received so far: ${JSON.stringify(text)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; received so far: ${JSON.stringify(text)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.notify = null;
    }
  }

  /** Waits for at least `length` bytes (fails on timeout or close) and returns them. */
  readBytes(length: number, timeoutMs = 5_000): Promise<string> {
    return this.readUntil((s) => s.length >= length, timeoutMs);
  }

  /** Resolves once the other side has closed the connection. */
  async waitClosed(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error("connection still open");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.notify = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.notify = null;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `get <key>` straight to a node: the value, or undefined on a miss. */
export async function getFromNode(port: number, key: string): Promise<string | undefined> {
  const c = await RawClient.connect(port);
  try {
    c.send(`get ${key}\r\n`);
    const reply = await c.readUntil((s) => s.endsWith("END\r\n"));
    const m = /^VALUE \S+ \d+ (\d+)\r\n/.exec(reply);
    if (!m) return undefined;
    const start = m[0].length;
    return reply.slice(start, start + Number(m[1]));
  } finally {
    c.close();
  }
}

/** Client ports of the connections a node currently holds (`stats conns`), the asking one excluded. */
export async function clientPortsOf(port: number): Promise<Set<number>> {
  const c = await RawClient.connect(port);
  try {
    c.send("stats conns\r\n");
    const reply = await c.readUntil((s) => s.endsWith("END\r\n"));
    const ports = new Set<number>();
    for (const m of reply.matchAll(/^STAT \d+:addr tcp:[^\r]*:(\d+)\r$/gm)) ports.add(Number(m[1]));
    ports.delete(port); // the listening socket
    ports.delete(c.socket.localPort!);
    return ports;
  } finally {
    c.close();
  }
}
