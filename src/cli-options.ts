/**
 * Flags and ELASTICACHE_LOCAL_* environment variables -> EmulatorOptions. Every option
 * has both forms: `--node-ports` is `ELASTICACHE_LOCAL_NODE_PORTS`.
 */
import { parseArgs } from "node:util";
import { DEFAULT_PORT, parsePortRange, type EmulatorOptions, type EngineMode, type ForwarderMode } from "./config.js";
import type { LogLevel } from "./logger.js";
import { parseCredentials } from "./credentials.js";

interface OptionSpec {
  flag: string;
  kind: "string" | "boolean";
  help: string;
  apply(options: EmulatorOptions, value: string): void;
}

/** Value errors say what was expected; parseCli prefixes the flag or variable that carried the value. */
const integer = (flag: string, value: string): number => {
  if (!/^\d+$/.test(value)) throw new Error(`expects a whole number, got "${value}"`);
  return Number(value);
};
const onOff = (value: string): boolean => {
  if (value !== "on" && value !== "off") throw new Error(`expects on or off, got "${value}"`);
  return value === "on";
};
const LOG_LEVELS: LogLevel[] = ["debug", "info", "warn", "error", "silent"];
const logLevel = (value: string): LogLevel => {
  if (!(LOG_LEVELS as string[]).includes(value)) throw new Error(`expects one of ${LOG_LEVELS.join(", ")}, got "${value}"`);
  return value as LogLevel;
};
const delay = (key: "createMs" | "modifyMs" | "deleteMs" | "rebootMs", flag: string) => (o: EmulatorOptions, v: string) => {
  o.delays = { ...o.delays, [key]: integer(flag, v) };
};

export const optionSpecs: OptionSpec[] = [
  { flag: "port", kind: "string", help: `API port (default ${DEFAULT_PORT}; 0 picks a free port)`, apply: (o, v) => (o.port = integer("port", v)) },
  { flag: "host", kind: "string", help: "interface the API binds (default 127.0.0.1; 0.0.0.0 in the Docker image)", apply: (o, v) => (o.host = v) },
  { flag: "advertised-host", kind: "string", help: "host name put in every endpoint the API returns (default 127.0.0.1)", apply: (o, v) => (o.advertisedHost = v) },
  { flag: "node-host", kind: "string", help: "interface cache nodes bind (default 127.0.0.1; 0.0.0.0 in the Docker image)", apply: (o, v) => (o.nodeBindHost = v) },
  { flag: "node-ports", kind: "string", help: "port range for cache nodes and endpoints, A-B (default 21000-21999)", apply: (o, v) => (o.nodePorts = parsePortRange(v)) },
  { flag: "data-dir", kind: "string", help: "keep the state and the engines' data here and restore them at the next start (default: a temporary directory, nothing kept)", apply: (o, v) => (o.dataDir = v) },
  { flag: "init", kind: "string", help: "provisioning file, or folder of them (JSON or YAML): API requests applied at start; ready once all are available", apply: (o, v) => (o.init = v) },
  { flag: "engine", kind: "string", help: "auto | process | embedded (default auto: real binaries, embedded fallback when missing)", apply: (o, v) => (o.engineMode = v as EngineMode) },
  { flag: "redis-server", kind: "string", help: "path of redis-server (default: found on PATH)", apply: (o, v) => (o.redisServerPath = v) },
  { flag: "valkey-server", kind: "string", help: "path of valkey-server (default: found on PATH)", apply: (o, v) => (o.valkeyServerPath = v) },
  { flag: "memcached", kind: "string", help: "path of memcached (default: found on PATH)", apply: (o, v) => (o.memcachedPath = v) },
  { flag: "forwarder", kind: "string", help: "auto | node | haproxy: what serves replication group endpoints (default auto: haproxy when installed, else Node)", apply: (o, v) => (o.forwarder = v as ForwarderMode) },
  { flag: "haproxy", kind: "string", help: "path of haproxy (default: found on PATH)", apply: (o, v) => (o.haproxyPath = v) },
  { flag: "allow-restricted-commands", kind: "boolean", help: "let clients run CONFIG, DEBUG, SHUTDOWN... (restricted on ElastiCache)", apply: (o, v) => (o.allowRestrictedCommands = v !== "0" && v !== "false") },
  { flag: "log-level", kind: "string", help: "debug | info | warn | error | silent (default info)", apply: (o, v) => (o.logLevel = logLevel(v)) },
  { flag: "region", kind: "string", help: "region when a request carries none (default us-east-1)", apply: (o, v) => (o.defaultRegion = v) },
  { flag: "account-id", kind: "string", help: "account when a request carries none (default 000000000000)", apply: (o, v) => (o.defaultAccountId = v) },
  {
    flag: "node-memory-scale",
    kind: "string",
    help: "fraction of each node type's memory given to its engine, for small machines (default 1)",
    apply: (o, v) => {
      if (!/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(v)) throw new Error(`expects a fraction such as 0.05, got "${v}"`);
      o.nodeMemoryScale = Number(v);
    },
  },
  { flag: "strict-auth", kind: "boolean", help: "verify SigV4 signatures against --credentials (default off: any credentials work)", apply: (o, v) => (o.strictAuth = v !== "0" && v !== "false") },
  { flag: "credentials", kind: "string", help: "credentials strict mode accepts: ACCESS_KEY:SECRET[:ACCOUNT], comma-separated", apply: (o, v) => (o.credentials = parseCredentials(v)) },
  { flag: "iam-connection-lifetime-ms", kind: "string", help: "an IAM-authenticated connection is closed this long after its last IAM AUTH (default 43200000, AWS's 12 hours)", apply: (o, v) => (o.iamConnectionLifetimeMs = integer("iam-connection-lifetime-ms", v)) },
  {
    flag: "memcached-node-discovery",
    kind: "string",
    help: "on | off: every Memcached node endpoint answers Auto Discovery as on AWS (default on; off: the node endpoint is memcached itself, faster)",
    apply: (o, v) => (o.memcachedNodeDiscovery = onOff(v)),
  },
  {
    flag: "serverless-warm-pair",
    kind: "string",
    help: "on | off: after a Valkey/Redis serverless cache is created, keep a formed engine pair for the next create (default on; off: each create forms its own)",
    apply: (o, v) => (o.serverlessWarmPair = onOff(v)),
  },
  { flag: "max-nodes", kind: "string", help: "cache nodes per account and region (default 300, AWS's quota)", apply: (o, v) => (o.maxNodes = integer("max-nodes", v)) },
  { flag: "create-delay-ms", kind: "string", help: "minimum time in `creating` (default 0)", apply: delay("createMs", "create-delay-ms") },
  { flag: "modify-delay-ms", kind: "string", help: "minimum time in `modifying` (default 0)", apply: delay("modifyMs", "modify-delay-ms") },
  { flag: "delete-delay-ms", kind: "string", help: "minimum time in `deleting` (default 0)", apply: delay("deleteMs", "delete-delay-ms") },
  { flag: "snapshot-export-dir", kind: "string", help: "folder standing in for S3: bucket B is <dir>/B (CopySnapshot TargetBucket, SnapshotArns); default <data dir>/exports", apply: (o, v) => (o.snapshotExportDir = v) },
  { flag: "clock-scale", kind: "string", help: "the emulator's calendar runs N times faster: maintenance windows, automatic snapshots, service update dates (86400: a day per second; default 1)", apply: (o, v) => (o.clockScale = integer("clock-scale", v)) },
  { flag: "snapshot-clock-scale", kind: "string", help: "former name of --clock-scale", apply: (o, v) => (o.snapshotClockScale = integer("snapshot-clock-scale", v)) },
  { flag: "snapshot-quota", kind: "string", help: "most snapshots per account and region (default 1000)", apply: (o, v) => (o.snapshotQuota = integer("snapshot-quota", v)) },
  { flag: "serverless-cache-quota", kind: "string", help: "most serverless caches per account and region (default 40, AWS's quota)", apply: (o, v) => (o.serverlessCacheQuota = integer("serverless-cache-quota", v)) },
  { flag: "reserved-node-quota", kind: "string", help: "most reserved cache nodes per account and region (default 300, AWS's quota)", apply: (o, v) => (o.reservedNodeQuota = integer("reserved-node-quota", v)) },
  { flag: "metrics-interval-ms", kind: "string", help: "how often every node's metrics are read (default 5000)", apply: (o, v) => (o.metricsIntervalMs = integer("metrics-interval-ms", v)) },
  { flag: "reboot-delay-ms", kind: "string", help: "minimum time in `rebooting cache cluster nodes` (default 0)", apply: delay("rebootMs", "reboot-delay-ms") },
];

export interface EndpointsRequest {
  url: string;
  format: "env" | "json";
}

/** `elasticache-local endpoints [--url URL] [--format env|json]`: where the running emulator is and what to print. */
export function parseEndpointsCommand(argv: string[], env: NodeJS.ProcessEnv): EndpointsRequest {
  const { values } = parseArgs({ args: argv, strict: true, options: { url: { type: "string" }, format: { type: "string" } } });
  const format = values.format ?? "env";
  if (format !== "env" && format !== "json") throw new Error(`--format: expects env or json, got "${format}"`);
  const url = values.url ?? env.ELASTICACHE_LOCAL_URL ?? `http://127.0.0.1:${env[envName("port")] || DEFAULT_PORT}`;
  return { url: url.replace(/\/+$/, ""), format };
}

export const envName = (flag: string) => `ELASTICACHE_LOCAL_${flag.toUpperCase().replace(/-/g, "_")}`;

export interface CliRequest {
  help: boolean;
  version: boolean;
  env: EmulatorOptions;
  flags: EmulatorOptions;
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliRequest {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
      ...Object.fromEntries(optionSpecs.map((s) => [s.flag, { type: s.kind }])),
    },
  });
  const fromEnv: EmulatorOptions = {};
  const fromFlags: EmulatorOptions = {};
  for (const spec of optionSpecs) {
    const envValue = env[envName(spec.flag)];
    if (envValue !== undefined && envValue !== "") applyFrom(envName(spec.flag), () => spec.apply(fromEnv, envValue));
    const flagValue = values[spec.flag as keyof typeof values];
    if (flagValue !== undefined) applyFrom(`--${spec.flag}`, () => spec.apply(fromFlags, String(flagValue)));
  }
  return { help: Boolean(values.help), version: Boolean(values.version), env: fromEnv, flags: fromFlags };
}

/** Runs one option's apply; a bad value's error names where it came from (flag or environment variable). */
function applyFrom(source: string, apply: () => void): void {
  try {
    apply();
  } catch (error) {
    throw new Error(`${source}: ${(error as Error).message}`);
  }
}

export function usage(): string {
  const lines = optionSpecs.map((s) => `  --${(s.flag + (s.kind === "string" ? " <value>" : "")).padEnd(34)} ${s.help}\n  ${"".padEnd(36)} env ${envName(s.flag)}`);
  return [
    "Usage: elasticache-local [options]",
    "       elasticache-local endpoints [--url <api url>] [--format env|json]",
    "",
    "A local Amazon ElastiCache on real redis-server, valkey-server and memcached engines.",
    "",
    ...lines,
    "  --help",
    "  --version",
    "",
    "elasticache-local endpoints: prints every resource's endpoints of a running emulator, as NAME=value",
    `lines (--format env, the default) or JSON. --url defaults to ELASTICACHE_LOCAL_URL, else`,
    `http://127.0.0.1:<ELASTICACHE_LOCAL_PORT or ${DEFAULT_PORT}>.`,
    "",
  ].join("\n");
}
