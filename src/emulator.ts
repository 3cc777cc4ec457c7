/**
 * The composition root: wires config, engines, the data plane (data-plane.ts), actions and
 * the HTTP server, and owns start/stop. Every process it starts ends in stop().
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";
import { actions } from "./actions/index.js";
import { resolveConfig, type EmulatorConfig, type EmulatorOptions } from "./config.js";
import { DataPlane } from "./data-plane.js";
import { createNodeLauncher } from "./nodes/launcher.js";
import { chooseForwarder, type HaproxyBinary } from "./nodes/forwarder-choice.js";
import { parentDeathSignalAvailable } from "./process/parent-death.js";
import { PidRegistry, reapOrphans } from "./process/pid-registry.js";
import { createEngineRegistry, type EngineRegistry } from "./engines/registry.js";
import { describeEngineVersions } from "./engines/version-mapping.js";
import { listen } from "./process/listen.js";
import { createLogger, type Logger } from "./logger.js";
import { emulatorRoutes } from "./server/emulator-routes.js";
import { createHttpServer } from "./server/http-server.js";
import { createApiRouter } from "./server/router.js";
import { createStrictAuth } from "./server/strict-auth.js";
import { allEngineVersions } from "./catalog/catalog.js";
import { dataDirLayout, runDir, type DataDirLayout } from "./state/data-dir.js";
import { AlarmStore, cloudwatchService, MetricStore } from "./services/cloudwatch/index.js";
import { Monitoring } from "./services/cloudwatch/monitoring.js";
import { DashboardHistory, dashboardData } from "./server/dashboard.js";
import { PrometheusMetrics } from "./server/prometheus.js";
import { elasticacheService } from "./services/elasticache/index.js";
import { StatePersister } from "./state/persistence.js";
import { Store } from "./state/store.js";
import { ensureTlsMaterial, type TlsMaterial } from "./tls/certificates.js";
import { loadInit, type InitEntry } from "./provisioning/init-file.js";
import { endpointsAsEnv, listEndpoints } from "./provisioning/endpoints.js";
import { forgetAppliedEntries, Provisioner } from "./provisioning/provisioner.js";
import { createFaultInjection, type FaultInjection } from "./faults/index.js";

import { NetworkFaults } from "./faults/network-faults.js";

export interface Emulator {
  /** The API URL, e.g. http://127.0.0.1:4510 (the real port when started on port 0). */
  readonly url: string;
  readonly config: EmulatorConfig;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Removes every resource and stops every engine. */
  reset(): Promise<void>;
  /**
   * The CA that signs every TLS endpoint (TransitEncryptionEnabled), once started: its PEM
   * file (kept in the data dir when there is one) and text, also served at `/_emulator/ca.pem`.
   */
  readonly ca: { file: string; pem: string } | undefined;
  /** With a data dir: resolves once every resource restored at start is back (or deleted, or failed). */
  readonly restored: Promise<void>;
  /** Reads every node's metrics now (one sampling round, as the sampler does every --metrics-interval-ms); resolves once stored. */
  sampleMetrics(): Promise<void>;
  /** Evaluates every metric alarm now, as the evaluator does at each period's end. */
  evaluateAlarms(): void;
}

/** The data dir's record of the init entries already applied (README: Provisioning at start). */
const APPLIED_ENTRIES_FILE = "init-applied.json";

export function createEmulator(options: EmulatorOptions & { logger?: Logger } = {}): Emulator {
  const config = resolveConfig(options);
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = new Store();
  const alarms = new AlarmStore();
  const metrics = new MetricStore();
  const history = new DashboardHistory();
  let monitoring: Monitoring | undefined;
  const prometheus = new PrometheusMetrics({ monitoring: () => monitoring, alarms });
  let server: Server | undefined;
  let url = "";
  let dataPlane: DataPlane | undefined;
  let registry: EngineRegistry | undefined;
  let pids: PidRegistry | undefined;
  let tempRoot: string | undefined;
  let layout: DataDirLayout | undefined;
  let haproxy: HaproxyBinary | undefined;
  let tlsMaterial: TlsMaterial | undefined;
  let persister: StatePersister | undefined;
  let restored: Promise<void> = Promise.resolve();
  let provisioner: Provisioner | undefined;
  let faults: FaultInjection | undefined;
  let networkFaults: NetworkFaults | undefined;

  async function start(): Promise<void> {
    if (server) throw new Error("the emulator is already started");
    // A file that cannot be read or has a malformed entry stops the start before anything runs.
    const initEntries: InitEntry[] | undefined = config.init !== undefined ? await loadInit(config.init) : undefined;
    // With a data dir the records survive restarts (README: Persistence); without, nothing is written.
    const claimed = config.dataDir ? new StatePersister(config.dataDir, store, logger) : undefined;
    await claimed?.acquire();
    persister = claimed;
    // Engines end with this process however it dies (kill -9 too) where the kernel can be asked to;
    // the reaper stops what a run without that, or an older version, left behind.
    parentDeathSignalAvailable(logger);
    const reaped = await reapOrphans(runDir(config.dataDir), logger);
    if (reaped > 0) logger.warn(`stopped ${reaped} engine process(es) left by an emulator that did not stop cleanly`);
    pids = new PidRegistry(runDir(config.dataDir), { logger });
    registry = await createEngineRegistry({
      mode: config.engineMode,
      redisServerPath: config.redisServerPath,
      valkeyServerPath: config.valkeyServerPath,
      memcachedPath: config.memcachedPath,
      allowRestrictedCommands: config.allowRestrictedCommands,
      logger,
      pidRegistry: pids,
    });
    if (!config.dataDir) tempRoot = await mkdtemp(join(tmpdir(), "elasticache-local-"));
    const dirs = (layout = dataDirLayout({ dataDir: config.dataDir, tempRoot, snapshotExportDir: config.snapshotExportDir }));
    const hadState = (await persister?.load()) ?? false;
    const commit = persister ? () => persister!.commit() : undefined;
    const written = persister ? () => persister!.written() : undefined;
    const onChange = commit ? () => void commit() : undefined;
    tlsMaterial = await ensureTlsMaterial(dirs.tls, [config.advertisedHost, config.nodeBindHost]).catch((error: Error) => {
      logger.warn(`TLS in transit is unavailable: ${error.message}`);
      return undefined;
    });
    haproxy = await chooseForwarder({ mode: config.forwarder, haproxyPath: config.haproxyPath, nodeBindHost: config.nodeBindHost }, logger);
    const launcher = createNodeLauncher({ registry, config, logger, tls: tlsMaterial, haproxy: haproxy && { binary: haproxy, workRoot: dirs.nodes, pidRegistry: pids } });
    await mkdir(dirs.restore, { recursive: true });
    dataPlane = new DataPlane({ config, store, launcher, layout: dirs, logger, onChange });
    const services = dataPlane.services;
    networkFaults = new NetworkFaults({ config, store, clusters: services.clusters, serverless: services.serverless, logger });
    const injection = (faults = createFaultInjection({ store, services, holds: dataPlane.holds, logger, networkFaults }));
    injection.registry.addSource(networkFaults);
    restored = dataPlane.start(hadState);
    const elasticache = elasticacheService({ actions, store, services, commit, written });
    const watch = (monitoring = new Monitoring({
      alarms,
      metrics,
      store,
      clusters: services.clusters,
      serverless: services.serverless,
      intervalMs: config.metricsIntervalMs,
      dataDir: config.dataDir,
      logger,
      onRound: (now, samples) => history.record(now, samples),
    }));
    await watch.start();
    const cloudwatch = cloudwatchService({ alarms, metrics, changed: (evaluate) => watch.changed(evaluate) });
    const defaults = { accountId: config.defaultAccountId, region: config.defaultRegion };
    const appliedEntriesFile = config.dataDir ? join(config.dataDir, APPLIED_ENTRIES_FILE) : undefined;
    const provisioning = initEntries && (provisioner = new Provisioner({ services: [elasticache, cloudwatch], defaults, logger, ledgerFile: appliedEntriesFile }));
    server = createHttpServer({
      maxBodyBytes: config.maxBodyBytes,
      logger,
      authenticate: config.strictAuth ? createStrictAuth({ credentials: config.credentials }) : undefined,
      api: createApiRouter({
        services: [elasticache, cloudwatch],
        fallback: elasticache,
        defaults: { accountId: config.defaultAccountId, region: config.defaultRegion },
        onAnswer: (service, action, status) => prometheus.recordAnswer(service, action, status),
        interceptor: injection.chaos,
      }),
      handleEmulator: emulatorRoutes({
        health: () => ({
          engines: registry?.describe(),
          forwarder: haproxy ? { driver: "haproxy", binary: haproxy.path, version: haproxy.version } : { driver: "node" },
          serverlessWarmPair: services.serverless.warmPairState,
        }),
        caPem: () => tlsMaterial?.caPem,
        reset,
        readiness: provisioning ? () => ({ ready: provisioning.progress.phase === "provisioned", provisioning: provisioning.progress }) : undefined,
        endpoints: async () => {
          const scopes = store.allRegions().map((r) => ({ accountId: r.key.accountId, region: r.key.region }));
          const json = await listEndpoints({ elasticache, scopes, defaults, logger });
          return { json, env: endpointsAsEnv(json) };
        },
        metrics: () => prometheus.scrape(),
        dashboard: () =>
          dashboardData({ store, alarms, history, advertisedHost: config.advertisedHost, intervalMs: config.metricsIntervalMs, faults: () => injection.registry.list(), nodes: () => injection.nodes.nodes() }),
        more: injection.routes,
      }),
    });
    await listen(server, config.port, config.host);
    const address = server.address() as AddressInfo;
    url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${address.port}`;
    logger.info(`elasticache-local listening on ${url}`);
    for (const line of describeEngineVersions(registry, allEngineVersions())) logger.info(line);
    logger.info(haproxy ? `replication group endpoints: haproxy ${haproxy.version} (${haproxy.path})` : "replication group endpoints: Node forwarder");
    if (provisioning && initEntries) {
      // Health answers 503 meanwhile; start() resolves only once every entry is available, and a
      // failing entry stops everything: never a half-provisioned emulator reported healthy.
      try {
        await restored;
        await provisioning.run(initEntries, { restoredState: hadState });
      } catch (error) {
        // Unless stop() is what ended it (it is then stopping everything already).
        if (provisioner === provisioning) {
          logger.error((error as Error).message);
          await stop();
        }
        throw error;
      }
    }
  }

  async function reset(): Promise<void> {
    // Paused engines resume and held replacements go before everything stops.
    await faults?.registry.clearAll();
    await dataPlane?.reset();
    store.clear();
    await monitoring?.reset();
    history.clear();
    // Removed resources leave no files a new resource of the same name could load.
    if (config.dataDir && layout) await rm(layout.nodes, { recursive: true, force: true });
    // Nothing the init file made is left: the next start applies it again.
    if (config.dataDir) await forgetAppliedEntries(join(config.dataDir, APPLIED_ENTRIES_FILE));
    await persister?.commit();
  }

  async function stop(): Promise<void> {
    provisioner?.cancel();
    provisioner = undefined;
    const closing = server;
    server = undefined;
    if (closing) {
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    }
    await faults?.registry.clearAll();
    faults = undefined;
    // The sampler stops (its round in flight ends) before the engines it reads.
    await monitoring?.stop();
    monitoring = undefined;
    await networkFaults?.stop();
    networkFaults = undefined;
    await dataPlane?.stop();
    dataPlane = undefined;
    // The records stay on disk as they are (a later start restores them); the store is then emptied.
    await persister?.close();
    persister = undefined;
    store.clear();
    alarms.clear();
    metrics.clear();
    history.clear();
    await pids?.close();
    if (tempRoot) await rm(tempRoot, { recursive: true, force: true });
    tempRoot = undefined;
    tlsMaterial = undefined;
  }

  return {
    get url() {
      return url;
    },
    get restored() {
      return restored;
    },
    config,
    get ca() {
      return tlsMaterial ? { file: tlsMaterial.caFile, pem: tlsMaterial.caPem } : undefined;
    },
    start,
    stop,
    reset,
    sampleMetrics: () => monitoring?.sampler.sampleNow() ?? Promise.resolve(),
    evaluateAlarms: () => monitoring?.evaluator.evaluateAll(Date.now(), true),
  };
}
