/**
 * The composition root: wires config, engines, lifecycle, actions and the HTTP server,
 * and owns start/stop. Every process it starts ends in stop().
 */
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import { actions } from "./actions/index.js";
import type { Services } from "./actions/context.js";
import { resolveConfig, type EmulatorConfig, type EmulatorOptions } from "./config.js";
import { createNodeLauncher } from "./engines/launcher.js";
import { chooseForwarder, type HaproxyBinary } from "./endpoints/forwarder-choice.js";
import { defaultRunDir, PidRegistry, reapOrphans } from "./engines/pid-registry.js";
import { createEngineRegistry, type EngineRegistry } from "./engines/registry.js";
import { describeEngineVersions } from "./engines/version-mapping.js";
import { ClusterLifecycle } from "./lifecycle/cluster-lifecycle.js";
import { ReplicationLifecycle } from "./lifecycle/replication-lifecycle.js";
import { redisTopology } from "./lifecycle/topology.js";
import { listen } from "./listen.js";
import { createLogger, type Logger } from "./logger.js";
import { getServiceModel } from "./protocol/model.js";
import { handleApiRequest } from "./server/api-handler.js";
import { createHttpServer } from "./server/http-server.js";
import { allEngineVersions } from "./state/catalog.js";
import { Store } from "./state/store.js";

export interface Emulator {
  /** The API URL, e.g. http://127.0.0.1:4510 (the real port when started on port 0). */
  readonly url: string;
  readonly config: EmulatorConfig;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Removes every resource and stops every engine. */
  reset(): Promise<void>;
}

export function createEmulator(options: EmulatorOptions & { logger?: Logger } = {}): Emulator {
  const config = resolveConfig(options);
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = new Store();
  let server: Server | undefined;
  let url = "";
  let clusters: ClusterLifecycle | undefined;
  let replication: ReplicationLifecycle | undefined;
  let registry: EngineRegistry | undefined;
  let pids: PidRegistry | undefined;
  let tempRoot: string | undefined;
  let haproxy: HaproxyBinary | undefined;

  async function start(): Promise<void> {
    if (server) throw new Error("the emulator is already started");
    const runDir = defaultRunDir(config.dataDir);
    const reaped = await reapOrphans(runDir, logger);
    if (reaped > 0) logger.warn(`stopped ${reaped} engine process(es) left by an emulator that did not stop cleanly`);
    pids = new PidRegistry(runDir, { logger });
    registry = await createEngineRegistry({
      mode: config.engineMode,
      redisServerPath: config.redisServerPath,
      valkeyServerPath: config.valkeyServerPath,
      memcachedPath: config.memcachedPath,
      allowRestrictedCommands: config.allowRestrictedCommands,
      logger,
      pidRegistry: pids,
    });
    const workRoot = config.dataDir ? join(config.dataDir, "nodes") : (tempRoot = await mkdtemp(join(tmpdir(), "elasticache-local-")));
    haproxy = await chooseForwarder({ mode: config.forwarder, haproxyPath: config.haproxyPath, nodeBindHost: config.nodeBindHost }, logger);
    const launcher = createNodeLauncher({ registry, config, logger, haproxy: haproxy && { binary: haproxy, workRoot, pidRegistry: pids } });
    clusters = new ClusterLifecycle({
      launcher,
      delays: config.delays,
      nodeMemoryScale: config.nodeMemoryScale,
      advertisedHost: config.advertisedHost,
      workRoot,
      logger,
    });
    replication = new ReplicationLifecycle({ clusters, launcher, topology: redisTopology, delays: config.delays, logger });
    const services: Services = { config, clusters, replication };
    const model = getServiceModel();
    server = createHttpServer({
      maxBodyBytes: config.maxBodyBytes,
      defaults: { accountId: config.defaultAccountId, region: config.defaultRegion },
      logger,
      handleApi: (params, caller, requestId, requestLogger) =>
        handleApiRequest({ model, actions, store, services }, params, caller, requestId, requestLogger),
      handleEmulator: async (method, name) => {
        if (name === "health" && method === "GET") return { status: 200, json: { status: "running", engines: registry?.describe(), forwarder: haproxy ? { driver: "haproxy", binary: haproxy.path, version: haproxy.version } : { driver: "node" } } };
        if (name === "reset" && method === "POST") {
          await reset();
          return { status: 200, json: { status: "reset" } };
        }
        return undefined;
      },
    });
    await listen(server, config.port, config.host);
    const address = server.address() as AddressInfo;
    url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${address.port}`;
    logger.info(`elasticache-local listening on ${url}`);
    for (const line of describeEngineVersions(registry, allEngineVersions())) logger.info(line);
    logger.info(haproxy ? `replication group endpoints: haproxy ${haproxy.version} (${haproxy.path})` : "replication group endpoints: Node forwarder");
  }

  async function reset(): Promise<void> {
    await replication?.stopAll();
    await clusters?.stopAll();
    store.clear();
  }

  async function stop(): Promise<void> {
    const closing = server;
    server = undefined;
    if (closing) {
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    }
    await replication?.stopAll();
    await clusters?.stopAll();
    store.clear();
    await pids?.close();
    if (tempRoot) await rm(tempRoot, { recursive: true, force: true });
    tempRoot = undefined;
  }

  return {
    get url() {
      return url;
    },
    config,
    start,
    stop,
    reset,
  };
}
