/**
 * Starts what a cluster needs on ports from the configured range: engine nodes
 * (through the registry's driver for the engine and version) and Memcached Auto
 * Discovery endpoints.
 */
import path from "node:path";
import type { EmulatorConfig } from "../config.js";
import { HaproxyForwarder } from "../endpoints/haproxy-forwarder.js";
import { MemcachedConfigEndpoint } from "../endpoints/memcached-config-endpoint.js";
import { TcpForwarder } from "../endpoints/tcp-forwarder.js";
import { EcpuGate, type EcpuThrottle } from "../endpoints/ecpu-throttle.js";
import { IamFront } from "../endpoints/iam-front.js";
import { TlsRouter } from "../endpoints/tls-router.js";
import type { EngineDriver, EngineKind, EngineNode, NodeSpec, NodeTls, TransitEncryptionMode } from "../engines/engine.js";
import { verifyIamAuthToken } from "../iam-token.js";
import type { EngineRegistry } from "../engines/registry.js";
import type { Logger } from "../logger.js";
import type { PidRegistry } from "../process/pid-registry.js";
import { allocatePort, allocatePortWhenFree, NoFreePortError, PortInUseError, releasePort, startOnFreePort } from "../process/ports.js";
import type { TlsMaterial } from "../tls/certificates.js";
import type { HaproxyBinary } from "./forwarder-choice.js";
import type { ConfigEndpoint, ConfigEndpointOptions, DiscoveryReplies, Forwarder, ForwarderOptions, IamCacheScope, NodeLauncher, NodeStartSpec } from "./node-launcher.js";
import { OnDemandFrontNode } from "./on-demand-front-node.js";
import { RoutedNode, type NodeFront } from "./routed-node.js";

export interface LauncherDeps {
  registry: EngineRegistry;
  config: EmulatorConfig;
  logger: Logger;
  /** The emulator's certificates; without them (no openssl) TLS in transit cannot start. */
  tls?: TlsMaterial;
  /** When given, plaintext forwarders are haproxy processes (nodes/forwarder-choice.ts). */
  haproxy?: {
    binary: HaproxyBinary;
    /** Each forwarder's config and runtime API socket go to `<workRoot>/_forwarders/<port>`. */
    workRoot: string;
    pidRegistry?: PidRegistry;
  };
}

/** How long a replacement waits for a dead node's public port to be free again. */
const PORT_REUSE_WAIT_MS = 1000;

export function createNodeLauncher({ registry, config, logger, tls, haproxy }: LauncherDeps): NodeLauncher {
  /**
   * Binds an emulator-owned listener on preferredPort when free, else on a port of the range,
   * moving on at EADDRINUSE. The port goes back to the pool when the listener stops.
   */
  async function startListener<T extends { readonly port: number; start(): Promise<void>; stop(): Promise<void> }>(
    preferredPort: number | undefined,
    make: (port: number) => T,
    opts: { fallback?: boolean } = {},
  ): Promise<T> {
    let preferred = preferredPort;
    for (let attempt = 0; attempt < 200; attempt++) {
      let port: number;
      try {
        port = await allocatePortWhenFree(config.nodePorts, preferred);
      } catch (error) {
        if (!(error instanceof PortInUseError)) throw error;
        if (opts.fallback === false) throw error;
        port = await allocatePortWhenFree(config.nodePorts);
      }
      const listener = make(port);
      try {
        await listener.start();
      } catch (error) {
        releasePort(port);
        if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" && !(error instanceof PortInUseError)) throw error;
        if (port === preferred && opts.fallback === false) throw new PortInUseError(port);
        if (port === preferred) logger.warn(`requested port ${port} is in use; using a port from the node range`);
        preferred = undefined;
        continue;
      }
      const stop = listener.stop.bind(listener);
      listener.stop = async () => {
        await stop();
        releasePort(port);
      };
      return listener;
    }
    throw new Error(`no free port for an endpoint in ${config.nodePorts.from}-${config.nodePorts.to}`);
  }

  function tlsOrThrow(): TlsMaterial {
    if (!tls) throw new Error("TLS in transit needs the openssl command to issue the emulator's certificates");
    return tls;
  }

  /** A requested port that is taken falls back to the range, as a user would rather have a node than an error. */
  async function onPreferredOrRange<T extends EngineNode>(preferred: number | undefined, start: (port: number) => Promise<T>): Promise<T> {
    if (preferred !== undefined) {
      try {
        return (await startOnFreePort(config.nodePorts, preferred, start, { maxAttempts: 1 })) as T;
      } catch (error) {
        if (!(error instanceof PortInUseError)) throw error;
        logger.warn(`requested port ${preferred} is in use; using a port from ${config.nodePorts.from}-${config.nodePorts.to}`);
      }
    }
    return (await startOnFreePort(config.nodePorts, undefined, start)) as T;
  }

  function nodeTls(mode: TransitEncryptionMode, driver: EngineDriver, publicPort: number, tlsPort?: number): NodeTls {
    const material = tlsOrThrow();
    if (driver.id === "embedded") throw new Error("TLS in transit needs the real engines (redis-server, memcached), not the embedded fallback");
    return { mode, certFile: material.certFile, keyFile: material.keyFile, caFile: material.caFile, caPem: material.caPem, publicPort, tlsPort };
  }

  /**
   * Whether `token` authenticates `userName` to the cache now: with --strict-auth its
   * signature must be one of the configured credentials'; otherwise everything but the
   * secret is checked (README: IAM authentication).
   */
  function tokenChecker(scope: IamCacheScope, nodeName: string): (userName: string, token: string) => boolean {
    const secrets = new Map(config.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
    const secretFor = config.strictAuth ? (key: string) => secrets.get(key) : undefined;
    return (userName, token) => {
      const verdict = verifyIamAuthToken(token, { ...scope, userName }, { now: Date.now(), secretFor });
      if (!verdict.ok) logger.info("IAM token refused", { node: nodeName, user: userName.slice(0, 64), reason: verdict.reason });
      return verdict.ok;
    };
  }

  /**
   * The IAM front of a node on `port`: it checks tokens for `iam`'s cache and, with `throttle`,
   * meters every client connection against that ECPU budget (the emulator's admin user, `admin()`,
   * is never held).
   */
  function iamFront(
    port: number,
    node: { name: string; mode: TransitEncryptionMode; iam: IamCacheScope; throttle?: EcpuThrottle },
    admin: () => { user: string; password: string } | undefined,
  ): IamFront {
    const material = tlsOrThrow();
    const throttle = node.throttle;
    return new IamFront({
      bindHost: config.nodeBindHost,
      port,
      logger,
      name: node.name,
      mode: node.mode,
      cert: material.certPem,
      key: material.keyPem,
      checkToken: tokenChecker(node.iam, node.name),
      connectionLifetimeMs: config.iamConnectionLifetimeMs,
      gate: throttle ? (client, send) => new EcpuGate(throttle, client, send, admin) : undefined,
    });
  }

  /** A node's public listener: a node replaced after its engine died asks for the port its front has just let go. */
  async function startFront<T extends { readonly port: number; start(): Promise<void>; stop(): Promise<void> }>(
    preferredPort: number | undefined,
    make: (port: number) => T,
  ): Promise<T> {
    for (const deadline = Date.now() + (preferredPort !== undefined ? PORT_REUSE_WAIT_MS : 0); ; ) {
      try {
        return await startListener(preferredPort, make, { fallback: Date.now() >= deadline });
      } catch (error) {
        if (!(error instanceof PortInUseError)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** The TLS a Memcached listener of ours (configuration or node endpoint) serves in `mode`. */
  function memcachedEndpointTls(mode: TransitEncryptionMode | undefined) {
    const material = mode ? tlsOrThrow() : undefined;
    return material && mode ? { mode, cert: material.certPem, key: material.keyPem, ca: material.caPem } : undefined;
  }

  /**
   * A Memcached node whose public port answers Auto Discovery (a MemcachedConfigEndpoint in
   * node mode): that listener first on the node's port, then memcached on an internal port of
   * the range. TLS in transit is the listener's: `required` serves TLS only and reaches a
   * TLS-only memcached; `preferred` serves both and reaches a plaintext memcached.
   */
  async function startDiscoveryNode(driver: EngineDriver, spec: NodeStartSpec, discovery: DiscoveryReplies, preferredPort?: number): Promise<EngineNode> {
    const { iam: _iam, discovery: _discovery, ...engineSpec } = spec;
    const mode = spec.transitEncryption;
    const endpointTls = memcachedEndpointTls(mode);
    const front = await startFront(preferredPort, (port) =>
      new MemcachedConfigEndpoint({ bindHost: config.nodeBindHost, port, logger, tls: endpointTls, node: { name: spec.nodeName, discovery } }),
    );
    let engine: EngineNode;
    try {
      engine = await startOnFreePort(config.nodePorts, undefined, (port) =>
        driver.start({
          ...engineSpec,
          transitEncryption: mode === "required" ? mode : undefined,
          port,
          bindHost: config.nodeBindHost,
          tls: mode === "required" ? nodeTls(mode, driver, port) : undefined,
        }),
      );
    } catch (error) {
      await front.stop();
      throw error;
    }
    front.setTargets(engine.endpoint);
    return new RoutedNode(engine, front, () => undefined, mode === "required" ? { ca: tlsOrThrow().caPem } : undefined, [engine.endpoint]);
  }

  /**
   * A node with a listener of ours on its public port, started first (cluster mode nodes
   * announce it), then the engine on a plaintext and a TLS port of the range: a TlsRouter for
   * `preferred`, an IamFront (in either mode) for a cache whose users may be IAM users.
   */
  async function startRoutedNode(driver: EngineDriver, spec: NodeStartSpec, preferredPort?: number): Promise<EngineNode> {
    const name = spec.nodeName;
    const mode = spec.transitEncryption!;
    const { iam, throttle, discovery: _discovery, ...engineSpec } = spec;
    let admin: { user: string; password: string } | undefined;
    const makeFront = (port: number): NodeFront & { start(): Promise<void>; setTargets(plain: { host: string; port: number }, tls: { host: string; port: number }): void } =>
      iam ? iamFront(port, { name, mode, iam, throttle }, () => admin) : new TlsRouter({ bindHost: config.nodeBindHost, port, logger, name });
    const router = await startFront(preferredPort, makeFront);
    let tlsPort = 0;
    let engine: EngineNode;
    try {
      engine = await startOnFreePort(config.nodePorts, undefined, async (port) => {
        const candidate = await allocatePortWhenFree(config.nodePorts);
        try {
          // The engine's listeners are always both kinds here; the front decides what clients get.
          const started = await driver.start({ ...engineSpec, port, bindHost: config.nodeBindHost, tls: nodeTls("preferred", driver, router!.port, candidate) });
          tlsPort = candidate;
          return started;
        } catch (error) {
          releasePort(candidate);
          throw error;
        }
      });
    } catch (error) {
      await router.stop();
      throw error;
    }
    admin = engine.adminAuth;
    const targets = { plain: engine.endpoint, tls: { host: engine.endpoint.host, port: tlsPort } };
    router.setTargets(targets.plain, targets.tls);
    let released = false;
    return new RoutedNode(
      engine,
      router,
      () => {
        if (released) return;
        released = true;
        releasePort(tlsPort);
      },
      mode === "required" ? { ca: tlsOrThrow().caPem } : undefined,
      [targets.plain, targets.tls],
    );
  }

  /**
   * A TLS-only Redis/Valkey node whose IAM front comes and goes (nodes/on-demand-front-node.ts):
   * the engine's TLS listener on the public port (preferredPort when it is free), its plaintext
   * one on a port of the range, and no front until the node is asked for one.
   */
  async function startOnDemandFrontNode(driver: EngineDriver, spec: NodeStartSpec & { iam: IamCacheScope }, preferredPort?: number): Promise<EngineNode> {
    const { iam, throttle, discovery: _discovery, frontOnDemand: _onDemand, ...engineSpec } = spec;
    const name = spec.nodeName;
    let node: OnDemandFrontNode | undefined;
    // The public port is taken as a listener's is; "starting" it starts the engine with its TLS listener there.
    await startFront(preferredPort, (publicPort) => ({
      port: publicPort,
      start: async () => {
        let engine: EngineNode;
        try {
          // Which of its ports was taken the engine does not say: its plaintext port moves first, then the public one.
          engine = await startOnFreePort(config.nodePorts, undefined, (port) =>
            driver.start({ ...engineSpec, port, bindHost: config.nodeBindHost, tls: nodeTls("preferred", driver, publicPort, publicPort) }), { maxAttempts: 3 });
        } catch (error) {
          throw error instanceof NoFreePortError ? new PortInUseError(publicPort) : error;
        }
        node = new OnDemandFrontNode({
          engine,
          publicPort,
          ca: tlsOrThrow().caPem,
          makeFront: (port) => iamFront(port, { name, mode: "required", iam, throttle }, () => engine.adminAuth),
          allocatePort: () => allocatePort(config.nodePorts),
          releasePort: (port) => releasePort(port),
          releasePublic: () => releasePort(publicPort),
        });
      },
      stop: async () => node?.stop(),
    }));
    return node!;
  }

  return {
    async startNode({ iam, throttle, discovery, frontOnDemand, ...spec }: NodeStartSpec, preferredPort?: number): Promise<EngineNode> {
      const { driver } = registry.resolve(spec.engine, spec.engineVersion);
      const mode = spec.transitEncryption;
      if (frontOnDemand) {
        if (!iam || mode !== "required" || spec.engine === "memcached") throw new Error("a front on demand is for TLS-only Redis/Valkey nodes that check IAM tokens");
        const node = await startOnDemandFrontNode(driver, { ...spec, iam, throttle }, preferredPort);
        await node.ready();
        return node;
      }
      // Auto Discovery on the node's own endpoint (README: Cache clusters).
      if (discovery && spec.engine === "memcached" && config.memcachedNodeDiscovery) {
        const node = await startDiscoveryNode(driver, spec, discovery, preferredPort);
        await node.ready();
        return node;
      }
      if (iam && driver.id === "embedded") {
        throw new Error("IAM authentication needs the real engines (redis-server or valkey-server with TLS and ACLs), not the embedded fallback");
      }
      const fronted = mode !== undefined && iam !== undefined && spec.engine !== "memcached";
      const node =
        mode === "preferred" || fronted
          ? await startRoutedNode(driver, { ...spec, iam: fronted ? iam : undefined, throttle: fronted ? throttle : undefined }, preferredPort)
          : await onPreferredOrRange(preferredPort, (port) =>
              driver.start({ ...spec, port, bindHost: config.nodeBindHost, tls: mode ? nodeTls(mode, driver, port) : undefined }),
            );
      await node.ready();
      return node;
    },

    tlsUnavailable(engine: EngineKind, engineVersion: string): string | undefined {
      const { driver } = registry.resolve(engine, engineVersion);
      if (driver.id !== "embedded") return undefined;
      const binaries = engine === "memcached" ? "memcached" : "redis-server or valkey-server";
      return `TransitEncryptionEnabled (and the AUTH tokens and user groups that need it) requires the real ${engine} engine: ${binaries} is not installed here (or --engine embedded is set), and the embedded engine subset has no TLS and no ACLs. Install ${binaries}, or leave TransitEncryptionEnabled off.`;
    },

    startConfigEndpoint(preferredPort?: number, transitEncryption?: TransitEncryptionMode, options: ConfigEndpointOptions = {}): Promise<ConfigEndpoint> {
      const endpointTls = memcachedEndpointTls(transitEncryption);
      return startListener(preferredPort, (port) => new MemcachedConfigEndpoint({ bindHost: config.nodeBindHost, port, logger, tls: endpointTls, refuse: options.refuse, throttle: options.throttle }));
    },

    startForwarder(name: string, preferredPort?: number, options: ForwarderOptions = {}): Promise<Forwarder> {
      if (haproxy && !options.tls) {
        const { binary, workRoot, pidRegistry } = haproxy;
        return startListener(preferredPort, (port) =>
          new HaproxyForwarder({
            binary: binary.path,
            bindHost: config.nodeBindHost,
            port,
            logger,
            name,
            // "_" cannot start a cluster id, so this never meets a node's directory.
            dir: path.join(workRoot, "_forwarders", String(port)),
            pidRegistry,
          }),
        );
      }
      return startListener(preferredPort, (port) => new TcpForwarder({ bindHost: config.nodeBindHost, port, logger, name }));
    },
  };
}
