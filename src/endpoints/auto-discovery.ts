/**
 * ElastiCache Auto Discovery, the wire format: what a Memcached cluster's configuration
 * endpoint answers to `config get cluster` (stock memcached has no such command).
 *
 * Auto Discovery reply (AWS "Adding Auto Discovery to your client library"):
 *
 *   CONFIG cluster 0 <bytes>\r\n
 *   <version>\n
 *   <host>|<ip>|<port> <host>|<ip>|<port>\n
 *   \r\n
 *   END\r\n
 *
 * <bytes> counts the payload `<version>\n<nodes>\n` only. The header is shaped like a
 * `VALUE <key> <flags> <bytes>` line and AWS's own cluster client (libmemcached fork,
 * textual_config_fetch -> textual_fetch) reads it exactly that way: <bytes> of data
 * followed by the `\r\n` block terminator, then `END`. The legacy `get
 * AmazonElastiCache:cluster` form gets the same payload as an ordinary VALUE reply.
 */

export interface CacheNodeAddress {
  /** Hostname advertised to clients. */
  host: string;
  /** IP advertised to clients; also what the endpoint connects to when proxying. */
  ip: string;
  port: number;
}

/** The key of the pre-1.4.14 form `get AmazonElastiCache:cluster`. */
export const LEGACY_CONFIG_KEY = "AmazonElastiCache:cluster";

/** `<version>\n<host>|<ip>|<port> ...\n`: the bytes that `CONFIG cluster 0 <bytes>` counts. */
export function clusterConfigPayload(version: number, nodes: readonly CacheNodeAddress[]): Buffer {
  const list = nodes.map((n) => `${n.host}|${n.ip}|${n.port}`).join(" ");
  return Buffer.from(`${version}\n${list}\n`, "latin1");
}

/** Reply to `config get cluster`. */
export function configGetClusterReply(version: number, nodes: readonly CacheNodeAddress[]): Buffer {
  const payload = clusterConfigPayload(version, nodes);
  return Buffer.concat([Buffer.from(`CONFIG cluster 0 ${payload.length}\r\n`), payload, Buffer.from("\r\nEND\r\n")]);
}

/** Reply to the pre-1.4.14 form `get AmazonElastiCache:cluster`. */
export function legacyClusterReply(version: number, nodes: readonly CacheNodeAddress[]): Buffer {
  const payload = clusterConfigPayload(version, nodes);
  return Buffer.concat([
    Buffer.from(`VALUE ${LEGACY_CONFIG_KEY} 0 ${payload.length}\r\n`),
    payload,
    Buffer.from("\r\nEND\r\n"),
  ]);
}
