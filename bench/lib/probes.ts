/**
 * Raw TCP readiness loops for the bare-spawn baselines: connect, send one request, and
 * retry after `intervalMs` on refusal or a wrong answer. Deliberately minimal, so the
 * baseline is the fastest "spawned -> answering" a client could observe.
 */
import net from "node:net";
import { sleep } from "./procs.js";

/** One attempt: true when the answer matches `ok`, false on refusal, close or timeout. */
export function probeOnce(port: number, request: string, ok: RegExp, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    let text = "";
    let done = false;
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setNoDelay(true);
    const finish = (value: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (ok.test(text)) finish(true);
      else if (text.includes("\r\n")) finish(false); // e.g. -LOADING: answered, but not ready
    });
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(false));
  });
}

async function loop(port: number, request: string, ok: RegExp, opts: { intervalMs?: number; timeoutMs?: number }): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  const interval = opts.intervalMs ?? 1;
  for (;;) {
    if (await probeOnce(port, request, ok)) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not answer ${JSON.stringify(request.trim())} in time`);
    await sleep(interval);
  }
}

/** `PING` until `+PONG`. */
export const waitRedisPong = (port: number, opts: { intervalMs?: number; timeoutMs?: number } = {}) =>
  loop(port, "PING\r\n", /^\+PONG\r\n/, opts);

/** `version` until `VERSION x.y.z`. */
export const waitMemcachedVersion = (port: number, opts: { intervalMs?: number; timeoutMs?: number } = {}) =>
  loop(port, "version\r\n", /^VERSION \S+\r\n/, opts);

/** One `SET key x` on a fresh connection: "+OK", the error line, or what ended the attempt. */
export function setOnce(port: number, key: string, timeoutMs = 500): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    let done = false;
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.setNoDelay(true);
    const finish = (outcome: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    socket.on("connect", () => socket.write(`SET ${key} x\r\n`));
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      const end = text.indexOf("\r\n");
      if (end >= 0) finish(text.startsWith("+OK") ? "+OK" : text.slice(0, Math.min(end, 40)).split(" ")[0]!);
    });
    socket.on("error", (e: NodeJS.ErrnoException) => finish(e.code ?? "error"));
    socket.on("close", () => finish("closed"));
  });
}
