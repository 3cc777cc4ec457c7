/**
 * The data plane: the services that run engines and endpoints for the records (the
 * lifecycles, access control, the snapshot service), built once with their collaborators
 * passed in at construction, and the ONE ordered list that stops, resets and recovers them:
 * a new family with engines is built here and given one entry in that list.
 */
import type { Services } from "./actions/shared/context.js";
import type { EmulatorConfig } from "./config.js";
import type { NodeLauncher } from "./nodes/node-launcher.js";
import { AccessControl } from "./lifecycle/access-control.js";
import { applyPendingClusterChanges } from "./actions/cache-clusters/modify-cache-cluster.js";
import { applyPendingGroupChanges } from "./actions/replication-groups/modify-replication-group.js";
import { EmulatorClock } from "./lifecycle/clock.js";
import { Maintenance } from "./lifecycle/maintenance.js";
import { UpdateActions } from "./lifecycle/update-actions.js";
import { ClusterLifecycle, type MemberLoss } from "./lifecycle/cluster-lifecycle.js";
import { DataRestore } from "./lifecycle/data-restore.js";
import { GlobalReplication } from "./lifecycle/global-replication.js";
import { NodeAcl } from "./lifecycle/node-acl.js";
import { recoverResources, type Recoverable } from "./lifecycle/recovery.js";
import { ReplacementHolds } from "./lifecycle/replacement-holds.js";
import { ReplicationLifecycle } from "./lifecycle/replication-lifecycle.js";
import { ReservedNodeLifecycle } from "./lifecycle/reserved-node-lifecycle.js";
import { ServerlessLifecycle } from "./lifecycle/serverless-lifecycle.js";
import { redisTopology } from "./lifecycle/topology.js";
import type { Logger } from "./logger.js";
import { SnapshotFiles } from "./snapshots/snapshot-files.js";
import { ServerlessSnapshots } from "./snapshots/serverless-snapshots.js";
import { SnapshotService } from "./snapshots/snapshot-service.js";
import type { DataDirLayout } from "./state/data-dir.js";
import type { Store } from "./state/store.js";

export interface DataPlaneOptions {
  config: EmulatorConfig;
  store: Store;
  launcher: NodeLauncher;
  layout: DataDirLayout;
  logger: Logger;
  /** Records may have changed (the end of each piece of lifecycle work): persist them. */
  onChange?: () => void;
}

/**
 * One part of the data plane, as the list stops and resets it. Every part is first halted
 * (its pending delays cancelled, new work refused), then each is stopped in order. A part
 * in the `background` begins at its turn and is awaited at the end: the snapshot service's
 * work in flight waits on lifecycle work that only the lifecycles' own stops end.
 */
interface Part {
  name: string;
  /** Cancels its pending delays at once, so work of another part waiting on it ends soon. */
  halt?(): void;
  /** Stops its engines, endpoints and timers. */
  stop(): Promise<void>;
  /** Stops its engines and forgets what it holds besides the records (the store is cleared after). */
  reset(): Promise<void>;
  /** After a restart with a data dir: brings its resources of a region back (lifecycle/recovery.ts). */
  recover?: Recoverable["recover"];
  background?: boolean;
}

export class DataPlane {
  readonly services: Services;
  /** Maintenance windows on the emulator's clock (lifecycle/maintenance.ts). */
  readonly maintenance: Maintenance;
  /** Replacements of lost members that wait (a zone without power): the fault injection holds them. */
  readonly holds = new ReplacementHolds();
  private readonly parts: Part[];

  constructor(private readonly options: DataPlaneOptions) {
    const { config, store, launcher, layout, logger, onChange } = options;
    const acl = new NodeAcl({ allowRestrictedCommands: config.allowRestrictedCommands, logger });
    // Members' engine exits go to the replication lifecycle, built next: the relay resolves at the first exit, long after both exist.
    const memberLoss: MemberLoss = { lost: (region, cluster) => replication.lost(region, cluster) };
    const clusters = new ClusterLifecycle({
      launcher,
      access: acl,
      memberLoss,
      delays: config.delays,
      nodeMemoryScale: config.nodeMemoryScale,
      advertisedHost: config.advertisedHost,
      workRoot: layout.nodes,
      logger,
      durableNodes: config.dataDir !== undefined,
      onChange,
    });
    const dataRestore = new DataRestore({ launcher, scratchRoot: layout.restore, logger });
    const replication = new ReplicationLifecycle({ clusters, launcher, topology: redisTopology, dataRestore, delays: config.delays, logger, onChange, replacementAllowed: (c) => this.holds.allowed(c) });
    const files = new SnapshotFiles(layout.snapshots, layout.exports);
    // One calendar for maintenance windows, automatic snapshots and service update dates.
    const clock = new EmulatorClock(config.clockScale);
    const snapshots = new SnapshotService({ config, clock, store, clusters, replication, files, logger });
    const serverless = new ServerlessLifecycle({
      launcher,
      nodePorts: config.nodePorts,
      topology: redisTopology,
      acl,
      delays: config.delays,
      advertisedHost: config.advertisedHost,
      workRoot: layout.nodes,
      scratchRoot: layout.restore,
      warmRoot: layout.warm,
      memoryScale: config.nodeMemoryScale,
      allowRestrictedCommands: config.allowRestrictedCommands,
      warmPair: config.serverlessWarmPair,
      logger,
      onChange,
    });
    const serverlessSnapshots = new ServerlessSnapshots({ config, clock, store, serverless, files, logger });
    const updates = new UpdateActions({ clock, clusters, replication, logger });
    const maintenance = (this.maintenance = new Maintenance({
      clock,
      store,
      updates,
      logger,
      // The actions' own apply functions: a window applies what ApplyImmediately would have.
      pending: {
        cluster: (region, cluster) => applyPendingClusterChanges(region, this.services, cluster),
        group: (region, group) => applyPendingGroupChanges(region, this.services, group),
      },
    }));
    const global = new GlobalReplication({
      store,
      engineNode: (c) => clusters.engineNode(c),
      groupSettled: (g) => replication.settled(g),
      topology: redisTopology,
      delays: config.delays,
      logger,
      onChange,
      launcher,
      scratchRoot: layout.restore,
      allowRestrictedCommands: config.allowRestrictedCommands,
    });
    const access = new AccessControl({ acl, engineOf: (c) => clusters.engineNode(c), delays: config.delays, logger, serverless });
    const reserved = new ReservedNodeLifecycle({ delays: config.delays, logger, onChange });
    this.services = {
      config,
      clock,
      clusters,
      replication,
      access,
      snapshots,
      serverless,
      serverlessSnapshots,
      updates,
      reserved,
      global,
      store,
      tlsUnavailable: (engine, engineVersion) => launcher.tlsUnavailable?.(engine, engineVersion),
    };
    // The order matters: user changes first, groups before their member clusters.
    this.parts = [
      {
        name: "service updates",
        halt: () => {
          maintenance.stop();
          updates.halt();
        },
        stop: () => updates.stopAll(),
        reset: async () => {
          await updates.stopAll();
          // A reset emulator keeps running: windows are watched again, from scratch.
          maintenance.reset();
          maintenance.start();
        },
        background: true,
      },
      { name: "reserved cache nodes", halt: () => reserved.halt(), stop: () => reserved.stopAll(), reset: () => reserved.stopAll() },
      { name: "global datastores", halt: () => global.halt(), stop: () => global.stopAll(), reset: () => global.reset() },
      { name: "access", halt: () => access.halt(), stop: () => access.stopAll(), reset: () => access.stopAll() },
      { name: "snapshots", stop: () => snapshots.stop(), reset: () => snapshots.reset(), background: true },
      { name: "serverless snapshots", stop: () => serverlessSnapshots.stop(), reset: () => serverlessSnapshots.reset(), background: true },
      { name: "serverless caches", halt: () => serverless.halt(), stop: () => serverless.stopAll(), reset: () => serverless.reset(), recover: (region) => serverless.recover(region) },
      { name: "replication groups", halt: () => replication.halt(), stop: () => replication.stopAll(), reset: () => replication.stopAll(), recover: (region) => replication.recover(region) },
      { name: "cache clusters", halt: () => clusters.halt(), stop: () => clusters.stopAll(), reset: () => clusters.stopAll(), recover: (region) => clusters.recover(region) },
    ];
  }

  /** Starts the automatic snapshot clock and, with restored records, brings every resource back; resolves once they are. */
  start(hadState: boolean): Promise<void> {
    this.services.snapshots.startAutomatic();
    this.services.serverlessSnapshots.startAutomatic();
    this.maintenance.start();
    this.services.global.start();
    if (!hadState) return Promise.resolve();
    const since = Date.now();
    const { store, logger, config } = this.options;
    const lifecycles = this.parts.filter((part): part is Part & Recoverable => part.recover !== undefined);
    return recoverResources({ store, lifecycles, logger }).then(() =>
      logger.info(`resources restored from ${config.dataDir} in ${Date.now() - since} ms`),
    );
  }

  /** Stops every engine, endpoint and timer (the records stay as they are). */
  stop(): Promise<void> {
    return this.inOrder((part) => part.stop());
  }

  /** Stops every engine and forgets every schedule and snapshot file (the caller clears the store). */
  reset(): Promise<void> {
    return this.inOrder((part) => part.reset());
  }

  private async inOrder(step: (part: Part) => Promise<void>): Promise<void> {
    for (const part of this.parts) part.halt?.();
    const background: Array<Promise<void>> = [];
    for (const part of this.parts) {
      const done = step(part);
      if (part.background) background.push(done);
      else await done;
    }
    await Promise.all(background);
  }
}
