/**
 * A node in TransitEncryptionMode `preferred`: the engine on two internal ports (plaintext
 * and TLS) behind a TlsRouter on the node's public port. To everything else it is one
 * EngineNode whose endpoint is the public port; admin commands go straight to the
 * engine's plaintext port.
 */
import type { TlsRouter } from "../endpoints/tls-router.js";
import type { Endpoint } from "../process/connect.js";
import type { EngineNode, NodeSpec } from "../engines/engine.js";

export class RoutedNode implements EngineNode {
  readonly endpoint: Endpoint;
  readonly adminCommand?: (args: string[]) => Promise<unknown>;

  constructor(
    private readonly engine: EngineNode,
    private readonly router: TlsRouter,
    /** Gives back the internal ports once the engine is gone. */
    private readonly release: () => void,
  ) {
    this.endpoint = { host: engine.endpoint.host, port: router.port };
    if (engine.adminCommand) this.adminCommand = (args) => engine.adminCommand!(args);
    // First listener: the public port is free again before anyone replaces the node on it.
    engine.onExit(() => {
      void router.stop();
      release();
    });
  }

  get spec(): NodeSpec {
    return this.engine.spec;
  }

  get pid(): number | undefined {
    return this.engine.pid;
  }

  get adminAuth(): { user: string; password: string } | undefined {
    return this.engine.adminAuth;
  }

  ready(): Promise<void> {
    return this.engine.ready();
  }

  health(): Promise<"ok" | "down"> {
    return this.engine.health();
  }

  async stop(opts?: { graceMs?: number }): Promise<void> {
    await this.router.stop();
    await this.engine.stop(opts);
    this.release();
  }

  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.engine.onExit(cb);
  }
}
