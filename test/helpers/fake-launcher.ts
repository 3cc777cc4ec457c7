/**
 * A NodeLauncher without processes: nodes, Auto Discovery endpoints and forwarders are
 * plain objects on made-up ports, so the lifecycles' status machines and rules run in
 * milliseconds. A test can make starts fail (`failStarts`), hold them (`holdStarts`) and
 * kill a node (`kill`), and reads what was started from `nodes` / `forwarders`.
 */
import type { EngineNode, NodeSpec } from "../../src/engines/engine.js";
import type { ConfigEndpoint, Forwarder, NodeLauncher } from "../../src/nodes/node-launcher.js";
import type { Endpoint } from "../../src/process/connect.js";
import type { Topology } from "../../src/lifecycle/topology.js";

export class FakeNode implements EngineNode {
  readonly pid = undefined;
  readonly endpoint: Endpoint;
  stopped = false;
  readonly commands: string[][] = [];
  private exitHandlers: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];

  constructor(
    readonly spec: NodeSpec,
    port: number,
  ) {
    this.endpoint = { host: "127.0.0.1", port };
  }

  async ready(): Promise<void> {}
  async health(): Promise<"ok" | "down"> {
    return this.stopped ? "down" : "ok";
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
  onExit(cb: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.exitHandlers.push(cb);
  }
  async adminCommand(args: string[]): Promise<unknown> {
    this.commands.push(args);
    return "OK";
  }

  /** The process died on its own (SIGKILL). */
  die(): void {
    this.stopped = true;
    for (const cb of this.exitHandlers) cb(null, "SIGKILL");
  }
}

export class FakeForwarder implements Forwarder {
  targets: Endpoint[] = [];
  stopped = false;
  constructor(
    readonly name: string,
    readonly port: number,
  ) {}
  setTargets(targets: Endpoint[]): void {
    this.targets = targets;
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

export class FakeLauncher implements NodeLauncher {
  readonly nodes: FakeNode[] = [];
  readonly forwarders: FakeForwarder[] = [];
  readonly configEndpoints: Array<ConfigEndpoint & { nodes: Array<{ host: string; ip: string; port: number }>; stopped: boolean }> = [];
  /** Node names (`cluster/0001`) whose next start fails, as a binary that cannot start would. */
  readonly failStarts = new Set<string>();
  private nextPort = 40_000;
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;

  /** Starts wait until the returned function is called. */
  holdStarts(): () => void {
    this.held = new Promise((resolve) => (this.release = resolve));
    return () => {
      this.release?.();
      this.held = undefined;
    };
  }

  async startNode(spec: Omit<NodeSpec, "port" | "bindHost" | "tls">, preferredPort?: number): Promise<EngineNode> {
    await this.held;
    if (this.failStarts.has(spec.nodeName)) throw new Error(`${spec.nodeName}: the engine exited during start`);
    const node = new FakeNode({ ...spec, port: 0, bindHost: "127.0.0.1" }, preferredPort ?? this.nextPort++);
    this.nodes.push(node);
    return node;
  }

  async startConfigEndpoint(preferredPort?: number): Promise<ConfigEndpoint> {
    const endpoint = {
      port: preferredPort ?? this.nextPort++,
      nodes: [] as Array<{ host: string; ip: string; port: number }>,
      stopped: false,
      setNodes(nodes: Array<{ host: string; ip: string; port: number }>) {
        endpoint.nodes = nodes;
      },
      discoveryReplies: () => undefined,
      async stop() {
        endpoint.stopped = true;
      },
    };
    this.configEndpoints.push(endpoint);
    return endpoint;
  }

  async startForwarder(name: string, preferredPort?: number): Promise<Forwarder> {
    const forwarder = new FakeForwarder(name, preferredPort ?? this.nextPort++);
    this.forwarders.push(forwarder);
    return forwarder;
  }

  /** Nodes still running, by node name. */
  running(nodeName: string): FakeNode | undefined {
    return this.nodes.find((n) => n.spec.nodeName === nodeName && !n.stopped);
  }
}

/** A topology that records what it was asked and always succeeds (replication without engines). */
export function fakeTopology(): Topology & { calls: string[] } {
  const calls: string[] = [];
  const record = (name: string) => async () => void calls.push(name);
  return {
    calls,
    replicaOf: record("replicaOf"),
    promote: record("promote"),
    mostUpToDate: async (nodes) => nodes[0]!,
    buildCluster: record("buildCluster"),
    seedShard: (_primary, replicas) => ({ primaryId: "p", replicaIds: replicas.map((_, i) => `r${i}`), primaryConfig: "", replicaConfigs: replicas.map(() => "") }),
    formSeededShard: record("formSeededShard"),
    clusterFailover: record("clusterFailover"),
    rejoinCluster: record("rejoinCluster"),
    waitClusterAgrees: record("waitClusterAgrees"),
    reformCluster: async (nodes) => new Map(nodes.map((n) => [n, { role: "primary" as const, slots: "" }])),
    removeFromCluster: record("removeFromCluster"),
    reshard: async (_current, target) => target.map(() => ""),
  };
}
