/**
 * Starts what a cluster needs on ports from the configured range: engine nodes
 * (through the registry's driver for the engine and version) and Memcached Auto
 * Discovery endpoints.
 */
import path from "node:path";
import type { EmulatorConfig } from "../config.js";
import type { HaproxyBinary } from "../endpoints/forwarder-choice.js";
import { HaproxyForwarder } from "../endpoints/haproxy-forwarder.js";
import { MemcachedConfigEndpoint } from "../endpoints/memcached-config-endpoint.js";
import { TcpForwarder } from "../endpoints/tcp-forwarder.js";
import type { Logger } from "../logger.js";
import {
  PortInUseError,
  type ConfigEndpoint,
  type EngineNode,
  type Forwarder,
  type ForwarderOptions,
  type NodeLauncher,
  type NodeSpec,
} from "./engine.js";
import type { PidRegistry } from "./pid-registry.js";
import { allocatePort, releasePort, startOnFreePort } from "./ports.js";
import type { EngineRegistry } from "./registry.js";

export interface LauncherDeps {
  registry: EngineRegistry;
  config: EmulatorConfig;
  logger: Logger;
  /** When given, plaintext forwarders are haproxy processes (endpoints/forwarder-choice.ts). */
  haproxy?: {
    binary: HaproxyBinary;
    /** Each forwarder's config and runtime API socket go to `<workRoot>/_forwarders/<port>`. */
    workRoot: string;
    pidRegistry?: PidRegistry;
  };
}

export function createNodeLauncher({ registry, config, logger, haproxy }: LauncherDeps): NodeLauncher {
  /**
   * Binds an emulator-owned listener on preferredPort when free, else on a port of the range,
   * moving on at EADDRINUSE. The port goes back to the pool when the listener stops.
   */
  async function startListener<T extends { readonly port: number; start(): Promise<void>; stop(): Promise<void> }>(
    preferredPort: number | undefined,
    make: (port: number) => T,
  ): Promise<T> {
    let preferred = preferredPort;
    for (let attempt = 0; attempt < 200; attempt++) {
      let port: number;
      try {
        port = allocatePort(config.nodePorts, preferred);
      } catch (error) {
        if (!(error instanceof PortInUseError)) throw error;
        port = allocatePort(config.nodePorts);
      }
      const listener = make(port);
      try {
        await listener.start();
      } catch (error) {
        releasePort(port);
        if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" && !(error instanceof PortInUseError)) throw error;
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

  return {
    async startNode(spec: Omit<NodeSpec, "port" | "bindHost">, preferredPort?: number): Promise<EngineNode> {
      const { driver } = registry.resolve(spec.engine, spec.engineVersion);
      const node = await onPreferredOrRange(preferredPort, (port) =>
        driver.start({ ...spec, port, bindHost: config.nodeBindHost }),
      );
      await node.ready();
      return node;
    },

    startConfigEndpoint(preferredPort?: number): Promise<ConfigEndpoint> {
      return startListener(preferredPort, (port) => new MemcachedConfigEndpoint({ bindHost: config.nodeBindHost, port, logger }));
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
