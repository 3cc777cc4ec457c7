/**
 * Which data path serves the replication group endpoints: an haproxy process per endpoint
 * when haproxy (2.4 or later) is installed, else the Node forwarder. Decided once at start.
 */
import net from "node:net";
import type { ForwarderMode } from "../config.js";
import { resolveBinary, runVersion } from "../process/binaries.js";
import { connectHost } from "../process/connect.js";
import type { Logger } from "../logger.js";

export interface HaproxyBinary {
  path: string;
  version: string;
}

/** Servers added and removed at runtime (`add server`) came with haproxy 2.4. */
const MIN_VERSION: [number, number] = [2, 4];
const INSTALL_HINT = "apt-get install haproxy (Debian/Ubuntu) or brew install haproxy";

/** `HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/` -> "2.6.12". */
export function parseHaproxyVersion(output: string): string | undefined {
  return /HA-?Proxy version (\d+\.\d+(?:\.\d+)?)/i.exec(output)?.[1];
}

export function haproxyVersionSupported(version: string): boolean {
  const [major, minor] = version.split(".").map(Number);
  return major > MIN_VERSION[0] || (major === MIN_VERSION[0] && minor >= MIN_VERSION[1]);
}

export async function findHaproxy(explicit?: string): Promise<HaproxyBinary | { path: string; unsupported: string } | undefined> {
  const binary = await resolveBinary(explicit, "haproxy");
  if (!binary) return undefined;
  const version = parseHaproxyVersion((await runVersion(binary, ["-v"])) ?? "");
  if (!version) return undefined;
  return haproxyVersionSupported(version) ? { path: binary, version } : { path: binary, unsupported: version };
}

/**
 * The haproxy to run endpoints with, or undefined for the Node forwarder. Mode `haproxy`
 * without a usable haproxy is a start error; `auto` says once why it uses Node.
 */
export async function chooseForwarder(
  opts: { mode: ForwarderMode; haproxyPath?: string; nodeBindHost: string },
  logger: Logger,
): Promise<HaproxyBinary | undefined> {
  if (opts.mode === "node") return undefined;
  const found = await findHaproxy(opts.haproxyPath);
  let why: string | undefined;
  if (!found) why = `haproxy not found${opts.haproxyPath ? ` at ${opts.haproxyPath}` : " on PATH"}`;
  else if ("unsupported" in found) why = `${found.path} is haproxy ${found.unsupported}; endpoints need ${MIN_VERSION.join(".")} or later`;
  // haproxy is handed IP addresses; the engines are reached on connectHost(nodeBindHost).
  else if (!net.isIP(connectHost(opts.nodeBindHost))) why = `the node host ${opts.nodeBindHost} is not an IP address`;
  if (why === undefined) return found as HaproxyBinary;
  if (opts.mode === "haproxy") throw new Error(`${why} and the forwarder mode is "haproxy". Install it: ${INSTALL_HINT}, or set its path with --haproxy`);
  logger.info(`${why}; replication group endpoints use the Node forwarder (for a native data path: ${INSTALL_HINT})`);
  return undefined;
}
