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
