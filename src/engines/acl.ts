/**
 * ElastiCache users as engine ACLs: checks an AccessString as AWS does, and renders a
 * user (access string + authentication) into the `ACL SETUSER` the engine runs. Pure.
 */
import { createHash } from "node:crypto";
import { ENGINE_COMMANDS } from "./redis-commands.js";
import { RESTRICTED_COMMANDS } from "./restricted.js";

/**
 * How a user proves who it is: any password (no-password-required), one of these passwords,
 * or an IAM token, which the node's IAM front (endpoints/iam-front.ts) checks and turns into
 * the user's internal password (`RenderOptions.iamPassword`), the only one its ACL has.
 */
export type AclAuth = { kind: "nopass" } | { kind: "passwords"; sha256: string[] } | { kind: "iam" };

/** One engine user: its ACL name is the ElastiCache UserName. */
export interface AclUser {
  name: string;
  accessString: string;
  auth: AclAuth;
}

export interface RenderOptions {
  /** --allow-restricted-commands: clients may run what ElastiCache refuses. */
  allowRestrictedCommands?: boolean;
  /** The internal password of an IAM user; without it an IAM user gets no password (nobody gets in). */
  iamPassword?: (userName: string) => string;
  /** More rules that take commands away, after ElastiCache's restricted ones (serverless caches). */
  denials?: readonly string[];
}

/** The access string AWS gives its seeded `default` user and an open cluster's default user. */
export const OPEN_ACCESS_STRING = "on ~* +@all";

export function passwordHash(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

/** Redis 7 command categories (ACL CAT). */
const CATEGORIES = new Set([
  "keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap", "hyperloglog", "geo",
  "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection", "transaction",
  "scripting", "all",
]);

const FLAGS = new Set(["on", "off", "allkeys", "allchannels", "allcommands", "nocommands", "resetkeys", "resetchannels"]);

/**
 * Why AWS would refuse this AccessString, or undefined when it is valid. Passwords and
 * `reset` are not allowed (ElastiCache manages passwords), nor are the commands it restricts.
 */
export function accessStringError(accessString: string): string | undefined {
  const tokens = accessString.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return "Access string must not be empty.";
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (lower === "reset") return "Access string must not contain reset: ElastiCache manages the user's passwords.";
    if (lower === "nopass" || lower === "resetpass" || /^[<>#!]/.test(token)) {
      return `Access string must not contain passwords (${token}): set them with Passwords or NoPasswordRequired.`;
    }
    if (FLAGS.has(lower)) continue;
    if (/^(%(R|W|RW|WR))?~\S+$/i.test(token) || /^&\S+$/.test(token)) continue;
    const command = /^([+-])(@?)([a-z0-9_.-]+)(\|[a-z0-9_.-]+)?$/i.exec(token);
    if (!command) return `Invalid access string token: ${token}`;
    const [, sign, at, name] = command;
    if (at) {
      if (command[4] || !CATEGORIES.has(name.toLowerCase())) return `Unknown command category in access string: ${token}`;
      continue;
    }
    if (sign === "+" && (RESTRICTED_COMMANDS as readonly string[]).includes(name.toLowerCase())) {
      return `Access string must not enable a restricted command: ${token}`;
    }
    const engineError = commandError(sign, name.toLowerCase(), command[4]?.slice(1).toLowerCase(), token);
    if (engineError) return engineError;
  }
  return undefined;
}

/**
 * What the engine's `ACL SETUSER` would refuse in a command rule: a command it does not know, a
 * subcommand its command does not have, or `-cmd|arg` for a command without subcommands (the
 * engine accepts `+cmd|first-arg` there, not its removal).
 */
function commandError(sign: string, name: string, sub: string | undefined, token: string): string | undefined {
  const subcommands = ENGINE_COMMANDS.get(name);
  if (!subcommands) return `Unknown command in access string: ${token}`;
  if (sub === undefined) return undefined;
  if (subcommands.size > 0) return subcommands.has(sub) ? undefined : `Unknown subcommand in access string: ${token}`;
  return sign === "-" ? `A first argument cannot be removed from a command without subcommands: ${token}` : undefined;
}

/** `on`/`off` in the access string decide (the last one wins); without either the user is off, as on AWS. */
function isEnabled(tokens: string[]): boolean {
  let on = false;
  for (const token of tokens) {
    if (token.toLowerCase() === "on") on = true;
    else if (token.toLowerCase() === "off") on = false;
  }
  return on;
}

/**
 * The rules of one user after `reset`: channels open unless the access string says
 * otherwise (ElastiCache's acl-pubsub-default is allchannels), the access string, the
 * passwords, then ElastiCache's restricted commands taken away. A user that is off gets
 * no password at all, so that `AUTH` as that user is refused as a wrong password.
 */
export function aclRules(user: AclUser, opts: RenderOptions = {}): string[] {
  const tokens = user.accessString.trim().split(/\s+/).filter(Boolean);
  const mentionsChannels = tokens.some((t) => t.startsWith("&") || /^(allchannels|resetchannels)$/i.test(t));
  const rules = mentionsChannels ? [] : ["&*"];
  rules.push(...tokens);
  if (isEnabled(tokens)) rules.push(...passwordRules(user, opts));
  if (!opts.allowRestrictedCommands) rules.push(...RESTRICTED_COMMANDS.map((c) => `-${c}`), ...(opts.denials ?? []));
  return rules;
}

function passwordRules(user: AclUser, opts: RenderOptions): string[] {
  switch (user.auth.kind) {
    case "nopass":
      return ["nopass"];
    case "passwords":
      return user.auth.sha256.map((h) => `#${h}`);
    case "iam":
      return opts.iamPassword ? [`#${passwordHash(opts.iamPassword(user.name))}`] : [];
  }
}

/** The command that makes the engine's user exactly this one (whatever it was before). */
export function setUserCommand(user: AclUser, opts: RenderOptions = {}): string[] {
  return ["ACL", "SETUSER", user.name, "reset", ...aclRules(user, opts)];
}

/** A `default` user that lets nobody in (a group without one, e.g. a Valkey group). */
export const DISABLED_DEFAULT: AclUser = { name: "default", accessString: "off", auth: { kind: "passwords", sha256: [] } };

/** The default user of a cluster without user groups: open, or behind its AUTH tokens. */
export function tokenDefaultUser(tokens: { hashes: string[]; openToo: boolean }): AclUser {
  return {
    name: "default",
    accessString: OPEN_ACCESS_STRING,
    auth: tokens.openToo || tokens.hashes.length === 0 ? { kind: "nopass" } : { kind: "passwords", sha256: tokens.hashes },
  };
}
