/**
 * A node with an emulator-owned listener on its public port: the engine on two internal
 * ports (plaintext and TLS) behind a TlsRouter (TransitEncryptionMode `preferred`) or an
 * IamFront (a cache whose users may be IAM users). To everything else it is one EngineNode
 * whose endpoint is the public port; admin commands go straight to the engine's plaintext port.
 */
import type { Endpoint } from "../process/connect.js";
import type { EngineNode, NodeFrontRouting, NodeSpec } from "../engines/engine.js";

/** What sits on the public port: a TlsRouter or an IamFront. */
export interface NodeFront {
  readonly port: number;
  stop(): Promise<void>;
  setIamUsers?(users: ReadonlyMap<string, string>): void;
  /** Where new connections go: the engine's listeners (plaintext and TLS; a Memcached node's front has one). */
  setTargets(...targets: Endpoint[]): void;
}

export class RoutedNode implements EngineNode {
  readonly endpoint: Endpoint;
  readonly adminCommand?: (args: string[]) => Promise<unknown>;
  readonly setIamUsers?: (users: ReadonlyMap<string, string>) => void;
  readonly front: NodeFrontRouting;
  /** Set while the front passes new connections elsewhere (network effects). */
  private routedGone: (() => Promise<void>) | undefined;

  constructor(
    private readonly engine: EngineNode,
    private readonly router: NodeFront,
    /** Gives back the internal ports once the engine is gone. */
    private readonly release: () => void,
    /** TransitEncryptionMode `required` (an IamFront): the public port speaks TLS only, so our own connections to it do too. */
    tls: { ca: string } | undefined,
    /** The engine's listeners the front passes connections to: plaintext and TLS, or a Memcached node's one. */
    targets: readonly Endpoint[],
  ) {
    const own = [...targets];
    this.front = {
      targets: own,
      route: (via, gone) => {
        router.setTargets(...(via ?? own));
        this.routedGone = via ? gone : undefined;
      },
    };
    this.endpoint = { host: engine.endpoint.host, port: router.port, ...(tls ? { tls } : {}) };
    if (engine.adminCommand) this.adminCommand = (args) => engine.adminCommand!(args);
    if (router.setIamUsers) this.setIamUsers = (users) => router.setIamUsers!(users);
    // First listener: the public port is free again before anyone replaces the node on it.
    engine.onExit(() => {
      void this.releaseRoute();
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

  /** What the front was routed through lets go of its ports (once). */
  private releaseRoute(): Promise<void> {
    const gone = this.routedGone;
    this.routedGone = undefined;
    return gone ? gone().catch(() => undefined) : Promise.resolve();
  }

  async stop(opts?: { graceMs?: number }): Promise<void> {
    await this.releaseRoute();
    await this.router.stop();
    await this.engine.stop(opts);
    this.release();
  }

  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.engine.onExit(cb);
  }
}
