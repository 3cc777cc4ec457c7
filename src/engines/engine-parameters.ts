/**
 * How ElastiCache parameters reach the engines this emulator runs (redis-server 7.0 or
 * valkey-server, memcached 1.6): Redis-like engines take the same names as config
 * directives (at start on the command line, at run time with CONFIG SET), except the
 * client output buffer limits, which redis keeps as one directive per client class.
 * Memcached takes command-line options only (see memcached-driver.ts).
 */

/**
 * Parameters that exist only in ElastiCache's control plane, belong to the emulator, or
 * that redis 7.0 does not have: recorded and returned by the API, never sent to the engine.
 */
const REDIS_NOT_IN_ENGINE = new Set([
  "close-on-replica-write", // ElastiCache proxy behaviour
  "close-on-slave-write",
  "cluster-enabled", // set by the emulator from the replication group's cluster mode
  "cluster-preferred-endpoint-type", // AWS's values (tls-dynamic) are not redis's
  "rename-commands", // ElastiCache renames at its proxy; redis only at start, and clients would lose commands
  "reserved-memory",
  "reserved-memory-percent", // the emulator sizes maxmemory from the node type
  "replica-allow-chaining",
  "slave-allow-chaining",
  "lua-replicate-commands", // removed in redis 7
  "activedefrag", // needs redis's own jemalloc; Debian's redis-server refuses it, and would not start
  "extended-redis-compatibility", // Valkey 8
  "commandlog-request-larger-than", // Valkey 8.1
  "commandlog-large-request-max-len",
  "commandlog-reply-larger-than",
  "commandlog-large-reply-max-len",
  "search-fanout-target-mode", // Valkey 8.2 search module
  "search-default-timeout-ms",
  "search-enable-partial-results",
  "cluster-databases", // Valkey 9
  "appendonly", // persistence belongs to the emulator (not modifiable on AWS either)
  "appendfsync",
  "maxclients",
]);

/** Memcached parameters that map onto a memcached option (via memcached-driver.ts). */
const MEMCACHED_OPTIONS = new Set([
  "max_item_size",
  "chunk_size",
  "chunk_size_growth_factor",
  "binding_protocol",
  "cas_disabled",
  "disable_flush_all",
  "error_on_memory_exhausted",
  "idle_timeout",
  "hash_algorithm",
  "slab_chunk_max",
  "slab_automove",
  "track_sizes",
  "watcher_logbuf_size",
  "worker_logbuf_size",
  "lru_crawler",
  "lru_maintainer",
  "slab_reassign",
  "maxconns_fast",
  "no_modern",
  "modern",
  "expirezero_does_not_evict",
]);
/** Features memcached 1.6 turns on by itself: "0" needs the explicit `no_` option. */
const MEMCACHED_ON_BY_DEFAULT = new Set(["lru_crawler", "lru_maintainer", "slab_reassign", "maxconns_fast"]);

export function reachesEngine(lineage: "redis" | "memcached", name: string): boolean {
  return lineage === "redis" ? !REDIS_NOT_IN_ENGINE.has(name) : MEMCACHED_OPTIONS.has(name);
}

const BUFFER_LIMIT = /^client-output-buffer-limit-(normal|pubsub)-(hard-limit|soft-limit|soft-seconds)$/;

/**
 * Redis config directives for a set of parameter values (name -> value). The buffer limit
 * parameters of a class become one `client-output-buffer-limit "<class> hard soft seconds"`;
 * `all` supplies the other two values of a class when only one of them changed.
 */
export function redisDirectives(values: Map<string, string>, all: ReadonlyMap<string, string | undefined>): Array<[string, string]> {
  const directives: Array<[string, string]> = [];
  const classes = new Set<string>();
  for (const [name, value] of values) {
    if (!reachesEngine("redis", name)) continue;
    const limit = BUFFER_LIMIT.exec(name);
    if (limit) classes.add(limit[1]);
    else directives.push([name, value]);
  }
  const limits: string[] = [];
  for (const cls of classes) {
    const part = (p: string) => values.get(`client-output-buffer-limit-${cls}-${p}`) ?? all.get(`client-output-buffer-limit-${cls}-${p}`) ?? "0";
    limits.push(`${cls} ${part("hard-limit")} ${part("soft-limit")} ${part("soft-seconds")}`);
  }
  if (limits.length) directives.push(["client-output-buffer-limit", limits.join(" ")]);
  return directives;
}

/** Memcached settings for memcached-driver.ts's option table, from the group's values. */
export function memcachedSettings(values: Map<string, string>): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [name, value] of values) {
    if (!reachesEngine("memcached", name)) continue;
    if (MEMCACHED_ON_BY_DEFAULT.has(name) && value === "0") settings[`no_${name}`] = "1";
    else settings[name] = value;
  }
  return settings;
}
