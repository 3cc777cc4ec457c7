/**
 * Availability Zone power interruption for a replication group, as AWS FIS's
 * `aws:elasticache:replicationgroup-interrupt-az-power` does it: every node of the group in
 * the zone goes down at once (SIGKILL); a primary among them is failed over to the most
 * up-to-date replica in another zone where automatic failover allows; the nodes of the zone
 * are not replaced while the interruption lasts, and come back (as replicas of the current
 * primaries) when it ends. One zone per group at a time, as FIS allows. Active as `az-N`.
 */
import type { Logger } from "../logger.js";
import type { ReplacementHolds } from "../lifecycle/replacement-holds.js";
import type { CacheClusterRecord, ReplicationGroupRecord } from "../state/records.js";
import type { RegionState, Store } from "../state/store.js";
import type { ActiveFault, FaultSource } from "./fault-registry.js";
import { FaultRefusal, type NodeFaultServices } from "./node-faults.js";

export const MAX_INTERRUPTION_MS = 3_600_000;

export interface AzPowerDeps {
  store: Store;
  services: NodeFaultServices;
  holds: ReplacementHolds;
  logger: Logger;
}

interface Interruption extends ActiveFault {
  groupArn: string;
  end(): Promise<void>;
}

export class AzPowerInterruptions implements FaultSource {
  private readonly active = new Map<string, Interruption>();
  private next = 1;

  constructor(private readonly deps: AzPowerDeps) {}

  /** Starts an interruption; FaultRefusal (404, 409, 400) when it cannot, with nothing changed. */
  start(replicationGroupId: string, availabilityZone: string, durationMs: number): ActiveFault {
    const found = this.findGroup(replicationGroupId);
    if (!found) throw new FaultRefusal(404, `replication group ${replicationGroupId} not found`);
    const { region, group } = found;
    if (group.status !== "available") throw new FaultRefusal(409, `replication group ${group.id} is ${group.status}, not available`);
    const running = [...this.active.values()].find((i) => i.groupArn === group.arn);
    if (running) throw new FaultRefusal(409, `replication group ${group.id} already has a zone without power (fault ${running.id})`);
    const members = group.nodeGroups
      .flatMap((ng) => ng.memberClusterIds)
      .map((id) => region.clusters.get(id))
      .filter((c): c is CacheClusterRecord => c !== undefined);
    const zones = [...new Set(members.flatMap((m) => m.nodes.map((n) => n.availabilityZone)))].sort();
    const inZone = members.filter((m) => m.nodes.some((n) => n.availabilityZone === availabilityZone));
    if (inZone.length === 0) throw new FaultRefusal(400, `replication group ${group.id} has no node in availability zone ${availabilityZone} (its zones: ${zones.join(", ")})`);
    const engines = inZone.map((m) => ({ member: m, engine: this.deps.services.clusters.engineNode(m) }));
    const down = engines.find((e) => e.engine === undefined || e.engine.pid === undefined);
    if (down) throw new FaultRefusal(409, `member ${down.member.id} is not running as a process of its own`);

    const release = this.deps.holds.hold(inZone);
    let timer: NodeJS.Timeout | undefined;
    const interruption: Interruption = {
      id: `az-${this.next++}`,
      kind: "az-power-interruption",
      target: { accountId: region.key.accountId, region: region.key.region, replicationGroupId: group.id, availabilityZone },
      startedAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + durationMs).toISOString(),
      details: { durationMs, cacheClusterIds: inZone.map((m) => m.id) },
      groupArn: group.arn,
      end: async () => {
        if (!this.active.delete(interruption.id)) return;
        clearTimeout(timer);
        release();
        this.deps.logger.info("availability zone power back", { fault: interruption.id, group: group.id, zone: availabilityZone });
      },
    };
    this.active.set(interruption.id, interruption);
    for (const { engine } of engines) process.kill(engine!.pid!, "SIGKILL");
    this.deps.logger.info("availability zone power interrupted", { fault: interruption.id, group: group.id, zone: availabilityZone, members: inZone.map((m) => m.id) });
    timer = setTimeout(() => void interruption.end(), durationMs);
    timer.unref();
    return view(interruption);
  }

  list(): ActiveFault[] {
    return [...this.active.values()].map(view);
  }

  async clear(id: string): Promise<boolean> {
    const interruption = this.active.get(id);
    if (!interruption) return false;
    await interruption.end();
    return true;
  }

  async clearAll(): Promise<void> {
    await Promise.all([...this.active.values()].map((i) => i.end()));
  }

  private findGroup(id: string): { region: RegionState; group: ReplicationGroupRecord } | undefined {
    for (const region of this.deps.store.allRegions()) {
      const group = region.replicationGroups.get(id);
      if (group) return { region, group };
    }
    return undefined;
  }
}

function view(interruption: Interruption): ActiveFault {
  const { end: _end, groupArn: _arn, ...fault } = interruption;
  return { ...fault };
}
