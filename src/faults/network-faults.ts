/**
 * Network effects on the data plane (README: Testing failures): latency, reset, blackhole
 * and bandwidth on one node's public port or on every node of a cache.
 *
 * With no effect set, a node's public port is the engine's own listening socket (no hop of
 * ours). Setting the first effect on a node moves the engine's listener to a port of the range
 * (EngineNode.moveListener: `CONFIG SET port`, announced ports unchanged) and puts an
 * EffectProxy on the public port; the engine's open client connections are then closed, so
 * every client meets the effect when it reconnects (replication links between nodes stay).
 * Clearing the last effect stops the proxy (its connections end) and moves the engine back.
 * A node behind a front of ours (TLS router, IAM front, a Memcached node answering Auto
 * Discovery) keeps the front on its public port; the front passes new connections through the
 * proxies. A bare memcached (`--memcached-node-discovery off`) cannot move its listener: its
 * node starts again (empty) on the other port, each way.
 * A cache's endpoints (primary, reader, configuration) pass each connection to its nodes'
 * public ports, so an effect on every node of the cache reaches them too, once.
 */
import { randomBytes } from "node:crypto";
import type { EmulatorConfig } from "../config.js";
import { closeClientConnections } from "../engines/client-connections.js";
import type { EngineNode, NodeFrontRouting } from "../engines/engine.js";
import type { ClusterLifecycle } from "../lifecycle/cluster-lifecycle.js";
import type { ServerlessLifecycle } from "../lifecycle/serverless-lifecycle.js";
import type { Logger } from "../logger.js";
import { connectHost } from "../process/connect.js";
import { allocatePort, releasePort } from "../process/ports.js";
import type { Store } from "../state/store.js";
import type { ActiveFault, FaultSource } from "./fault-registry.js";
import { EffectProxy } from "./network/effect-proxy.js";
import { combine, parseNetworkFault, type NetworkEffect } from "./network/effects.js";

export type NetworkFaultTarget = { cacheClusterId: string; cacheNodeId: string } | { cacheId: string };

export interface NetworkFaultsDeps {
  config: Pick<EmulatorConfig, "nodePorts" | "nodeBindHost">;
  store: Store;
  clusters: ClusterLifecycle;
  serverless: ServerlessLifecycle;
  logger: Logger;
}

interface TargetNode {
  cacheClusterId: string;
  cacheNodeId: string;
  engine: EngineNode;
}

interface Fault {
  active: ActiveFault;
  effect: NetworkEffect;
  nodes: TargetNode[];
  timer?: NodeJS.Timeout;
}

/** A node whose connections pass an EffectProxy (or two: a front's plaintext and TLS targets). */
interface Interposed {
  proxies: EffectProxy[];
  effects: Map<string, NetworkEffect>;
  /** Gives the node its direct path back and the ports of the range taken for it. */
  undo(): Promise<void>;
  /** The engine or front ended: only the proxies and ports go. */
  drop(): Promise<void>;
}

type Answer = { status: number; json: unknown };

const refusal = (status: number, error: string): Answer => ({ status, json: { error } });

/** How many ports of the range a move tries before giving up (each taken one is skipped). */
const MOVE_ATTEMPTS = 5;

export class NetworkFaults implements FaultSource {
  private readonly faults = new Map<string, Fault>();
  private readonly interposed = new Map<EngineNode, Interposed>();
  /** Changes run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(private readonly deps: NetworkFaultsDeps) {
    this.log = deps.logger.child({ component: "network-faults" });
  }

  inject(target: NetworkFaultTarget, body: Record<string, unknown>): Promise<Answer> {
    return this.serial(() => this.injectNow(target, body));
  }

  list(): ActiveFault[] {
    return [...this.faults.values()].map((f) => f.active);
  }

  clear(id: string): Promise<boolean> {
    return this.serial(async () => {
      const fault = this.faults.get(id);
      if (!fault) return false;
      await this.remove(fault);
      return true;
    });
  }

  clearAll(): Promise<void> {
    return this.serial(async () => {
      for (const fault of [...this.faults.values()]) await this.remove(fault);
    });
  }

  /** The emulator stops: timers end and public ports are let go (the engines stop next). */
  stop(): Promise<void> {
    return this.serial(async () => {
      for (const fault of this.faults.values()) clearTimeout(fault.timer);
      this.faults.clear();
      const all = [...this.interposed.values()];
      this.interposed.clear();
      await Promise.all(all.map((i) => i.drop()));
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async injectNow(target: NetworkFaultTarget, body: Record<string, unknown>): Promise<Answer> {
    const parsed = parseNetworkFault(body);
    if ("error" in parsed) return refusal(400, parsed.error);
    const resolved = this.resolve(target);
    if ("status" in resolved) return resolved;
    const { nodes, describe } = resolved;
    if (nodes.length === 0) return refusal(409, `${describe} has no running node`);
    for (const node of nodes) {
      if (!node.engine.moveListener && !node.engine.front) return refusal(409, unsupported(node));
      const set = this.interposed.get(node.engine)?.effects;
      if (set && [...set.values()].some((e) => e.kind === parsed.effect.kind)) {
        return refusal(409, `node ${node.cacheClusterId}/${node.cacheNodeId} already has a ${parsed.effect.kind} fault; clear it first`);
      }
    }
    const id = `net-${randomBytes(6).toString("hex")}`;
    const applied: TargetNode[] = [];
    try {
      for (const node of nodes) {
        await this.apply(node, id, parsed.effect);
        applied.push(node);
      }
    } catch (error) {
      // Nothing stays of a fault that could not be set everywhere.
      for (const node of applied) await this.unapply(node.engine, id).catch(() => undefined);
      this.log.error("network fault not set", { error: (error as Error).message });
      return refusal(500, `the ${parsed.effect.kind} fault could not be set: ${(error as Error).message}`);
    }
    const now = Date.now();
    const { kind, ...settings } = parsed.effect;
    const active: ActiveFault = {
      id,
      kind,
      target: { ...target },
      startedAt: new Date(now).toISOString(),
      ...(parsed.durationMs !== undefined ? { endsAt: new Date(now + parsed.durationMs).toISOString() } : {}),
      details: {
        ...settings,
        ...(parsed.durationMs !== undefined ? { durationMs: parsed.durationMs } : {}),
        nodes: nodes.map((n) => ({
          cacheClusterId: n.cacheClusterId,
          cacheNodeId: n.cacheNodeId,
          port: n.engine.endpoint.port,
          // memcached cannot move its listener: it started again behind the effect, empty, and does so again when cleared.
          ...(n.engine.spec.engine === "memcached" ? { engineRestarted: true } : {}),
        })),
      },
    };
    const fault: Fault = { active, effect: parsed.effect, nodes };
    if (parsed.durationMs !== undefined) {
      fault.timer = setTimeout(() => void this.clear(id), parsed.durationMs);
      fault.timer.unref();
    }
    this.faults.set(id, fault);
    this.log.info("network fault set", { id, kind, target: describe });
    return { status: 201, json: active };
  }

  /** The running nodes a target names, or the 404 answer. */
  private resolve(target: NetworkFaultTarget): { nodes: TargetNode[]; describe: string } | Answer {
    const { clusters, serverless, store } = this.deps;
    const regions = store.allRegions();
    if ("cacheNodeId" in target) {
      for (const region of regions) {
        const cluster = region.clusters.get(target.cacheClusterId);
        if (!cluster) continue;
        if (!cluster.nodes.some((n) => n.id === target.cacheNodeId)) break;
        const engine = clusters.runningEngines(cluster).find((e) => e.nodeId === target.cacheNodeId)?.engine;
        const describe = `node ${target.cacheClusterId}/${target.cacheNodeId}`;
        return { nodes: engine ? [{ cacheClusterId: cluster.id, cacheNodeId: target.cacheNodeId, engine }] : [], describe };
      }
      return refusal(404, `no cache node ${target.cacheNodeId} in cache cluster ${target.cacheClusterId}`);
    }
    const id = target.cacheId;
    for (const region of regions) {
      const nodesOf = (ids: string[]): TargetNode[] =>
        ids.flatMap((clusterId) => {
          const cluster = region.clusters.get(clusterId);
          return cluster ? clusters.runningEngines(cluster).map(({ nodeId, engine }) => ({ cacheClusterId: cluster.id, cacheNodeId: nodeId, engine })) : [];
        });
      if (region.replicationGroups.has(id)) {
        const members = [...region.clusters.values()].filter((c) => c.member?.replicationGroupId === id).map((c) => c.id);
        return { nodes: nodesOf(members), describe: `replication group ${id}` };
      }
      if (region.clusters.has(id)) return { nodes: nodesOf([id]), describe: `cache cluster ${id}` };
      const cache = region.serverlessCaches.get(id.toLowerCase());
      if (cache) {
        const engines = serverless.engines(cache);
        return {
          nodes: engines.map((engine, i) => ({ cacheClusterId: cache.name, cacheNodeId: String(i + 1).padStart(4, "0"), engine })),
          describe: `serverless cache ${id}`,
        };
      }
    }
    return refusal(404, `no cache cluster, replication group or serverless cache ${id}`);
  }

  private async apply(node: TargetNode, id: string, effect: NetworkEffect): Promise<void> {
    const engine = node.engine;
    let held = this.interposed.get(engine);
    if (!held) {
      held = await this.interpose(engine);
      this.interposed.set(engine, held);
    }
    held.effects.set(id, effect);
    for (const proxy of held.proxies) proxy.changed();
  }

  /** The engine or its front ended while interposed: the public port is free for whatever starts there next. */
  private gone(engine: EngineNode): () => Promise<void> {
    return async () => {
      const held = this.interposed.get(engine);
      this.interposed.delete(engine);
      await held?.drop();
      this.forget(engine);
    };
  }

  private interpose(engine: EngineNode): Promise<Interposed> {
    return engine.front ? this.interposeInFront(engine, engine.front) : this.interposeOnPort(engine);
  }

  /**
   * A node behind a front of ours (TLS router, IAM front): a proxy per engine listener on a port
   * of the range, and the front passes new connections to them; the public port stays the front's.
   */
  private async interposeInFront(engine: EngineNode, front: NodeFrontRouting): Promise<Interposed> {
    const { nodePorts, nodeBindHost } = this.deps.config;
    const effects = new Map<string, NetworkEffect>();
    const proxies: EffectProxy[] = [];
    const drop = async () => {
      await Promise.all(proxies.map((p) => p.stop()));
      for (const p of proxies) releasePort(p.port);
    };
    try {
      for (const target of front.targets) {
        for (let attempt = 0; ; attempt++) {
          const port = allocatePort(nodePorts);
          const proxy = new EffectProxy({ bindHost: nodeBindHost, port, target, effect: () => combine(effects.values()), logger: this.deps.logger });
          try {
            await proxy.start();
            proxies.push(proxy);
            break;
          } catch (error) {
            releasePort(port);
            if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt + 1 >= MOVE_ATTEMPTS) throw error;
          }
        }
      }
    } catch (error) {
      await drop();
      throw error;
    }
    front.route(proxies.map((p) => ({ host: connectHost(nodeBindHost), port: p.port })), this.gone(engine));
    await closeClientConnections(engine, new Set(front.targets.map((t) => t.port))).catch((error: Error) =>
      this.log.warn("open client connections not closed", { node: engine.spec.nodeName, error: error.message }),
    );
    return {
      proxies,
      effects,
      drop,
      undo: async () => {
        front.route(undefined);
        await drop();
      },
    };
  }

  /** Moves the engine off its public port and puts a proxy there; the engine's open client connections are closed. */
  private async interposeOnPort(engine: EngineNode): Promise<Interposed> {
    const { nodePorts, nodeBindHost } = this.deps.config;
    const publicPort = engine.endpoint.port;
    const effects = new Map<string, NetworkEffect>();
    let internalPort: number | undefined;
    let lastError: unknown;
    for (let attempt = 0; attempt < MOVE_ATTEMPTS && internalPort === undefined; attempt++) {
      const port = allocatePort(nodePorts);
      try {
        await engine.moveListener!(port, this.gone(engine));
        internalPort = port;
      } catch (error) {
        releasePort(port);
        lastError = error;
      }
    }
    if (internalPort === undefined) throw lastError instanceof Error ? lastError : new Error("the engine's listener could not move");
    const proxy = new EffectProxy({
      bindHost: nodeBindHost,
      port: publicPort,
      target: { host: engine.endpoint.host, port: internalPort },
      effect: () => combine(effects.values()),
      logger: this.deps.logger,
    });
    try {
      await proxy.start();
    } catch (error) {
      await engine.moveListener!(undefined).catch(() => undefined);
      releasePort(internalPort);
      throw error;
    }
    await closeClientConnections(engine, new Set([publicPort])).catch((error: Error) =>
      this.log.warn("open client connections not closed", { port: publicPort, error: error.message }),
    );
    const moved = internalPort;
    const drop = async () => {
      await proxy.stop();
      releasePort(moved);
    };
    return {
      proxies: [proxy],
      effects,
      drop,
      undo: async () => {
        await proxy.stop();
        await engine.moveListener!(undefined);
        releasePort(moved);
      },
    };
  }

  private async unapply(engine: EngineNode, id: string): Promise<void> {
    const held = this.interposed.get(engine);
    if (!held) return;
    held.effects.delete(id);
    if (held.effects.size > 0) {
      for (const proxy of held.proxies) proxy.changed();
      return;
    }
    this.interposed.delete(engine);
    await held.undo();
  }

  /** Listed until its effect is gone: once the list no longer has it, every node is on its port again. */
  private async remove(fault: Fault): Promise<void> {
    clearTimeout(fault.timer);
    for (const node of fault.nodes) {
      await this.unapply(node.engine, fault.active.id).catch((error: Error) =>
        this.log.error("network fault not cleared on a node", { id: fault.active.id, node: `${node.cacheClusterId}/${node.cacheNodeId}`, error: error.message }),
      );
    }
    this.faults.delete(fault.active.id);
    this.log.info("network fault cleared", { id: fault.active.id });
  }

  /** An engine that ended takes its part of every fault with it; a fault left with no node ends. */
  private forget(engine: EngineNode): void {
    for (const fault of [...this.faults.values()]) {
      fault.nodes = fault.nodes.filter((n) => n.engine !== engine);
      if (fault.nodes.length > 0) continue;
      clearTimeout(fault.timer);
      this.faults.delete(fault.active.id);
    }
  }
}

function unsupported(node: TargetNode): string {
  const where = `node ${node.cacheClusterId}/${node.cacheNodeId}`;
  return `${where} cannot take network effects: it runs on the embedded engine subset (install redis-server, valkey-server or memcached)`;
}
