/** EngineDriver for the memcached binary. */
import { promises as fs } from "node:fs";
import { silentLogger, type Logger } from "../logger.js";
import type { EngineDriver, EngineKind, EngineNode, NodeSpec } from "./engine.js";
import { runVersion } from "../process/binaries.js";
import type { PidRegistry } from "../process/pid-registry.js";
import { memcachedStats, memcachedVersion } from "./probes.js";
import { ProcessNode } from "./process-node.js";

export interface MemcachedDriverOptions {
  logger?: Logger;
  pidRegistry?: PidRegistry;
  readyTimeoutMs?: number;
}

/** ElastiCache memcached parameters that map onto a command-line flag taking a value. */
const VALUE_FLAGS: Record<string, string> = {
  max_item_size: "-I",
  chunk_size: "-n",
  chunk_size_growth_factor: "-f",
  max_simultaneous_connections: "-c",
  backlog_queue_limit: "-b",
  binding_protocol: "-B",
};
/** ... onto a flag that is on or off. */
const BOOLEAN_FLAGS: Record<string, string> = {
  cas_disabled: "-C",
  disable_flush_all: "-F",
  error_on_memory_exhausted: "-M",
  large_memory_pages: "-L",
  lock_down_paged_memory: "-k",
};
/** ... onto an extended `-o name[=value]` option. */
const EXTENDED_OPTIONS = new Set([
  "idle_timeout",
  "hash_algorithm",
  "slab_chunk_max",
  "lru_crawler",
  "lru_maintainer",
  "slab_reassign",
  "slab_automove",
  "expirezero_does_not_evict",
  "modern",
  "track_sizes",
  "watcher_logbuf_size",
  "worker_logbuf_size",
  "maxconns_fast",
  // memcached 1.6 turns these on by itself; a parameter group set to 0 turns them off.
  "no_modern",
  "no_lru_crawler",
  "no_lru_maintainer",
  "no_slab_reassign",
  "no_maxconns_fast",
]);

const isOn = (v: string) => /^(1|true|yes|on)$/i.test(v);

/** `memcached 1.6.18` -> "1.6.18". */
export function parseMemcachedVersion(output: string): string | undefined {
  return /memcached (\d+\.\d+\.\d+)/.exec(output)?.[1];
}

/**
 * TLS in transit: `-Z` makes every listener TLS (`required`). `preferred` adds a plaintext
 * listener (`notls:`) on the node's port and a TLS one on `tls.tlsPort`, behind a
 * first-byte router on the public port.
 */
export function memcachedTlsArgs(spec: NodeSpec): string[] {
  const tls = spec.tls;
  if (!tls) return [];
  const args = ["-Z", "-o", `ssl_chain_cert=${tls.certFile},ssl_key=${tls.keyFile}`];
  if (tls.mode === "preferred") args.push("-l", `notls:${spec.bindHost}:${spec.port}`, "-l", `${spec.bindHost}:${tls.tlsPort}`);
  return args;
}

export class MemcachedDriver implements EngineDriver {
  readonly id = "memcached";
  private version: Promise<string | undefined> | undefined;
  private readonly logger: Logger;

  constructor(
    readonly binary: string,
    private readonly opts: MemcachedDriverOptions = {},
  ) {
    this.logger = opts.logger ?? silentLogger;
  }

  supports(engine: EngineKind): boolean {
    return engine === "memcached";
  }

  async available(): Promise<boolean> {
    return (await this.binaryVersion()) !== undefined;
  }

  binaryVersion(): Promise<string | undefined> {
    this.version ??= runVersion(this.binary, ["-V"]).then((out) => (out ? parseMemcachedVersion(out) : undefined));
    return this.version;
  }

  args(spec: NodeSpec): string[] {
    const mb = spec.maxMemoryBytes === undefined ? 64 : Math.max(8, Math.floor(spec.maxMemoryBytes / (1024 * 1024)));
    // With TLS preferred, the listeners (plaintext and TLS) come from memcachedTlsArgs.
    const listen = spec.tls?.mode === "preferred" ? [] : ["-l", spec.bindHost];
    const args = ["-p", String(spec.port), ...listen, "-U", "0", "-m", String(mb), "-c", "1024", "-t", "2"];
    // memcached refuses to run as root unless told which user to be.
    if (process.getuid?.() === 0) args.push("-u", "root");
    for (const [name, value] of Object.entries(spec.params ?? {})) {
      const key = name.toLowerCase();
      if (VALUE_FLAGS[key]) args.push(VALUE_FLAGS[key]!, value);
      else if (BOOLEAN_FLAGS[key]) {
        if (isOn(value)) args.push(BOOLEAN_FLAGS[key]!);
      } else if (EXTENDED_OPTIONS.has(key)) {
        if (/^(0|false|no|off)$/i.test(value)) continue;
        args.push("-o", isOn(value) ? key : `${key}=${value}`);
      } else this.logger.debug("parameter not passed to memcached", { node: spec.nodeName, name });
    }
    args.push(...memcachedTlsArgs(spec));
    return args;
  }

  async start(spec: NodeSpec): Promise<EngineNode> {
    await fs.mkdir(spec.workDir, { recursive: true });
    return ProcessNode.launch({
      spec,
      command: this.binary,
      args: this.args(spec),
      logger: this.logger.child({ node: spec.nodeName, engine: this.id }),
      probe: (endpoint, timeoutMs) => memcachedVersion(endpoint, { timeoutMs }),
      answeringPid: async (endpoint) => {
        const pid = (await memcachedStats(endpoint)).pid;
        return pid === undefined ? undefined : Number(pid);
      },
      pidRegistry: this.opts.pidRegistry,
      readyTimeoutMs: this.opts.readyTimeoutMs,
      // memcached cannot move its listener: the node starts again (empty) on the other port.
      argsOnPort: (port) => this.args({ ...spec, port }),
    });
  }
}
