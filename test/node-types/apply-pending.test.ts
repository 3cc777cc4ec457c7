/**
 * applyPendingNodeType (lifecycle/node-type-change.ts), the step that applies a node type
 * left in PendingModifiedValues, over the fake launcher: a standalone cluster's node takes
 * the new memory in place; a replication group's replicas take it first, then the primary
 * after a planned failover; nothing happens without a pending type or while busy.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeTypeMemoryBytes } from "../../src/catalog/catalog.js";
import type { LifecycleDelays } from "../../src/config.js";
import { ClusterLifecycle, type MemberLoss } from "../../src/lifecycle/cluster-lifecycle.js";
import { DataRestore } from "../../src/lifecycle/data-restore.js";
import { NodeAcl } from "../../src/lifecycle/node-acl.js";
import { applyPendingNodeType, deferNodeType, takeNodeType } from "../../src/lifecycle/node-type-change.js";
import { ReplicationLifecycle } from "../../src/lifecycle/replication-lifecycle.js";
import { silentLogger } from "../../src/logger.js";
import type { RegionState } from "../../src/state/store.js";
import { FakeLauncher, fakeTopology, type FakeNode } from "../helpers/fake-launcher.js";
import { clusterRecord, eventsOf, groupRecord, newRegion } from "../lifecycle/records.js";

const noDelays: LifecycleDelays = { createMs: 0, modifyMs: 0, deleteMs: 0, rebootMs: 0 };

let workRoot: string;
let region: RegionState;
beforeEach(async () => {
  workRoot = await mkdtemp(join(tmpdir(), "node-type-test-"));
  region = newRegion();
});
afterEach(async () => {
  await rm(workRoot, { recursive: true, force: true });
});

function build() {
  const launcher = new FakeLauncher();
  const topology = fakeTopology();
  const memberLoss: MemberLoss = { lost: (r, cluster) => replication.lost(r, cluster) };
  const clusters = new ClusterLifecycle({
    launcher,
    access: new NodeAcl({ allowRestrictedCommands: false, logger: silentLogger }),
    memberLoss,
    delays: noDelays,
    nodeMemoryScale: 1,
    advertisedHost: "127.0.0.1",
    workRoot,
    logger: silentLogger,
  });
  const replication = new ReplicationLifecycle({
    clusters,
    launcher,
    topology,
    dataRestore: new DataRestore({ launcher, scratchRoot: workRoot, logger: silentLogger }),
    delays: noDelays,
    logger: silentLogger,
  });
  return { launcher, topology, clusters, replication };
}

/** Every CONFIG SET maxmemory the nodes were sent, in order, by node name. */
function recordMaxmemory(nodes: FakeNode[]): string[] {
  const log: string[] = [];
  for (const node of nodes) {
    const run = node.adminCommand.bind(node);
    node.adminCommand = async (args: string[]) => {
      if (args[0] === "CONFIG" && args[2] === "maxmemory") log.push(`${node.spec.nodeName} ${args[3]}`);
      return run(args);
    };
  }
  return log;
}

describe("applyPendingNodeType", () => {
  it("a standalone cluster: modifying, the node's maxmemory set in place, then available with nothing pending", async () => {
    const { launcher, clusters, replication } = build();
    const cluster = clusterRecord(region, "c1");
    clusters.create(region, cluster);
    await clusters.settled(cluster);
    const log = recordMaxmemory(launcher.nodes);
    expect(applyPendingNodeType({ clusters, replication }, region, cluster)).toBe(false);

    deferNodeType(region, cluster, "cache.m5.large");
    expect(cluster.pending).toEqual({ cacheNodeType: "cache.m5.large" });
    expect(applyPendingNodeType({ clusters, replication }, region, cluster)).toBe(true);
    expect(cluster.status).toBe("modifying");
    expect(cluster.cacheNodeType).toBe("cache.m5.large");
    await clusters.settled(cluster);
    expect(cluster.status).toBe("available");
    expect(cluster.pending).toEqual({});
    expect(log).toEqual([`c1/0001 ${nodeTypeMemoryBytes("cache.m5.large")}`]);
    // The same engine: nothing restarted.
    expect(launcher.nodes).toHaveLength(1);
  });

  it("a replication group: replicas first, then the primary after a failover", async () => {
    const { launcher, topology, clusters, replication } = build();
    const group = groupRecord(region, "g1", 2);
    replication.create(region, group);
    await replication.settled(group);
    const log = recordMaxmemory(launcher.nodes);

    deferNodeType(region, group, "cache.r6g.large");
    expect(group.nodeGroups[0]!.memberClusterIds.map((id) => region.clusters.get(id)!.pending.cacheNodeType)).toEqual(["cache.r6g.large", "cache.r6g.large", "cache.r6g.large"]);
    group.status = "modifying";
    expect(applyPendingNodeType({ clusters, replication }, region, group)).toBe(false);
    group.status = "available";

    const promotionsBefore = topology.calls.filter((c) => c === "promote").length;
    expect(applyPendingNodeType({ clusters, replication }, region, group)).toBe(true);
    expect(group.status).toBe("modifying");
    await replication.settled(group);
    expect(group.status).toBe("available");
    expect(group.cacheNodeType).toBe("cache.r6g.large");
    const bytes = nodeTypeMemoryBytes("cache.r6g.large");
    expect(log).toEqual([`g1-002/0001 ${bytes}`, `g1-003/0001 ${bytes}`, `g1-001/0001 ${bytes}`]);
    expect(topology.calls.filter((c) => c === "promote").length).toBe(promotionsBefore + 1);
    expect(group.nodeGroups[0]!.primaryClusterId).toBe("g1-002");
    expect(eventsOf(region, "g1")).toContain("Failover from master node g1-001 to replica node g1-002 completed");
    for (const id of ["g1-001", "g1-002", "g1-003"]) {
      const member = region.clusters.get(id)!;
      expect(member).toMatchObject({ cacheNodeType: "cache.r6g.large", status: "available", pending: {} });
    }
  });

  it("without automatic failover, the primary scales in place after its replicas", async () => {
    const { launcher, clusters, replication } = build();
    const group = groupRecord(region, "g2", 1, false);
    replication.create(region, group);
    await replication.settled(group);
    const log = recordMaxmemory(launcher.nodes);
    deferNodeType(region, group, "cache.t3.small");
    expect(applyPendingNodeType({ clusters, replication }, region, group)).toBe(true);
    await replication.settled(group);
    const bytes = nodeTypeMemoryBytes("cache.t3.small");
    expect(log).toEqual([`g2-002/0001 ${bytes}`, `g2-001/0001 ${bytes}`]);
    expect(group.nodeGroups[0]!.primaryClusterId).toBe("g2-001");
  });

  it("with a new primary named in the same request, that member takes over, once", async () => {
    const { topology, clusters, replication } = build();
    const group = groupRecord(region, "g3", 2);
    replication.create(region, group);
    await replication.settled(group);
    const promotionsBefore = topology.calls.filter((c) => c === "promote").length;
    takeNodeType(region, group, "cache.m5.large");
    replication.modify(region, group, { newPrimary: region.clusters.get("g3-003"), membersChanged: true, nodeTypeChanged: true });
    await replication.settled(group);
    expect(group.status).toBe("available");
    expect(group.nodeGroups[0]!.primaryClusterId).toBe("g3-003");
    expect(topology.calls.filter((c) => c === "promote").length).toBe(promotionsBefore + 1);
    expect(eventsOf(region, "g3").filter((e) => e.startsWith("Failover"))).toEqual(["Failover from master node g3-001 to replica node g3-003 completed"]);
  });
});
