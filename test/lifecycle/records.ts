/** Minimal records for the lifecycle unit tests (what actions would store). */
import type { CacheClusterRecord, ReplicationGroupRecord } from "../../src/state/records.js";
import { RegionState } from "../../src/state/store.js";

export const newRegion = (): RegionState => new RegionState({ accountId: "000000000000", region: "us-east-1" });

export function clusterRecord(region: RegionState, id: string, opts: { nodes?: number; engine?: "redis" | "memcached" } = {}): CacheClusterRecord {
  const engine = opts.engine ?? "redis";
  const now = new Date();
  const cluster: CacheClusterRecord = {
    id,
    arn: `arn:aws:elasticache:us-east-1:000000000000:cluster:${id}`,
    engine,
    engineVersion: engine === "redis" ? "7.1" : "1.6.22",
    cacheNodeType: "cache.t3.micro",
    status: "creating",
    createTime: now,
    nodes: Array.from({ length: opts.nodes ?? 1 }, (_, i) => ({
      id: String(i + 1).padStart(4, "0"),
      status: "creating" as const,
      createTime: now,
      port: 0,
      availabilityZone: "us-east-1a",
      parameterGroupStatus: "in-sync",
    })),
    settings: {
      preferredAvailabilityZone: "us-east-1a",
      cacheParameterGroupName: engine === "redis" ? "default.redis7" : "default.memcached1.6",
      cacheSubnetGroupName: "default",
      cacheSecurityGroupNames: [],
      securityGroupIds: [],
      preferredMaintenanceWindow: "sun:05:00-sun:06:00",
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: 0,
      transitEncryptionEnabled: false,
      authTokenEnabled: false,
      networkType: "ipv4",
      ipDiscovery: "ipv4",
      logDeliveryConfigurations: [],
    },
    pending: {},
    nextNodeNumber: (opts.nodes ?? 1) + 1,
  };
  region.clusters.set(id, cluster);
  return cluster;
}

/** A cluster mode disabled group of one primary and `replicas` replicas, members stored `creating`. */
export function groupRecord(region: RegionState, id: string, replicas: number, automaticFailover = true): ReplicationGroupRecord {
  const memberIds = Array.from({ length: 1 + replicas }, (_, i) => `${id}-00${i + 1}`);
  const group: ReplicationGroupRecord = {
    id,
    arn: `arn:aws:elasticache:us-east-1:000000000000:replicationgroup:${id}`,
    description: "test",
    status: "creating",
    engine: "redis",
    engineVersion: "7.1",
    cacheNodeType: "cache.t3.micro",
    clusterEnabled: false,
    clusterMode: "disabled",
    automaticFailover,
    multiAZ: false,
    createTime: new Date(),
    nodeGroups: [{ id: "0001", status: "creating", primaryClusterId: memberIds[0]!, memberClusterIds: memberIds, nextMemberNumber: memberIds.length + 1 }],
    endpoints: {},
    settings: {
      cacheParameterGroupName: "default.redis7",
      cacheSubnetGroupName: "default",
      cacheSecurityGroupNames: [],
      securityGroupIds: [],
      preferredMaintenanceWindow: "sun:05:00-sun:06:00",
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: 0,
      snapshotWindow: "05:00-06:00",
      atRestEncryptionEnabled: false,
      dataTiering: false,
      networkType: "ipv4",
      ipDiscovery: "ipv4",
      logDeliveryConfigurations: [],
    },
    pending: {},
    nextNodeGroupNumber: 2,
  };
  memberIds.forEach((memberId, i) => {
    const member = clusterRecord(region, memberId);
    member.member = { replicationGroupId: id, nodeGroupId: "0001", role: i === 0 ? "primary" : "replica" };
  });
  region.replicationGroups.set(id, group);
  return group;
}

export const eventsOf = (region: RegionState, id: string): string[] => region.events.filter((e) => e.sourceIdentifier === id).map((e) => e.message);
