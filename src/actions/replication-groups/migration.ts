/**
 * Online migration from the user's own Redis OSS server (lifecycle/migration.ts):
 * StartMigration makes the group's primary a replica of the source (`modifying`, then
 * `migrating`), TestMigration checks the source and reports it as an event,
 * CompleteMigration promotes the primary again with the data (`Force`: without waiting for
 * it to be in sync).
 *
 * Preconditions, checked in this order: the group exists; StartMigration/TestMigration on
 * a group under migration: ReplicationGroupAlreadyUnderMigrationFault; a group not
 * `available`: InvalidReplicationGroupState; then the target requirements of AWS's online
 * migration guide as InvalidParameterValue: one endpoint with an address and a port, cluster
 * mode disabled, no encryption in transit or at rest, Redis OSS 5.0.6 or later, no data
 * tiering (r6gd), Multi-AZ enabled.
 */
import { commonErrors } from "../../protocol/aws-error.js";
import { modelError } from "../../service-errors/elasticache.js";
import type { CustomerNodeEndpoint } from "../../generated/elasticache.js";
import type { MigrationRecord, ReplicationGroupRecord } from "../../state/records.js";
import { replicationGroupToWire } from "../../state/to-wire.js";
import type { ActionContext, ActionHandler } from "../shared/context.js";
import { findReplicationGroup } from "../shared/lookups.js";

/** The oldest Redis OSS engine AWS's online migration takes as a target. */
const MIN_TARGET_VERSION = [5, 0, 6];

function olderThan(version: string, min: number[]): boolean {
  const parts = version.split(".").map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < min.length; i++) {
    if ((parts[i] ?? 0) !== min[i]) return (parts[i] ?? 0) < min[i];
  }
  return false;
}

function wire(ctx: ActionContext, group: ReplicationGroupRecord) {
  return replicationGroupToWire(group, (id) => ctx.state.clusters.get(id), ctx.services.config.advertisedHost);
}

/** StartMigration's and TestMigration's checks; the source endpoint they name. */
function checkMigrationRequest(group: ReplicationGroupRecord, endpoints: CustomerNodeEndpoint[] | undefined): MigrationRecord["source"] {
  if (group.migration || group.status === "migrating") {
    throw modelError("ReplicationGroupAlreadyUnderMigrationFault", `Replication group ${group.id} is already under migration.`);
  }
  if (group.status !== "available") {
    throw modelError("InvalidReplicationGroupStateFault", `Replication group ${group.id} is not in the available state (current status: ${group.status}).`);
  }
  const list = endpoints ?? [];
  if (list.length !== 1) {
    throw commonErrors.invalidParameterValue(`CustomerNodeEndpointList must have exactly one element for a cluster mode disabled replication group; got ${list.length}.`);
  }
  const [endpoint] = list;
  const address = endpoint.Address?.trim();
  if (!address) throw commonErrors.invalidParameterValue("The Address of the customer node endpoint is required.");
  if (endpoint.Port === undefined || !Number.isInteger(endpoint.Port) || endpoint.Port < 1 || endpoint.Port > 65535) {
    throw commonErrors.invalidParameterValue(`Invalid Port for the customer node endpoint: ${endpoint.Port ?? "missing"}. It must be between 1 and 65535.`);
  }
  if (group.clusterEnabled) {
    throw commonErrors.invalidParameterValue(`Migration is supported only for cluster mode disabled replication groups; ${group.id} has cluster mode enabled.`);
  }
  if (group.settings.transitEncryptionEnabled) {
    throw commonErrors.invalidParameterValue(`Migration is not supported for replication group ${group.id} with encryption in transit enabled.`);
  }
  if (group.settings.atRestEncryptionEnabled) {
    throw commonErrors.invalidParameterValue(`Migration is not supported for replication group ${group.id} with encryption at rest enabled.`);
  }
  if (group.engine === "redis" && olderThan(group.engineVersion, MIN_TARGET_VERSION)) {
    throw commonErrors.invalidParameterValue(`Migration requires Redis OSS engine version 5.0.6 or later; ${group.id} runs ${group.engineVersion}.`);
  }
  if (group.settings.dataTiering) {
    throw commonErrors.invalidParameterValue(`Migration is not supported for replication group ${group.id} with data tiering.`);
  }
  if (!group.multiAZ) {
    throw commonErrors.invalidParameterValue(`Migration requires Multi-AZ to be enabled on replication group ${group.id}.`);
  }
  return { address, port: endpoint.Port };
}

export const startMigration: ActionHandler<"StartMigration"> = async (ctx, input) => {
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
  const source = checkMigrationRequest(group, input.CustomerNodeEndpointList);
  group.migration = { source };
  group.status = "modifying";
  ctx.services.replication.migration.start(ctx.state, group);
  return { ReplicationGroup: wire(ctx, group) };
};

export const testMigration: ActionHandler<"TestMigration"> = async (ctx, input) => {
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
  const source = checkMigrationRequest(group, input.CustomerNodeEndpointList);
  ctx.services.replication.migration.test(ctx.state, group, source);
  return { ReplicationGroup: wire(ctx, group) };
};

export const completeMigration: ActionHandler<"CompleteMigration"> = async (ctx, input) => {
  const group = findReplicationGroup(ctx.state, input.ReplicationGroupId);
  if (!group.migration) {
    throw modelError("ReplicationGroupNotUnderMigrationFault", `Replication group ${group.id} is not under migration.`);
  }
  if (group.status !== "migrating") {
    throw modelError("InvalidReplicationGroupStateFault", `Replication group ${group.id} is not in the migrating state (current status: ${group.status}).`);
  }
  group.status = "modifying";
  ctx.services.replication.migration.complete(ctx.state, group, input.Force === true);
  return { ReplicationGroup: wire(ctx, group) };
};
