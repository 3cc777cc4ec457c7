/**
 * The commands ElastiCache refuses to clients, and the refusal they get. Shared by the
 * process driver (enforced by redis ACLs) and the embedded server (enforced by hand), so
 * both answer a client the same way.
 */
export const RESTRICTED_COMMANDS = [
  "bgrewriteaof",
  "bgsave",
  "config",
  "debug",
  "migrate",
  "replicaof",
  "save",
  "slaveof",
  "shutdown",
  "sync",
  "psync",
] as const;

/** Restricted commands that have subcommands; redis names them `config|get` in the refusal. */
const CONTAINERS = new Set(["config"]);

export function isRestricted(command: string): boolean {
  return (RESTRICTED_COMMANDS as readonly string[]).includes(command.toLowerCase());
}

/** The NOPERM message redis 7 gives a user whose ACL denies the command. */
export function refusalMessage(command: string, subcommand?: string): string {
  const name = command.toLowerCase();
  const full = CONTAINERS.has(name) && subcommand ? `${name}|${subcommand.toLowerCase()}` : name;
  return `NOPERM this user has no permissions to run the '${full}' command`;
}

/** redis 7 refuses DEBUG to everyone (before any ACL check) unless enable-debug-command is set. */
export const DEBUG_NOT_ALLOWED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

/**
 * What ElastiCache Serverless refuses on top of RESTRICTED_COMMANDS (AWS doc
 * SupportedCommands.html: "Restricted on every cache" and "unavailable on serverless"), as
 * ACL command rules in redis's own names (`container|subcommand`). CLUSTER answers only the
 * subcommands that describe the one virtual shard; every other CLUSTER subcommand is refused.
 * Names an engine does not know (`commandlog` before valkey 8.1) are left out when the rules
 * are applied: the engine answers `unknown command` for them anyway.
 */
export const SERVERLESS_RESTRICTED_COMMANDS = [
  "acl|setuser",
  "acl|load",
  "acl|save",
  "acl|deluser",
  "acl|log",
  "client|caching",
  "client|getredir",
  "client|id",
  "client|info",
  "client|kill",
  "client|list",
  "client|no-evict",
  "client|pause",
  "client|tracking",
  "client|trackinginfo",
  "client|unblock",
  "client|unpause",
  "commandlog",
  "fcall",
  "fcall_ro",
  "function",
  "keys",
  "lastsave",
  "latency",
  "memory",
  "monitor",
  "move",
  "object",
  "pfdebug",
  "pfselftest",
  "psubscribe",
  "pubsub|numpat",
  "punsubscribe",
  "script|kill",
  "slowlog",
  "swapdb",
  "wait",
] as const;

/** The CLUSTER subcommands a serverless cache answers (each about its single virtual shard). */
export const SERVERLESS_CLUSTER_SUBCOMMANDS = [
  "info",
  "myid",
  "nodes",
  "replicas",
  "shards",
  "slots",
  "countkeysinslot",
  "getkeysinslot",
  "keyslot",
  "slot-stats",
] as const;

/**
 * The ACL rules that take away what a serverless cache refuses, after a user's own rules:
 * every CLUSTER subcommand but the allowed ones, then the list above. `known` keeps the
 * names the engine has (COMMAND INFO answers them).
 */
export function serverlessDenials(known: (name: string) => boolean): string[] {
  return [
    "-cluster",
    ...SERVERLESS_CLUSTER_SUBCOMMANDS.filter((s) => known(`cluster|${s}`)).map((s) => `+cluster|${s}`),
    ...SERVERLESS_RESTRICTED_COMMANDS.filter(known).map((c) => `-${c}`),
  ];
}

/** Every name serverlessDenials() may use, for the engine's COMMAND INFO. */
export function serverlessCommandNames(): string[] {
  return [...SERVERLESS_CLUSTER_SUBCOMMANDS.map((s) => `cluster|${s}`), ...SERVERLESS_RESTRICTED_COMMANDS];
}

/**
 * Memcached commands ElastiCache Serverless refuses (SupportedCommands.html): the answer is
 * memcached's own `ERROR` for an unknown command. `stats` takes no argument but `reset`;
 * a delayed `flush_all` is a CLIENT_ERROR.
 */
export const SERVERLESS_MEMCACHED_REFUSED = ["lru", "lru_crawler", "watch", "verbosity", "me"] as const;

/** AWS: "GET / GETS are limited to 16 KB of keys" on a Memcached serverless cache (the keys' bytes of one request). */
export const SERVERLESS_MEMCACHED_MULTIGET_KEY_BYTES = 16 * 1024;
/** The answer to a get over that limit: AWS's text is not documented; memcached's own for a bad key list. */
const MULTIGET_TOO_LARGE = "CLIENT_ERROR bad command line format\r\n";

/**
 * The answer a Memcached serverless cache gives a command it refuses, or undefined for a
 * command it serves: memcached's own `ERROR` for the unsupported commands and `stats`
 * forms, a `CLIENT_ERROR` for a delayed `flush_all` and for a get whose keys exceed 16 KB.
 * There is no Auto Discovery (a client
 * connects to the one Endpoint): `config` is unknown, as on a stock memcached, and the
 * legacy discovery key is a key like any other, absent.
 */
export function serverlessMemcachedRefusal(tokens: string[]): string | undefined {
  const [command, first] = tokens;
  if (command === undefined) return undefined;
  if ((SERVERLESS_MEMCACHED_REFUSED as readonly string[]).includes(command) || command === "config") return "ERROR\r\n";
  if (command === "stats" && first !== undefined && first !== "reset") return "ERROR\r\n";
  if (command === "flush_all" && first !== undefined && /^\d+$/.test(first) && Number(first) > 0) {
    return "CLIENT_ERROR delayed flush_all is not supported\r\n";
  }
  if (command === "get" && tokens.length === 2 && first === "AmazonElastiCache:cluster") return "END\r\n";
  if (command === "get" || command === "gets" || command === "gat" || command === "gats") {
    // gat/gats: the first argument is the new exptime, the keys follow.
    const keys = tokens.slice(command.startsWith("gat") ? 2 : 1);
    if (keys.reduce((sum, k) => sum + k.length, 0) > SERVERLESS_MEMCACHED_MULTIGET_KEY_BYTES) return MULTIGET_TOO_LARGE;
  }
  return undefined;
}
