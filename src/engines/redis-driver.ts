/**
 * EngineDriver for redis-server and valkey-server (same arguments, same protocol).
 *
 * As on ElastiCache, clients cannot run the restricted commands. That is done with ACLs
 * (not rename-command) so the emulator keeps a privileged user for itself: CONFIG for
 * ModifyCacheCluster, PSYNC for replicas via masteruser/masterauth, and so on.
 */
import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { silentLogger, type Logger } from "../logger.js";
import type { Endpoint } from "../process/connect.js";
import type { EngineDriver, EngineKind, EngineNode, NodeSpec } from "./engine.js";
import { runVersion } from "../process/binaries.js";
import type { PidRegistry } from "../process/pid-registry.js";
import { respPing, respRequest } from "./probes.js";
import { ProcessNode } from "./process-node.js";
import { RespError, toStrings } from "./resp.js";
import { RESTRICTED_COMMANDS } from "./restricted.js";

export { RESTRICTED_COMMANDS };

export const ADMIN_USER = "elasticache-local-admin";

/** One random admin password per emulator process; never written in clear (the ACL file holds its SHA-256). */
const processAdminPassword = randomBytes(24).toString("hex");

/**
 * ElastiCache parameters that real redis-server rejects at start (ElastiCache-only knobs),
 * and directives the driver owns. They are skipped, not passed, so a parameter group
 * copied from AWS does not keep the node from starting.
 */
const SKIPPED_PARAMS = new Set([
  "reserved-memory",
  "reserved-memory-percent",
  "close-on-slave-write",
  "close-on-replica-write",
  "slave-allow-chaining",
  "replica-allow-chaining",
  "port",
  "bind",
  "dir",
  "daemonize",
  "logfile",
  "aclfile",
  "protected-mode",
  "include",
]);

export interface RedisDriverOptions {
  /** Lifts the ElastiCache command restrictions for the default user. */
  allowRestrictedCommands?: boolean;
  logger?: Logger;
  pidRegistry?: PidRegistry;
  /** Defaults to a random password per emulator process. */
  adminPassword?: string;
  readyTimeoutMs?: number;
}

/** The ACL file for a node: default user restricted as on ElastiCache, plus our admin user. */
export function aclFileContents(opts: { allowRestrictedCommands?: boolean; adminUser: string; adminPassword: string; defaultUserOff?: boolean }): string {
  const restrictions = opts.allowRestrictedCommands ? "" : " " + RESTRICTED_COMMANDS.map((c) => `-${c}`).join(" ");
  const hash = createHash("sha256").update(opts.adminPassword).digest("hex");
  return [
    `user default ${opts.defaultUserOff ? "off" : "on"} nopass ~* &* +@all${restrictions}`,
    `user ${opts.adminUser} on #${hash} ~* &* +@all`,
    "",
  ].join("\n");
}

/** `Redis server v=7.0.15 sha=...` or `Valkey server v=8.0.1 ...` -> "7.0.15". */
export function parseRedisVersion(output: string): string | undefined {
  return /\bv=(\d+\.\d+\.\d+)/.exec(output)?.[1];
}

export class RedisServerDriver implements EngineDriver {
  private version: Promise<string | undefined> | undefined;
  private readonly logger: Logger;
  readonly adminAuth: { user: string; password: string };

  /** `id` is "redis-server" or "valkey-server"; `binary` a path or a name on PATH. */
  constructor(
    readonly binary: string,
    readonly id: string,
    private readonly opts: RedisDriverOptions = {},
  ) {
    this.logger = opts.logger ?? silentLogger;
    this.adminAuth = { user: ADMIN_USER, password: opts.adminPassword ?? processAdminPassword };
  }

  supports(engine: EngineKind): boolean {
    return engine === "redis" || engine === "valkey";
  }

  async available(): Promise<boolean> {
    return (await this.binaryVersion()) !== undefined;
  }

  binaryVersion(): Promise<string | undefined> {
    this.version ??= runVersion(this.binary, ["--version"]).then((out) => (out ? parseRedisVersion(out) : undefined));
    return this.version;
  }

  /** The argv for a node (exported for tests and for the docs). */
  args(spec: NodeSpec, aclFile: string, configFile?: string): string[] {
    const args = [
      // A config file must come first; the options after it override it.
      ...(configFile ? [configFile] : []),
      "--port", String(spec.port),
      "--bind", spec.bindHost,
      "--save", "",
      "--appendonly", "no",
      "--dir", spec.workDir,
      "--daemonize", "no",
      "--protected-mode", "no",
      "--logfile", "",
      "--aclfile", aclFile,
      // Replicas sync at once: redis otherwise waits 5 s for more replicas to share one transfer.
      "--repl-diskless-sync-delay", "0",
    ];
    if (spec.maxMemoryBytes !== undefined) args.push("--maxmemory", String(Math.floor(spec.maxMemoryBytes)));
    for (const [name, value] of Object.entries(spec.params ?? {})) {
      if (SKIPPED_PARAMS.has(name.toLowerCase())) {
        this.logger.debug("parameter not passed to the engine", { node: spec.nodeName, name });
        continue;
      }
      args.push(`--${name}`, value);
    }
    args.push(...redisTlsArgs(spec));
    return args;
  }

  async start(spec: NodeSpec): Promise<EngineNode> {
    await fs.mkdir(spec.workDir, { recursive: true });
    const aclFile = path.resolve(spec.workDir, "users.acl");
    await fs.writeFile(
      aclFile,
      aclFileContents({
        allowRestrictedCommands: this.opts.allowRestrictedCommands,
        adminUser: this.adminAuth.user,
        adminPassword: this.adminAuth.password,
        defaultUserOff: spec.defaultUserOff,
      }),
      { mode: 0o600 },
    );
    // The replicas' credentials from the first moment, never on the command line: a node that
    // starts as a replica (a restart keeping its data, a cluster node from its nodes.conf)
    // begins its handshake before anything could CONFIG SET them, and a handshake begun
    // without them is refused (NOPERM) and then stalls until repl-timeout.
    const configFile = path.resolve(spec.workDir, "replication.conf");
    await fs.writeFile(configFile, `masteruser ${this.adminAuth.user}\nmasterauth ${this.adminAuth.password}\n`, { mode: 0o600 });
    if (spec.seedRdbPath) await placeSeed(spec.seedRdbPath, path.resolve(spec.workDir, spec.params?.dbfilename ?? "dump.rdb"));
    if (spec.seedClusterConfig !== undefined) {
      if (spec.params?.["cluster-enabled"] !== "yes") throw new Error("a seeded nodes.conf is for cluster mode nodes");
      await fs.writeFile(path.resolve(spec.workDir, spec.params["cluster-config-file"] ?? "nodes.conf"), spec.seedClusterConfig);
    }
    // With appendonly on, redis would read its (empty) AOF rather than the seed: a seeded node
    // starts without it and turns it on once loaded, which writes the loaded data to the AOF.
    const seededWithAof = spec.seedRdbPath !== undefined && spec.params?.appendonly === "yes";
    const launchSpec = seededWithAof ? { ...spec, params: { ...spec.params, appendonly: "no" } } : spec;
    const auth = this.adminAuth;
    const node = await ProcessNode.launch({
      spec: launchSpec,
      command: this.binary,
      args: this.args(launchSpec, aclFile, configFile),
      logger: this.logger.child({ node: spec.nodeName, engine: this.id }),
      probe: (endpoint, timeoutMs) => respPing(endpoint, { timeoutMs }),
      answeringPid: async (endpoint) => {
        const info = String(await adminCommand(endpoint, auth, ["INFO", "server"]));
        const pid = /^process_id:(\d+)/m.exec(info)?.[1];
        return pid === undefined ? undefined : Number(pid);
      },
      adminCommand: (endpoint, args) => adminCommand(endpoint, auth, args),
      adminAuth: auth,
      moveListener: (endpoint, move) => moveRedisListener(endpoint, auth, move),
      pidRegistry: this.opts.pidRegistry,
      readyTimeoutMs: this.opts.readyTimeoutMs,
    });
    if (seededWithAof) await adminCommand(node.endpoint, auth, ["CONFIG", "SET", "appendonly", "yes"]);
    return node;
  }
}

/**
 * TLS in transit. `required`: TLS only on the node's port (`--port 0`). `preferred`: the
 * engine listens on both its plaintext port and `tls.tlsPort`, behind a first-byte router
 * on the public port. Replication and the cluster bus run over TLS; cluster mode nodes
 * announce the public port for both kinds of client, and their bus keeps the public
 * port + 10000.
 */
export function redisTlsArgs(spec: NodeSpec): string[] {
  const tls = spec.tls;
  if (!tls) return [];
  const args = [
    "--tls-cert-file", tls.certFile,
    "--tls-key-file", tls.keyFile,
    "--tls-ca-cert-file", tls.caFile,
    "--tls-auth-clients", "no",
    "--tls-replication", "yes",
  ];
  if (tls.mode === "required") args.push("--port", "0", "--tls-port", String(spec.port));
  else args.push("--tls-port", String(tls.tlsPort));
  // As a replica, the node tells its primary the port clients know it by (ROLE, INFO).
  args.push("--replica-announce-port", String(tls.publicPort));
  if (spec.params?.["cluster-enabled"] === "yes") {
    const pub = String(tls.publicPort);
    args.push(
      "--tls-cluster", "yes",
      "--cluster-announce-tls-port", pub,
      "--cluster-announce-port", pub,
      "--cluster-port", String(tls.publicPort + 10000),
    );
  }
  return args;
}

/**
 * Moves a node's client listener at run time (`CONFIG SET port`, or `tls-port` for a TLS-only
 * node); open connections stay. Away from the public port the node keeps announcing it: as a
 * replica (`replica-announce-port`) and as a cluster node (`cluster-announce-port` and the bus
 * port it already has), so ROLE, CLUSTER NODES and MOVED keep pointing at the public port.
 * Back on it, the announced ports return to what the node had (announcing its own port).
 */
export async function moveRedisListener(
  control: Endpoint,
  auth: { user: string; password: string },
  move: { from: number; to: number; publicPort: number },
): Promise<void> {
  const run = (args: string[]) => adminCommand(control, auth, args);
  const settings = async (names: string[]) => {
    const reply = (await run(["CONFIG", "GET", ...names])) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) out[reply[i]!] = reply[i + 1]!;
    return out;
  };
  const current = await settings(["port", "cluster-enabled", "replica-announce-port", "cluster-announce-port", "cluster-announce-bus-port", "cluster-port"]);
  const listener = current.port === "0" ? "tls-port" : "port";
  const pub = String(move.publicPort);
  const leaving = move.from === move.publicPort;
  if (leaving) {
    // Only what the node announces as "its own port" is pinned; a port set on purpose stays.
    if (current["replica-announce-port"] === "0") await run(["CONFIG", "SET", "replica-announce-port", pub]);
    if (current["cluster-enabled"] === "yes") {
      const bus = current["cluster-port"] !== "0" ? current["cluster-port"]! : String(move.publicPort + 10000);
      if (current["cluster-announce-port"] === "0") await run(["CONFIG", "SET", "cluster-announce-port", pub]);
      if (current["cluster-announce-bus-port"] === "0") await run(["CONFIG", "SET", "cluster-announce-bus-port", bus]);
    }
  }
  await run(["CONFIG", "SET", listener, String(move.to)]);
  if (move.to === move.publicPort) {
    const moved = { ...control, port: move.to };
    const run = (args: string[]) => adminCommand(moved, auth, args);
    // Pinned by the move away (equal to what the node announces by itself): unpinned again.
    if (current["replica-announce-port"] === pub) await run(["CONFIG", "SET", "replica-announce-port", "0"]);
    if (current["cluster-enabled"] === "yes" && current["cluster-announce-port"] === pub) {
      await run(["CONFIG", "SET", "cluster-announce-port", "0"]);
      if (current["cluster-announce-bus-port"] === String(move.publicPort + 10000) && current["cluster-port"] === "0") await run(["CONFIG", "SET", "cluster-announce-bus-port", "0"]);
    }
  }
}

/**
 * A snapshot to restore goes where the engine reads its RDB at start: hard-linked when
 * possible (the engine replaces its RDB by rename, never in place), else copied.
 */
async function placeSeed(from: string, to: string): Promise<void> {
  await fs.rm(to, { force: true });
  try {
    await fs.link(from, to);
  } catch {
    await fs.copyFile(from, to);
  }
}

/** Runs one command as the admin user over a short-lived connection; throws the engine's error reply. */
export async function adminCommand(
  endpoint: Endpoint,
  auth: { user: string; password: string },
  args: string[],
  opts: { timeoutMs?: number } = {},
): Promise<unknown> {
  const [authReply, reply] = await respRequest(endpoint, [["AUTH", auth.user, auth.password], args], { timeoutMs: opts.timeoutMs ?? 5000 });
  if (authReply instanceof RespError) throw authReply;
  if (reply instanceof RespError) throw reply;
  return toStrings(reply ?? null);
}
