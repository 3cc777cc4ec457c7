/**
 * Protocol probes: readiness is "the engine answers its protocol", never log scraping.
 * Every network call here has a deadline, so a wedged engine cannot hang a caller.
 */
import { connectEndpoint, type Endpoint } from "../process/connect.js";
import { RespDecoder, RespError, encodeCommand, type RespValue } from "./resp.js";

export type Probe = () => Promise<boolean>;

export class ProbeTimeoutError extends Error {
  override name = "ProbeTimeoutError";
}

/**
 * One request over a short-lived connection: writes `request` once connected, feeds every
 * chunk to `onData` until it returns the answer (undefined: not complete yet; a throw fails
 * the request), then closes. Rejects at the deadline, on a socket error, or when the
 * connection closes first.
 */
function requestOver<T>(
  endpoint: Endpoint,
  request: Buffer | string,
  onData: (chunk: Buffer) => T | undefined,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const { socket, readyEvent } = connectEndpoint(endpoint);
    socket.setNoDelay(true);
    const timer = setTimeout(() => finish(new ProbeTimeoutError(`no reply from ${endpoint.host}:${endpoint.port} within ${timeoutMs} ms`)), timeoutMs);
    let done = false;
    const finish = (err: Error | undefined, answer?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(answer as T);
    };
    socket.on(readyEvent, () => socket.write(request));
    socket.on("data", (chunk: Buffer) => {
      let answer: T | undefined;
      try {
        answer = onData(chunk);
      } catch (err) {
        return finish(err as Error);
      }
      if (answer !== undefined) finish(undefined, answer);
    });
    socket.on("error", (err) => finish(err));
    socket.on("close", () => finish(new Error(`connection to ${endpoint.host}:${endpoint.port} closed before the reply`)));
  });
}

/**
 * Opens a short-lived connection, sends the commands pipelined in one write, and
 * resolves with one decoded reply per command (error replies are RespError values).
 */
export function respRequest(
  endpoint: Endpoint,
  commands: Array<Array<string | Buffer | number>>,
  opts: { timeoutMs?: number } = {},
): Promise<RespValue[]> {
  const decoder = new RespDecoder();
  const replies: RespValue[] = [];
  return requestOver(
    endpoint,
    Buffer.concat(commands.map(encodeCommand)),
    (chunk) => {
      decoder.push(chunk);
      for (let v = decoder.next(); v !== undefined; v = decoder.next()) replies.push(v);
      return replies.length >= commands.length ? replies : undefined;
    },
    opts.timeoutMs ?? 2000,
  );
}

/** RESP `PING`: alive on `+PONG`, and on auth errors (the server is up, it only wants a password). */
export async function respPing(endpoint: Endpoint, opts: { timeoutMs?: number } = {}): Promise<boolean> {
  try {
    const [reply] = await respRequest(endpoint, [["PING"]], opts);
    if (reply === "PONG") return true;
    return reply instanceof RespError && /^(NOAUTH|WRONGPASS)/.test(reply.message);
  } catch {
    return false;
  }
}

/** Sends one memcached text request and collects the answer up to a line matching `until`. */
export function memcachedRequest(
  endpoint: Endpoint,
  request: string,
  until: RegExp,
  opts: { timeoutMs?: number } = {},
): Promise<string> {
  let text = "";
  return requestOver(
    endpoint,
    request,
    (chunk) => {
      text += chunk.toString("latin1");
      return until.test(text) ? text : undefined;
    },
    opts.timeoutMs ?? 2000,
  );
}

/** memcached `version`: alive on `VERSION x.y.z`. */
export async function memcachedVersion(endpoint: Endpoint, opts: { timeoutMs?: number } = {}): Promise<boolean> {
  try {
    const text = await memcachedRequest(endpoint, "version\r\n", /\r\n/, opts);
    return text.startsWith("VERSION ");
  } catch {
    return false;
  }
}

/** memcached `stats` as a name -> value map (used to check the answering pid is ours). */
export async function memcachedStats(endpoint: Endpoint, opts: { timeoutMs?: number } = {}): Promise<Record<string, string>> {
  const text = await memcachedRequest(endpoint, "stats\r\n", /(^|\r\n)(END|ERROR)\r\n$/, opts);
  const stats: Record<string, string> = {};
  for (const line of text.split("\r\n")) {
    const m = /^STAT (\S+) (.*)$/.exec(line);
    if (m) stats[m[1]!] = m[2]!;
  }
  return stats;
}

export class ReadyTimeoutError extends Error {
  override name = "ReadyTimeoutError";
}

export interface WaitReadyOptions {
  timeoutMs: number;
  /** First pause between probes; short because create->available latency matters. */
  intervalMs?: number;
  /** The pause grows by half each time up to this. */
  maxIntervalMs?: number;
  /** Aborts the wait (e.g. the process exited); rejects with signal.reason. */
  signal?: AbortSignal;
  /** Registers a callback that cuts the current pause short (e.g. the engine printed a line). */
  wake?: (probeNow: () => void) => void;
}

const FAST_PROBING_MS = 100;

/** Polls `probe` until it returns true, quickly at first, backing off; rejects on deadline or abort. */
export async function waitReady(probe: Probe, opts: WaitReadyOptions): Promise<void> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let interval = opts.intervalMs ?? 1;
  const maxInterval = opts.maxIntervalMs ?? 25;
  const { signal } = opts;
  let wakeUp: (() => void) | undefined;
  opts.wake?.(() => wakeUp?.());
  for (;;) {
    signal?.throwIfAborted();
    if (await probe()) {
      signal?.throwIfAborted();
      return;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new ReadyTimeoutError(`not ready within ${opts.timeoutMs} ms`);
    await new Promise<void>((resolve, reject) => {
      wakeUp = resolve;
      sleep(Math.min(interval, left), signal).then(resolve, reject);
    });
    wakeUp = undefined;
    // Engines usually answer within tens of milliseconds: keep probing fast until then.
    if (Date.now() - started > FAST_PROBING_MS) interval = Math.min(maxInterval, Math.ceil(interval * 1.5));
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
