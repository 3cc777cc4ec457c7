/**
 * One typed configuration object: defaults < ELASTICACHE_LOCAL_* environment < CLI flags.
 */
import type { LogLevel } from "./logger.js";
import type { Credential } from "./credentials.js";

export type EngineMode = "auto" | "process" | "embedded";
/** What serves replication group endpoints: haproxy when installed (auto), or always Node / haproxy. */
export type ForwarderMode = "auto" | "node" | "haproxy";

export interface LifecycleDelays {
  /** Minimum time a resource stays `creating` (ms). */
  createMs: number;
  /** Minimum time a resource stays `modifying` (ms). */
  modifyMs: number;
  /** Minimum time a resource stays `deleting` (ms). */
  deleteMs: number;
  /** Minimum time a cluster stays `rebooting cache cluster nodes` (ms). */
  rebootMs: number;
}

/**
 * One request of a provisioning (init) file, in the API's own terms: the operation's name, its
 * input with members as the SDKs name them, and optionally the region (default: `defaultRegion`)
 * and the service (`elasticache`, the default, or `cloudwatch`).
 */
export interface ProvisioningEntry {
  action: string;
  input?: Record<string, unknown>;
  region?: string;
  service?: string;
}

export interface EmulatorConfig {
  /** Interface the API listens on. */
  host: string;
  /** API port; 0 picks a free one. */
  port: number;
  /** Host name handed to clients in every endpoint (e.g. a docker-compose service name). */
  advertisedHost: string;
  /** Interface engine nodes bind to. */
  nodeBindHost: string;
  /** Port range for cache nodes and emulator-owned endpoints. */
  nodePorts: { from: number; to: number };
  /** The state file, engine working files and pid records; restored at start. Undefined = a temporary directory, nothing kept. */
  dataDir?: string;
  engineMode: EngineMode;
  redisServerPath?: string;
  valkeyServerPath?: string;
  memcachedPath?: string;
  /** Data path of the primary, reader and configuration endpoints of replication groups. */
  forwarder: ForwarderMode;
  haproxyPath?: string;
  /** Lift ElastiCache's restricted commands (CONFIG, DEBUG, ...) for clients; for debugging. */
  allowRestrictedCommands: boolean;
  logLevel: LogLevel;
  delays: LifecycleDelays;
  /** Multiplies the memory of every node type (maxmemory, memcached -m); below 1 for small machines. */
  nodeMemoryScale: number;
  /** Defaults when the SigV4 credential scope does not say. */
  defaultAccountId: string;
  defaultRegion: string;
  /** Largest request body accepted (bytes). */
  maxBodyBytes: number;
  /** Verify every request's SigV4 signature against `credentials` (off: any credentials work). */
  strictAuth: boolean;
  /** Credentials strict mode accepts (API requests, and IAM auth tokens' signatures). */
  credentials: Credential[];
  /** How long an IAM-authenticated connection lives without authenticating again (AWS: 12 hours). */
  iamConnectionLifetimeMs: number;
  /** Cache nodes per account and region (AWS's default quota is 300). */
  maxNodes: number;
  /**
   * Every Memcached cache node endpoint answers Auto Discovery (`config get cluster`) as
   * ElastiCache's nodes do, through a listener of ours in front of memcached (on, the
   * default); off: the node endpoint is memcached itself (faster; README: Auto Discovery).
   */
  memcachedNodeDiscovery: boolean;
  /**
   * After a Valkey/Redis serverless cache is created, a formed pair of engines of its version
   * waits for the next CreateServerlessCache, which adopts it and is `available` in
   * milliseconds (on, the default); off: every create starts and forms its own pair.
   */
  serverlessWarmPair: boolean;
  /** Folder that stands in for S3 in CopySnapshot TargetBucket and SnapshotArns (`<dir>/<bucket>/<key>`); undefined = `<data dir or temp dir>/exports`. */
  snapshotExportDir?: string;
  /**
   * The emulator's calendar runs this many times faster than real time (86400: a day per
   * second), for tests: maintenance windows, automatic snapshots and service update dates.
   */
  clockScale: number;
  /** The former name of `clockScale`; when given alone, it sets `clockScale`. */
  snapshotClockScale?: number;
  /** Most snapshots (manual and automatic) an account keeps per region (SnapshotQuotaExceededFault beyond). */
  snapshotQuota: number;
  /**
   * Resources to provision at start, before start() resolves and health reports ready: a
   * provisioning file, a folder of them (JSON or YAML), or the entries themselves.
   */
  init?: string | ProvisioningEntry[];
  /** Most serverless caches an account keeps per region (AWS's quota is 40; ServerlessCacheQuotaForCustomerExceededFault beyond). */
  serverlessCacheQuota: number;
  /** Most reserved cache nodes an account holds per region (AWS's quota is 300; ReservedCacheNodeQuotaExceeded beyond). */
  reservedNodeQuota: number;
  /** How often the metrics sampler reads every node (CloudWatch's AWS/ElastiCache metrics, Prometheus, the dashboard). */
  metricsIntervalMs: number;
}

export const DEFAULT_PORT = 4510;
export const MAX_NODE_PORT = 55535;

export const defaultConfig: EmulatorConfig = {
  host: "127.0.0.1",
  port: DEFAULT_PORT,
  advertisedHost: "127.0.0.1",
  nodeBindHost: "127.0.0.1",
  nodePorts: { from: 21000, to: 21999 },
  engineMode: "auto",
  forwarder: "auto",
  allowRestrictedCommands: false,
  logLevel: "info",
  delays: { createMs: 0, modifyMs: 0, deleteMs: 0, rebootMs: 0 },
  nodeMemoryScale: 1,
  defaultAccountId: "000000000000",
  defaultRegion: "us-east-1",
  maxBodyBytes: 1024 * 1024,
  strictAuth: false,
  credentials: [],
  iamConnectionLifetimeMs: 12 * 3600 * 1000,
  maxNodes: 300,
  memcachedNodeDiscovery: true,
  serverlessWarmPair: true,
  clockScale: 1,
  snapshotQuota: 1000,
  serverlessCacheQuota: 40,
  reservedNodeQuota: 300,
  metricsIntervalMs: 5000,
};

/** Options as a library user gives them: every field optional, delays partial too. */
export type EmulatorOptions = Partial<Omit<EmulatorConfig, "delays">> & { delays?: Partial<LifecycleDelays> };

export function resolveConfig(...layers: EmulatorOptions[]): EmulatorConfig {
  let config: EmulatorConfig = { ...defaultConfig, delays: { ...defaultConfig.delays } };
  for (const layer of layers) {
    const defined = Object.fromEntries(Object.entries(layer).filter(([, v]) => v !== undefined));
    // The former snapshot clock option is the one clock's alias; `clockScale` wins in the same layer.
    if (layer.snapshotClockScale !== undefined && layer.clockScale === undefined) defined.clockScale = layer.snapshotClockScale;
    config = { ...config, ...defined, delays: { ...config.delays, ...(layer.delays ?? {}) } };
  }
  validateConfig(config);
  return config;
}

export function parsePortRange(text: string): { from: number; to: number } {
  const match = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!match) throw new Error(`invalid port range "${text}" (expected A-B, e.g. 21000-21999)`);
  return { from: Number(match[1]), to: Number(match[2]) };
}

function validateConfig(config: EmulatorConfig): void {
  const { from, to } = config.nodePorts;
  if (!(from >= 1 && from <= to)) throw new Error(`invalid node port range ${from}-${to}`);
  // A cluster mode node also listens on its port + 10000 (the cluster bus), so redis-server
  // refuses cluster mode above this.
  if (to > MAX_NODE_PORT) throw new Error(`node ports must be at most ${MAX_NODE_PORT} (a cluster mode node's bus port is its port + 10000), got ${from}-${to}`);
  if (!(config.port >= 0 && config.port <= 65535)) throw new Error(`invalid port ${config.port}`);
  if (!(config.nodeMemoryScale > 0 && config.nodeMemoryScale <= 1)) {
    throw new Error(`invalid node memory scale ${config.nodeMemoryScale} (a fraction in (0, 1])`);
  }
  if (config.strictAuth && config.credentials.length === 0) {
    throw new Error("strict authentication needs at least one credential (--credentials ACCESS_KEY:SECRET[:ACCOUNT])");
  }
  if (!(Number.isInteger(config.iamConnectionLifetimeMs) && config.iamConnectionLifetimeMs >= 1 && config.iamConnectionLifetimeMs <= 2 ** 31 - 1)) {
    throw new Error(`invalid IAM connection lifetime ${config.iamConnectionLifetimeMs} ms (1 ms to about 24 days)`);
  }
  if (!(Number.isInteger(config.maxNodes) && config.maxNodes >= 1)) throw new Error(`invalid node limit ${config.maxNodes}`);
  if (!(config.clockScale >= 1)) throw new Error(`invalid clock scale ${config.clockScale} (at least 1)`);
  if (!(Number.isInteger(config.snapshotQuota) && config.snapshotQuota >= 0)) throw new Error(`invalid snapshot quota ${config.snapshotQuota}`);
  if (!(Number.isInteger(config.serverlessCacheQuota) && config.serverlessCacheQuota >= 0)) {
    throw new Error(`invalid serverless cache quota ${config.serverlessCacheQuota}`);
  }
  if (!(Number.isInteger(config.reservedNodeQuota) && config.reservedNodeQuota >= 0)) throw new Error(`invalid reserved node quota ${config.reservedNodeQuota}`);
  if (!(Number.isInteger(config.metricsIntervalMs) && config.metricsIntervalMs >= 100)) {
    throw new Error(`invalid metrics interval ${config.metricsIntervalMs} ms (a whole number, at least 100)`);
  }
  if (!["auto", "process", "embedded"].includes(config.engineMode)) {
    throw new Error(`invalid engine mode "${config.engineMode}" (auto, process or embedded)`);
  }
  if (!["auto", "node", "haproxy"].includes(config.forwarder)) {
    throw new Error(`invalid forwarder "${config.forwarder}" (auto, node or haproxy)`);
  }
}
