/**
 * A node with an emulator-owned listener on its public port: the engine on two internal
 * ports (plaintext and TLS) behind a TlsRouter (TransitEncryptionMode `preferred`) or an
 * IamFront (a cache whose users may be IAM users). To everything else it is one EngineNode
 * whose endpoint is the public port; admin commands go straight to the engine's plaintext port.
 */
import type { Endpoint } from "../process/connect.js";
import type { EngineNode, NodeSpec } from "../engines/engine.js";

/** What sits on the public port: a TlsRouter or an IamFront. */
export interface NodeFront {
  readonly port: number;
  stop(): Promise<void>;
  setIamUsers?(users: ReadonlyMap<string, string>): void;
}

export class RoutedNode implements EngineNode {
  readonly endpoint: Endpoint;
  readonly adminCommand?: (args: string[]) => Promise<unknown>;
  readonly setIamUsers?: (users: ReadonlyMap<string, string>) => void;

  constructor(
    private readonly engine: EngineNode,
    private readonly router: NodeFront,
    /** Gives back the internal ports once the engine is gone. */
    private readonly release: () => void,
    /** TransitEncryptionMode `required` (an IamFront): the public port speaks TLS only, so our own connections to it do too. */
    tls?: { ca: string },
  ) {
    this.endpoint = { host: engine.endpoint.host, port: router.port, ...(tls ? { tls } : {}) };
    if (engine.adminCommand) this.adminCommand = (args) => engine.adminCommand!(args);
    if (router.setIamUsers) this.setIamUsers = (users) => router.setIamUsers!(users);
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
