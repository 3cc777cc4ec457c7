/**
 * The haproxy configuration of one forwarder endpoint: one `listen` section in `mode tcp`,
 * round-robin over its servers, a runtime API socket through which the target set changes
 * without a reload. Servers are named slots (`s1`, `s2`...); a slot without a target is
 * kept in maintenance so that it can be given the next target with `set server ... addr`.
 */
import { readFileSync } from "node:fs";
import net from "node:net";

/** The proxy section's name: the runtime API addresses servers as `fwd/<slot>`. */
export const BACKEND = "fwd";

export interface HaproxySlot {
  name: string;
  /** Undefined: a free slot (in maintenance). */
  target?: { host: string; port: number };
}

export interface HaproxyConfigOptions {
  bindHost: string;
  port: number;
  /** Path of the runtime API's unix socket. */
  adminSocket: string;
  connectTimeoutMs: number;
  maxconn: number;
  slots: readonly HaproxySlot[];
}

/**
 * No idle timeout, as the Node forwarder has none: a Redis client may sit idle for hours
 * (pub/sub, blocking pops). haproxy wants client and server timeouts; 24 days is its largest.
 */
const NO_IDLE_TIMEOUT = "24d";

export function haproxyConfig(o: HaproxyConfigOptions): string {
  const lines = [
    "global",
    // One thread per endpoint: an emulator runs many endpoints, and a thread per core in
    // each would only compete with the engines.
    "  nbthread 1",
    `  maxconn ${o.maxconn}`,
    // SO_REUSEPORT would let this bind a port another haproxy of the same user listens on:
    // a taken port must fail the bind so that the launcher moves on.
    "  noreuseport",
    `  stats socket ${o.adminSocket} mode 600 level admin`,
    // The emulator keeps one runtime API connection open per endpoint.
    `  stats timeout ${NO_IDLE_TIMEOUT}`,
    "defaults",
    "  mode tcp",
    `  timeout connect ${Math.max(1, Math.round(o.connectTimeoutMs))}ms`,
    `  timeout client ${NO_IDLE_TIMEOUT}`,
    `  timeout server ${NO_IDLE_TIMEOUT}`,
    // A target that refuses: the next attempt goes to the next target (a dead replica of
    // the reader endpoint is skipped); with a single target, haproxy waits a second between
    // attempts, then closes the client, which reconnects.
    "  retries 3",
    "  option redispatch 1",
    `listen ${BACKEND}`,
    `  bind ${bindAddress(o.bindHost, o.port)}`,
    "  balance roundrobin",
  ];
  for (const slot of o.slots) {
    const where = slot.target ? serverAddress(slot.target.host, slot.target.port) : "127.0.0.1:1";
    lines.push(`  server ${slot.name} ${where}${slot.target ? "" : " disabled"}`);
  }
  return lines.join("\n") + "\n";
}

/** `bind` argument: explicit family; a wildcard IPv6 bind also takes IPv4, as Node's listen does. */
export function bindAddress(host: string, port: number): string {
  if (host === "" || host === "0.0.0.0") return `ipv4@0.0.0.0:${port}`;
  if (host === "::") return `ipv6@:::${port} v4v6`;
  return serverAddress(host, port);
}

/** A server address for the config or `add server`. */
export function serverAddress(host: string, port: number): string {
  const family = net.isIP(host);
  if (family === 4) return `ipv4@${host}:${port}`;
  if (family === 6) return `ipv6@${host}:${port}`;
  return `${host}:${port}`;
}

/**
 * A connection limit for haproxy from the process's hard fd limit (haproxy raises its soft
 * limit to that): with no `maxconn` it would size itself to a container's huge limit.
 */
export function defaultMaxconn(limitsFile = "/proc/self/limits"): number {
  let hard = 4096;
  try {
    const m = /^Max open files\s+\S+\s+(\S+)/m.exec(readFileSync(limitsFile, "utf8"));
    if (m) hard = m[1] === "unlimited" ? 1 << 20 : Number(m[1]);
  } catch {
    /* no /proc: the default above */
  }
  return Math.max(64, Math.min(10_000, Math.floor((hard - 64) / 2)));
}
