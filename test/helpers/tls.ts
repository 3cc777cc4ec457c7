/** Clients for TLS tests: the served CA, raw exchanges over TLS or plaintext. */
import net from "node:net";
import tls from "node:tls";
import type { Emulator } from "../../src/index.js";

/** The CA as a client downloads it from the documented URL. */
export async function fetchCa(emulator: Emulator): Promise<string> {
  const res = await fetch(`${emulator.url}/_emulator/ca.pem`);
  if (res.status !== 200) throw new Error(`GET /_emulator/ca.pem answered ${res.status}`);
  return res.text();
}

/**
 * Sends `request` and resolves with everything received until `done` holds or the server
 * closes the connection (plaintext, or TLS trusting `ca`).
 */
export function exchange(
  port: number,
  request: string,
  opts: { ca?: string; host?: string; done?: (text: string) => boolean; timeoutMs?: number } = {},
): Promise<string> {
  const host = opts.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const socket = opts.ca
      ? tls.connect({ host, port, ca: opts.ca, servername: net.isIP(host) ? undefined : host }, () => socket.write(request))
      : net.connect({ host, port }, () => socket.write(request));
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply to ${JSON.stringify(request)} (got ${JSON.stringify(text)})`));
    }, opts.timeoutMs ?? 5000);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (opts.done?.(text)) finish();
    });
    socket.on("close", finish);
    socket.on("error", (err) => {
      // A TLS-only server drops a plaintext client: what was received so far is the answer.
      if (!opts.ca) return finish();
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Memcached text command over TLS (or plaintext without `ca`), up to its reply's end. */
export function memcachedOver(port: number, command: string, ca?: string): Promise<string> {
  const multi = /^(get|gets|config get|stats)\b/.test(command);
  return exchange(port, command, {
    ca,
    done: (t) => (multi ? /(END|ERROR)\r\n$/.test(t) : t.endsWith("\r\n")),
  });
}
