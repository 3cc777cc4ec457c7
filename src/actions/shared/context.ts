/**
 * What an action handler gets: the caller's state in both scopes (its account and region,
 * and its account across regions) and the emulator's services.
 * Handlers never see HTTP, forms or XML: typed input in, typed output out.
 */
import type { EmulatorConfig } from "../../config.js";
import type { EngineKind } from "../../engine-terms.js";
import type { OperationName, OperationTypes } from "../../generated/elasticache.js";
import type { EmulatorClock } from "../../lifecycle/clock.js";
import type { AccessControl } from "../../lifecycle/access-control.js";
import type { ClusterLifecycle } from "../../lifecycle/cluster-lifecycle.js";
import type { GlobalReplication } from "../../lifecycle/global-replication.js";
import type { ReplicationLifecycle } from "../../lifecycle/replication-lifecycle.js";
import type { ReservedNodeLifecycle } from "../../lifecycle/reserved-node-lifecycle.js";
import type { ServerlessLifecycle } from "../../lifecycle/serverless-lifecycle.js";
import type { UpdateActions } from "../../lifecycle/update-actions.js";
import type { Logger } from "../../logger.js";
import type { ServerlessSnapshots } from "../../snapshots/serverless-snapshots.js";
import type { SnapshotService } from "../../snapshots/snapshot-service.js";
import type { AccountState, RegionState, Store } from "../../state/store.js";

export interface Services {
  config: EmulatorConfig;
  /** The emulator's one calendar (`--clock-scale`). */
  clock: EmulatorClock;
  clusters: ClusterLifecycle;
  replication: ReplicationLifecycle;
  access: AccessControl;
  snapshots: SnapshotService;
  /** Why TLS in transit cannot run for this engine and version here (the embedded subset), if so. */
  tlsUnavailable(engine: EngineKind, engineVersion: string): string | undefined;
  serverless: ServerlessLifecycle;
  serverlessSnapshots: ServerlessSnapshots;
  /** Service updates applied to groups and clusters (BatchApplyUpdateAction). */
  updates: UpdateActions;
  reserved: ReservedNodeLifecycle;
  /** Global datastores: their steps and the replication between their member groups. */
  global: GlobalReplication;
  /** Every account and region (global datastores reach member groups in other regions). */
  store: Store;
}

export interface ActionContext {
  requestId: string;
  accountId: string;
  region: string;
  /** The caller's account and region. */
  state: RegionState;
  /** The caller's account, across regions (global datastores). */
  account: AccountState;
  logger: Logger;
  services: Services;
}

export type ActionInput<Op extends OperationName> = OperationTypes[Op]["input"];
export type ActionOutput<Op extends OperationName> = OperationTypes[Op]["output"];

export type ActionHandler<Op extends OperationName> = (
  ctx: ActionContext,
  input: ActionInput<Op>,
) => Promise<ActionOutput<Op>>;

export type ActionTable = { [Op in OperationName]?: ActionHandler<Op> };
