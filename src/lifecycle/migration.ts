/**
 * Online migration (StartMigration, TestMigration, CompleteMigration): the replication
 * group's primary becomes a real replica (REPLICAOF) of the user's own redis-server, its
 * replicas keep replicating from it (chained), and the group is `migrating` until
 * CompleteMigration promotes the primary again (REPLICAOF NO ONE) with the data.
 *
 * While migrating, the group's own machinery keeps the primary pointed at the source: a
 * primary whose engine dies is replaced in place (no failover to a replica) and follows the
 * source again; after an emulator restart (--data-dir) the group comes back `migrating`
 * and the primary follows the source again (replication-recovery.ts).
 */
import type { EngineNode } from "../engines/engine.js";
import { admin, parseInfo, promote, replicationInfo, waitReplicaSynced, type AdminTarget } from "../engines/topology/index.js";
import { RespError } from "../engines/resp.js";
import type { MigrationRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState } from "../state/store.js";
import type { GroupRuntime } from "./group-endpoints.js";
import type { GroupMembers } from "./group-members.js";
import type { ResourceMachine } from "./resource-machine.js";

/** How long the primary may take to bring its link to the source up before StartMigration gives up (AWS: "retries several times"). */
const LINK_UP_TIMEOUT_MS = 30_000;
/** How long CompleteMigration waits for the primary to catch up with the source's offset. */
const IN_SYNC_TIMEOUT_MS = 30_000;
/** One source probe (connect, INFO). */
const PROBE_TIMEOUT_MS = 3_000;

/** The events a migration emits, in one place (AWS's wording where known: "Complete Migration successful for <rg-id>"). */
export const migrationEvents = {
  started: (id: string, s: MigrationRecord["source"]) => `Migration started for replication group ${id} from ${s.address}:${s.port}`,
  migrating: (id: string) => `Replication group ${id} is migrating: its primary replicates from the source endpoint`,
  startFailed: (id: string, why: string) => `Migration failed for replication group ${id}: ${why}. The primary was promoted back to primary`,
  testOk: (id: string) => `Test Migration successful for ${id}`,
  testFailed: (id: string, why: string) => `Test Migration failed for ${id}: ${why}`,
  completed: (id: string) => `Complete Migration successful for ${id}`,
  completeFailed: (id: string, why: string) => `Complete Migration failed for ${id}: ${why}`,
  resumed: (id: string) => `Migration resumed for replication group ${id} after the emulator restarted`,
};

/** admin() answers bulk replies as strings. */
const asText = (v: unknown): string => (Buffer.isBuffer(v) ? v.toString("utf8") : String(v ?? ""));

const sourceTarget = (s: MigrationRecord["source"]): AdminTarget => ({ endpoint: { host: s.address, port: s.port } });

function versionTuple(v: string): number[] {
  return v.split(".").map((p) => Number.parseInt(p, 10) || 0);
}

function newerThan(a: string, b: string): boolean {
  const [x, y] = [versionTuple(a), versionTuple(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
  }
  return false;
}

async function configValue(node: AdminTarget, name: string): Promise<string | undefined> {
  try {
    const reply = (await admin(node, ["CONFIG", "GET", name], { timeoutMs: PROBE_TIMEOUT_MS })) as unknown;
    return Array.isArray(reply) && reply.length >= 2 ? asText(reply[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `source` can be migrated into the node `target` (the group's primary): reachable
 * in plaintext without AUTH, a standalone (cluster mode disabled) Redis, not newer than the
 * target's engine, the same number of databases, and data that fits the node's memory.
 * Resolves with the reason it cannot, or undefined.
 */
export async function checkSource(source: MigrationRecord["source"], target: EngineNode): Promise<string | undefined> {
  const where = `${source.address}:${source.port}`;
  let info: Record<string, string>;
  try {
    info = parseInfo(asText(await admin(sourceTarget(source), ["INFO"], { timeoutMs: PROBE_TIMEOUT_MS })));
  } catch (error) {
    if (error instanceof RespError) {
      if (/^(NOAUTH|WRONGPASS)/.test(error.message)) return `the source endpoint ${where} requires AUTH; migration needs a source without AUTH`;
      return `the source endpoint ${where} refused INFO (${error.message})`;
    }
    const code = (error as NodeJS.ErrnoException).code;
    return `the source endpoint ${where} is not reachable in plaintext (${code ?? (error as Error).message}); migration needs a source without TLS`;
  }
  if (!info.redis_version) return `the source endpoint ${where} does not answer as a Redis OSS server`;
  if (info.cluster_enabled === "1") return `the source endpoint ${where} runs in cluster mode; the target replication group is cluster mode disabled`;
  const targetInfo = parseInfo(asText(await admin(target, ["INFO", "server"])));
  const targetVersion = targetInfo.redis_version ?? "0";
  if (newerThan(info.redis_version, targetVersion)) {
    return `the source runs Redis ${info.redis_version}, newer than the target's engine ${targetVersion}`;
  }
  const [sourceDbs, targetDbs] = await Promise.all([configValue(sourceTarget(source), "databases"), configValue(target, "databases")]);
  if (sourceDbs !== undefined && targetDbs !== undefined && sourceDbs !== targetDbs) {
    return `the source has ${sourceDbs} databases, the target ${targetDbs}; both need the same number`;
  }
  const maxmemory = Number((await configValue(target, "maxmemory")) ?? "0");
  const used = Number(info.used_memory_dataset ?? info.used_memory ?? "0");
  if (maxmemory > 0 && used > maxmemory) {
    return `the source's data (${used} bytes) does not fit the target node's memory (${maxmemory} bytes)`;
  }
  return undefined;
}

/** Points the primary at the source: replication settings for a source without AUTH, then REPLICAOF. */
async function follow(primary: EngineNode, source: MigrationRecord["source"]): Promise<void> {
  // The emulator's own admin credentials would be refused by the user's server.
  await admin(primary, ["CONFIG", "SET", "masteruser", "", "masterauth", ""]);
  await admin(primary, ["REPLICAOF", source.address, String(source.port)]);
}

/** Resolves once the primary's link to the source is up; throws after LINK_UP_TIMEOUT_MS. */
async function waitLinkUp(primary: EngineNode, source: MigrationRecord["source"]): Promise<void> {
  const deadline = Date.now() + LINK_UP_TIMEOUT_MS;
  let last = "";
  for (;;) {
    const info = await replicationInfo(primary);
    if (info.role === "slave" && info.linkUp) return;
    last = info.role === "slave" ? "link down" : info.role;
    if (Date.now() > deadline) throw new Error(`the primary could not replicate from ${source.address}:${source.port} (${last})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface MigrationDeps {
  machine: ResourceMachine<ReplicationGroupRecord, GroupRuntime>;
  members: GroupMembers;
}

export class Migration {
  constructor(private readonly deps: MigrationDeps) {}

  private primary(region: RegionState, group: ReplicationGroupRecord): EngineNode {
    return this.deps.members.engine(region.clusters.get(group.nodeGroups[0].primaryClusterId)!);
  }

  /** The group is `modifying` with `group.migration` set: check the source, follow it, then `migrating`. */
  start(region: RegionState, group: ReplicationGroupRecord): void {
    const { machine } = this.deps;
    const source = group.migration!.source;
    machine.event(region, group, migrationEvents.started(group.id, source));
    void machine.run(region, group, async () => {
      const primary = this.primary(region, group);
      try {
        const refusal = await checkSource(source, primary);
        if (refusal) throw new Error(refusal);
        await follow(primary, source);
        await waitLinkUp(primary, source);
      } catch (error) {
        // AWS: the primary "retries several times before eventually promoting itself back to primary".
        await promote(primary).catch(() => undefined);
        group.migration = undefined;
        machine.finish(region, group, migrationEvents.startFailed(group.id, (error as Error).message));
        return;
      }
      group.status = "migrating";
      machine.event(region, group, migrationEvents.migrating(group.id));
    });
  }

  /** TestMigration: the checks StartMigration makes, reported as an event; the group does not change. */
  test(region: RegionState, group: ReplicationGroupRecord, source: MigrationRecord["source"]): void {
    const { machine } = this.deps;
    void machine.exclusive(group, async () => {
      let refusal: string | undefined;
      try {
        refusal = await checkSource(source, this.primary(region, group));
      } catch (error) {
        refusal = (error as Error).message;
      }
      machine.event(region, group, refusal ? migrationEvents.testFailed(group.id, refusal) : migrationEvents.testOk(group.id));
    });
  }

  /**
   * CompleteMigration (the group is `modifying`): unless `force`, the primary must have
   * processed everything the source had written when this was called; then it is promoted
   * and the group is `available`. Not in sync: the group stays `migrating`, with an event.
   */
  complete(region: RegionState, group: ReplicationGroupRecord, force: boolean): void {
    const { machine } = this.deps;
    void machine.run(region, group, async () => {
      const primary = this.primary(region, group);
      if (!force) {
        try {
          await waitReplicaSynced(primary, sourceTarget(group.migration!.source), IN_SYNC_TIMEOUT_MS, { pollMs: 20 });
        } catch (error) {
          group.status = "migrating";
          machine.event(region, group, migrationEvents.completeFailed(group.id, `the primary is not in sync with the source (${(error as Error).message})`));
          return;
        }
      }
      await promote(primary);
      group.migration = undefined;
      machine.finish(region, group, migrationEvents.completed(group.id));
    });
  }

  /**
   * The primary's engine was replaced (it died while migrating): it follows the source again.
   * Its replicas reconnect to it on its same port by themselves.
   */
  async refollow(region: RegionState, group: ReplicationGroupRecord): Promise<void> {
    if (!group.migration) return;
    await follow(this.primary(region, group), group.migration.source);
  }
}
