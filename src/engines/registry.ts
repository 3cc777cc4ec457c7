/**
 * Picks the driver for an engine: the real binary when there is one, else (in auto mode)
 * the embedded subset with one clear warning per engine. Binary discovery happens once.
 */
import { silentLogger, type Logger } from "../logger.js";
import { resolveBinary } from "../process/binaries.js";
import { EmbeddedDriver } from "./embedded-driver.js";
import type { EngineDriver, EngineKind } from "./engine.js";
import { MemcachedDriver } from "./memcached-driver.js";
import type { PidRegistry } from "../process/pid-registry.js";
import { RedisServerDriver } from "./redis-driver.js";

export type EngineMode = "auto" | "process" | "embedded";

export interface EngineRegistryOptions {
  mode: EngineMode;
  redisServerPath?: string;
  valkeyServerPath?: string;
  memcachedPath?: string;
  allowRestrictedCommands?: boolean;
  logger?: Logger;
  /** When given, drivers record each engine pid right at spawn (before it is ready). */
  pidRegistry?: PidRegistry;
}

export interface ResolvedEngine {
  driver: EngineDriver;
  /** The binary that will run ("" for the embedded driver). */
  binary: string;
  /** Why this is not exactly what was asked for (fallback binary, other version). */
  note?: string;
}

export interface EngineDescription {
  engine: EngineKind;
  driver: string;
  binary?: string;
  version?: string;
}

export interface EngineRegistry {
  /** Finds binaries and their versions; idempotent (createEngineRegistry already ran it). */
  init(): Promise<void>;
  resolve(engine: EngineKind, awsVersion: string): ResolvedEngine;
  /** One line per engine for the start-up banner and /_emulator/health. */
  describe(): EngineDescription[];
}

interface Found {
  driver: EngineDriver;
  binary: string;
  version: string;
}

const ENGINES: EngineKind[] = ["redis", "valkey", "memcached"];

const INSTALL_HINT: Record<EngineKind, { missing: string; subset: string; install: string }> = {
  redis: {
    missing: "redis-server",
    subset: "Redis",
    install: "apt-get install redis-server (Debian/Ubuntu) or brew install redis",
  },
  valkey: {
    missing: "valkey-server (and redis-server)",
    subset: "Redis",
    install: "apt-get install valkey-server (or redis-server) (Debian/Ubuntu) or brew install valkey",
  },
  memcached: {
    missing: "memcached",
    subset: "memcached",
    install: "apt-get install memcached (Debian/Ubuntu) or brew install memcached",
  },
};

export async function createEngineRegistry(opts: EngineRegistryOptions): Promise<EngineRegistry> {
  const registry = new DefaultEngineRegistry(opts);
  await registry.init();
  return registry;
}

class DefaultEngineRegistry implements EngineRegistry {
  private readonly logger: Logger;
  private readonly embedded: EmbeddedDriver;
  private found: Partial<Record<"redis-server" | "valkey-server" | "memcached", Found>> = {};
  private initialized: Promise<void> | undefined;
  private readonly warned = new Set<EngineKind>();

  constructor(private readonly opts: EngineRegistryOptions) {
    this.logger = opts.logger ?? silentLogger;
    this.embedded = new EmbeddedDriver({ allowRestrictedCommands: opts.allowRestrictedCommands, logger: this.logger });
  }

  init(): Promise<void> {
    this.initialized ??= this.discover();
    return this.initialized;
  }

  private async discover(): Promise<void> {
    if (this.opts.mode === "embedded") return;
    const { allowRestrictedCommands, pidRegistry } = this.opts;
    const driverOpts = { allowRestrictedCommands, pidRegistry, logger: this.logger };
    const candidates: Array<[keyof DefaultEngineRegistry["found"], string | undefined, (bin: string) => EngineDriver]> = [
      ["redis-server", this.opts.redisServerPath, (bin) => new RedisServerDriver(bin, "redis-server", driverOpts)],
      ["valkey-server", this.opts.valkeyServerPath, (bin) => new RedisServerDriver(bin, "valkey-server", driverOpts)],
      ["memcached", this.opts.memcachedPath, (bin) => new MemcachedDriver(bin, { pidRegistry, logger: this.logger })],
    ];
    await Promise.all(
      candidates.map(async ([name, explicit, make]) => {
        const binary = await resolveBinary(explicit, name);
        if (!binary) {
          if (explicit) this.logger.warn(`${name} not found or not executable at ${explicit}`);
          return;
        }
        const driver = make(binary);
        const version = await driver.binaryVersion();
        if (!version) {
          this.logger.warn(`${binary} did not report a version; not using it`);
          return;
        }
        this.found[name] = { driver, binary, version };
      }),
    );
  }

  /** The real engine for `engine`, in order of preference. */
  private pick(engine: EngineKind): Found | undefined {
    if (this.opts.mode === "embedded") return undefined;
    if (engine === "memcached") return this.found.memcached;
    return engine === "valkey"
      ? (this.found["valkey-server"] ?? this.found["redis-server"])
      : (this.found["redis-server"] ?? this.found["valkey-server"]);
  }

  resolve(engine: EngineKind, awsVersion: string): ResolvedEngine {
    if (!this.initialized) throw new Error("engine registry used before init()");
    const real = this.pick(engine);
    if (real) return { driver: real.driver, binary: real.binary, note: noteFor(engine, awsVersion, real) };
    if (this.opts.mode === "process") {
      const hint = INSTALL_HINT[engine];
      throw new Error(`${hint.missing} not found on PATH and the engine mode is "process". Install the real engine: ${hint.install}, or set its path in the configuration`);
    }
    if (this.opts.mode === "auto" && !this.warned.has(engine)) {
      this.warned.add(engine);
      const hint = INSTALL_HINT[engine];
      this.logger.warn(`${hint.missing} not found on PATH; using the embedded in-process ${hint.subset} subset. Install the real engine: ${hint.install}`);
    }
    return { driver: this.embedded, binary: "", note: `embedded in-process ${INSTALL_HINT[engine].subset} subset` };
  }

  describe(): EngineDescription[] {
    return ENGINES.map((engine) => {
      const real = this.pick(engine);
      return real
        ? { engine, driver: real.driver.id, binary: real.binary, version: real.version }
        : { engine, driver: this.embedded.id, version: "subset" };
    });
  }
}

/** Says when the binary is not the engine or the version asked for (compared on major.minor). */
function noteFor(engine: EngineKind, awsVersion: string, real: Found): string | undefined {
  const notes: string[] = [];
  const wanted = engine === "valkey" ? "valkey-server" : engine === "redis" ? "redis-server" : "memcached";
  if (real.driver.id !== wanted) notes.push(`${wanted} not found; running ${real.driver.id} (protocol compatible)`);
  const majorMinor = (v: string) => /^(\d+)(?:\.(\d+))?/.exec(v)?.slice(1, 3).map((x) => x ?? "0").join(".");
  const asked = majorMinor(awsVersion);
  if (asked && asked !== majorMinor(real.version)) notes.push(`${engine} ${awsVersion} requested; running ${real.driver.id} ${real.version}`);
  return notes.length ? notes.join("; ") : undefined;
}
