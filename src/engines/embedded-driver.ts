/**
 * The in-process fallback driver for machines without engine binaries: each node is a
 * node:net server in this process (RESP for redis/valkey, text protocol for memcached).
 * No pid of its own; stop closes the listener and every client socket.
 */
import { silentLogger, type Logger } from "../logger.js";
import { PortInUseError } from "../process/ports.js";
import type { Endpoint } from "../process/connect.js";
import type { EngineDriver, EngineKind, EngineNode, NodeSpec } from "./engine.js";
import { EmbeddedMemcachedServer } from "./embedded/memcached-server.js";
import { EmbeddedRespServer } from "./embedded/resp-server.js";
import { connectHost } from "../process/connect.js";
import { memcachedVersion, respPing } from "./probes.js";

export interface EmbeddedDriverOptions {
  allowRestrictedCommands?: boolean;
  logger?: Logger;
}

/** What binaryVersion() reports: there is no binary, only the subset. */
export const EMBEDDED_VERSION = "embedded";

type Server = EmbeddedRespServer | EmbeddedMemcachedServer;

class EmbeddedNode implements EngineNode {
  readonly endpoint: Endpoint;
  readonly pid = undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly spec: NodeSpec,
    private readonly server: Server,
    private readonly logger: Logger,
  ) {
    this.endpoint = { host: connectHost(spec.bindHost), port: server.port };
    if (server instanceof EmbeddedRespServer) {
      this.adminCommand = async (args: string[]) => server.admin(args);
    }
  }

  adminCommand?: (args: string[]) => Promise<unknown>;

  ready(): Promise<void> {
    return Promise.resolve(); // listening already when start() resolved
  }

  async health(): Promise<"ok" | "down"> {
    if (this.closing) return "down";
    const alive = this.spec.engine === "memcached" ? memcachedVersion(this.endpoint) : respPing(this.endpoint);
    return (await alive) ? "ok" : "down";
  }

  stop(): Promise<void> {
    this.closing ??= this.server.close().then(() => this.logger.debug("embedded node stopped", { node: this.spec.nodeName }));
    return this.closing;
  }

  onExit(): void {
    // An in-process server does not exit on its own.
  }
}

export class EmbeddedDriver implements EngineDriver {
  readonly id = "embedded";
  private readonly logger: Logger;

  constructor(private readonly opts: EmbeddedDriverOptions = {}) {
    this.logger = opts.logger ?? silentLogger;
  }

  supports(_engine: EngineKind): boolean {
    return true;
  }

  async available(): Promise<boolean> {
    return true;
  }

  async binaryVersion(): Promise<string | undefined> {
    return EMBEDDED_VERSION;
  }

  async start(spec: NodeSpec): Promise<EngineNode> {
    const server: Server =
      spec.engine === "memcached"
        ? new EmbeddedMemcachedServer({ version: spec.engineVersion, maxMemoryBytes: spec.maxMemoryBytes })
        : new EmbeddedRespServer({
            version: spec.engineVersion,
            allowRestrictedCommands: this.opts.allowRestrictedCommands,
            maxMemoryBytes: spec.maxMemoryBytes,
            params: spec.params,
          });
    try {
      await server.listen(spec.port, spec.bindHost);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new PortInUseError(spec.port);
      throw err;
    }
    const logger = this.logger.child({ node: spec.nodeName, engine: "embedded" });
    logger.info("embedded node listening", { port: server.port });
    return new EmbeddedNode(spec, server, logger);
  }
}
