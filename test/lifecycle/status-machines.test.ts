/**
 * The cache cluster and replication group status machines over a fake launcher (no
 * processes): AWS's statuses and events, failures, recovery of a dead node, and stop.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LifecycleDelays } from "../../src/config.js";
import { ClusterLifecycle, type MemberLoss } from "../../src/lifecycle/cluster-lifecycle.js";
import { DataRestore } from "../../src/lifecycle/data-restore.js";
import { NodeAcl } from "../../src/lifecycle/node-acl.js";
import { ReplicationLifecycle } from "../../src/lifecycle/replication-lifecycle.js";
import { silentLogger } from "../../src/logger.js";
import type { RegionState } from "../../src/state/store.js";
import { FakeLauncher, fakeTopology } from "../helpers/fake-launcher.js";
import { eventually } from "../helpers/wait.js";
import { clusterRecord, eventsOf, groupRecord, newRegion } from "./records.js";

const noDelays: LifecycleDelays = { createMs: 0, modifyMs: 0, deleteMs: 0, rebootMs: 0 };

let workRoot: string;
beforeEach(async () => {
  workRoot = await mkdtemp(join(tmpdir(), "lifecycle-test-"));
});
afterEach(async () => {
  await rm(workRoot, { recursive: true, force: true });
});

function build(delays: LifecycleDelays = noDelays) {
  const launcher = new FakeLauncher();
  const topology = fakeTopology();
  const memberLoss: MemberLoss = { lost: (region, cluster) => replication.lost(region, cluster) };
  const clusters = new ClusterLifecycle({
    launcher,
    access: new NodeAcl({ allowRestrictedCommands: false, logger: silentLogger }),
    memberLoss,
    delays,
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
    delays,
    logger: silentLogger,
  });
  return { launcher, topology, clusters, replication };
}

/** Waits on the fake's own state (no processes: a few milliseconds). */
const until = (check: () => boolean, what: string) => eventually(check, { what, intervalMs: 5 });

describe("cache cluster status machine", () => {
  let region: RegionState;
  beforeEach(() => {
    region = newRegion();
  });

  it("create: creating → available, each node added, then the cluster", async () => {
    const { launcher, clusters } = build();
    const cluster = clusterRecord(region, "c1", { nodes: 2, engine: "memcached" });
    clusters.create(region, cluster);
    await clusters.settled(cluster);
    expect(cluster.status).toBe("available");
    expect(cluster.nodes.map((n) => n.status)).toEqual(["available", "available"]);
    // The nodes start side by side: which launch call comes first is not defined.
    expect(launcher.nodes.map((n) => n.spec.nodeName).sort()).toEqual(["c1/0001", "c1/0002"]);
    expect(launcher.configEndpoints[0]!.nodes.map((n) => n.port)).toEqual(cluster.nodes.map((n) => n.port));
    expect(eventsOf(region, "c1")).toEqual([
      "Added cache node 0001 in availability zone us-east-1a",
      "Added cache node 0002 in availability zone us-east-1a",
      "Cache cluster created",
    ]);
  });

  it("modify: modifying while the work and its delay last, then available", async () => {
    const { launcher, clusters } = build({ ...noDelays, modifyMs: 100 });
    const cluster = clusterRecord(region, "c1", { engine: "memcached" });
    clusters.create(region, cluster);
    await clusters.settled(cluster);
    cluster.status = "modifying";
    cluster.nodes.push({ id: "0002", status: "creating", createTime: new Date(), port: 0, availabilityZone: "us-east-1b", parameterGroupStatus: "in-sync" });
    clusters.modify(region, cluster);
    await until(() => launcher.nodes.length === 2, "the new node");
    expect(cluster.status).toBe("modifying");
    await clusters.settled(cluster);
    expect(cluster.status).toBe("available");
    expect(eventsOf(region, "c1").slice(-2)).toEqual(["Added cache node 0002 in availability zone us-east-1b", "Finished modifying cache cluster"]);
  });

  it("a node that fails to start leaves the cluster incompatible-network, with AWS's event", async () => {
    const { launcher, clusters } = build();
    launcher.failStarts.add("c1/0001");
    const cluster = clusterRecord(region, "c1");
    clusters.create(region, cluster);
    await clusters.settled(cluster);
    expect(cluster.status).toBe("incompatible-network");
    expect(eventsOf(region, "c1")).toEqual(["Failed to start cache cluster: c1/0001: the engine exited during start"]);
  });

  it("a node that fails to start from a snapshot leaves the cluster restore-failed", async () => {
    const { launcher, clusters } = build();
    launcher.failStarts.add("c1/0001");
    const cluster = clusterRecord(region, "c1");
    cluster.restore = { sources: [{ file: "/nowhere/damaged.rdb" }] };
    clusters.create(region, cluster);
    await clusters.settled(cluster);
    expect(cluster.status).toBe("restore-failed");
  });

  it("the first start loads the snapshot's RDB; later starts do not", async () => {
    const { launcher, clusters } = build();
    const cluster = clusterRecord(region, "c1");
    cluster.restore = { sources: [{ file: "/snapshots/s1.rdb" }] };
    clusters.create(region, cluster);
    await clusters.settled(cluster);
    expect(cluster.restore).toBeUndefined();
    cluster.status = "rebooting cache cluster nodes";
    clusters.reboot(region, cluster, ["0001"]);
    await clusters.settled(cluster);
    expect(launcher.nodes.map((n) => n.spec.seedRdbPath)).toEqual(["/snapshots/s1.rdb", undefined]);
    expect(eventsOf(region, "c1").slice(-2)).toEqual(["Cache node 0001 restarted", "Cache cluster rebooted"]);
  });

  it("a node that dies is replaced on the same port", async () => {
    const { launcher, clusters } = build();
    const cluster = clusterRecord(region, "c1");
    clusters.create(region, cluster);
    await clusters.settled(cluster);
    const port = cluster.nodes[0]!.port;
    launcher.nodes[0]!.die();
    expect(cluster.nodes[0]!.status).toBe("rebooting");
    await clusters.settled(cluster);
    expect(cluster.nodes[0]!.status).toBe("available");
    expect(launcher.running("c1/0001")!.endpoint.port).toBe(port);
    expect(eventsOf(region, "c1").slice(-2)).toEqual(["Recovering cache nodes 0001", "Finished recovery for cache nodes 0001"]);
  });

  it("delete: the nodes stop, then the record goes", async () => {
    const { launcher, clusters } = build();
    const cluster = clusterRecord(region, "c1");
    clusters.create(region, cluster);
    await clusters.settled(cluster);
    cluster.status = "deleting";
    clusters.delete(region, cluster);
    await clusters.settled(cluster);
    expect(region.clusters.has("c1")).toBe(false);
    expect(launcher.nodes.every((n) => n.stopped)).toBe(true);
    expect(eventsOf(region, "c1").at(-1)).toBe("Cache cluster deleted");
  });

  it("stopAll cancels the create delay at once and stops the nodes", async () => {
    const { launcher, clusters } = build({ ...noDelays, createMs: 60_000 });
    const cluster = clusterRecord(region, "c1");
    clusters.create(region, cluster);
    await until(() => launcher.nodes.length === 1, "the node");
    const started = Date.now();
    await clusters.stopAll();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(launcher.nodes[0]!.stopped).toBe(true);
    expect(cluster.status).toBe("creating");
  });
});

describe("replication group status machine", () => {
  let region: RegionState;
  beforeEach(() => {
    region = newRegion();
  });

  it("create: members start, replicas follow the primary, the endpoints open on the live nodes", async () => {
    const { launcher, topology, replication } = build();
    const group = groupRecord(region, "g1", 2);
    replication.create(region, group);
    await replication.settled(group);
    expect(group.status).toBe("available");
    expect(group.nodeGroups[0]!.status).toBe("available");
    expect(topology.calls.filter((c) => c === "replicaOf")).toHaveLength(2);
    const [primary, reader] = launcher.forwarders;
    expect(primary!.targets.map((t) => t.port)).toEqual([region.clusters.get("g1-001")!.nodes[0]!.port]);
    expect(reader!.targets).toHaveLength(2);
    expect(group.endpoints).toEqual({ primary: primary!.port, reader: reader!.port });
    expect(eventsOf(region, "g1")).toEqual(["Replication group created"]);
  });

  it("a member that fails to start leaves the group create-failed", async () => {
    const { launcher, replication } = build();
    launcher.failStarts.add("g1-002/0001");
    const group = groupRecord(region, "g1", 1);
    replication.create(region, group);
    await replication.settled(group);
    expect(group.status).toBe("create-failed");
    expect(region.clusters.get("g1-002")!.status).toBe("incompatible-network");
    expect(eventsOf(region, "g1")).toEqual(["Replication group operation failed: member g1-002 did not start (incompatible-network)"]);
  });

  it("TestFailover: modifying, the replica promoted, the endpoints follow, then available", async () => {
    const { launcher, replication } = build({ ...noDelays, modifyMs: 50 });
    const group = groupRecord(region, "g1", 1);
    replication.create(region, group);
    await replication.settled(group);
    group.status = "modifying";
    replication.testFailover(region, group, group.nodeGroups[0]!);
    await new Promise((r) => setTimeout(r, 10));
    expect(group.status).toBe("modifying");
    await replication.settled(group);
    expect(group.status).toBe("available");
    expect(group.nodeGroups[0]!.primaryClusterId).toBe("g1-002");
    expect(region.clusters.get("g1-001")!.member!.role).toBe("replica");
    expect(launcher.forwarders[0]!.targets.map((t) => t.port)).toEqual([region.clusters.get("g1-002")!.nodes[0]!.port]);
    expect(eventsOf(region, "g1")).toEqual([
      "Replication group created",
      "Test Failover API called for node group 0001",
      "Failover from master node g1-001 to replica node g1-002 completed",
      "Finished test failover for node group 0001",
    ]);
  });

  it("a primary that dies fails over to its replica and comes back as a replica", async () => {
    const { launcher, replication, clusters } = build();
    const group = groupRecord(region, "g1", 1);
    replication.create(region, group);
    await replication.settled(group);
    launcher.running("g1-001/0001")!.die();
    await replication.settled(group);
    expect(group.nodeGroups[0]!.primaryClusterId).toBe("g1-002");
    expect(region.clusters.get("g1-001")!.member!.role).toBe("replica");
    expect(clusters.engineNode(region.clusters.get("g1-001")!)).toBeDefined();
    expect(eventsOf(region, "g1-001").slice(-2)).toEqual(["Recovering cache nodes 0001", "Finished recovery for cache nodes 0001"]);
  });

  it("a failed change returns the group to available", async () => {
    const { replication, topology } = build();
    const group = groupRecord(region, "g1", 1);
    replication.create(region, group);
    await replication.settled(group);
    topology.promote = async () => {
      throw new Error("REPLICAOF refused");
    };
    group.status = "modifying";
    group.pending.reshardingProgress = 10;
    replication.testFailover(region, group, group.nodeGroups[0]!);
    await replication.settled(group);
    expect(group.status).toBe("available");
    expect(group.pending.reshardingProgress).toBeUndefined();
    expect(eventsOf(region, "g1").at(-1)).toBe("Replication group operation failed: REPLICAOF refused");
  });

  it("halted first, a group waiting on its members' create delay stops at once", async () => {
    const { launcher, replication, clusters } = build({ ...noDelays, createMs: 60_000 });
    const group = groupRecord(region, "g1", 1);
    replication.create(region, group);
    await until(() => launcher.nodes.length === 2, "the members' nodes");
    const started = Date.now();
    replication.halt();
    clusters.halt();
    await replication.stopAll();
    await clusters.stopAll();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(launcher.forwarders).toEqual([]);
    expect(launcher.nodes.every((n) => n.stopped)).toBe(true);
    expect(group.status).toBe("creating");
  });

  it("stopAll closes the endpoints and cancels the pending delay", async () => {
    const { launcher, replication, clusters } = build({ ...noDelays, modifyMs: 60_000 });
    const group = groupRecord(region, "g1", 1);
    replication.create(region, group);
    await replication.settled(group);
    group.status = "modifying";
    replication.testFailover(region, group, group.nodeGroups[0]!);
    await until(() => group.nodeGroups[0]!.primaryClusterId === "g1-002", "the failover");
    const started = Date.now();
    await replication.stopAll();
    await clusters.stopAll();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(launcher.forwarders.every((f) => f.stopped)).toBe(true);
    expect(launcher.nodes.every((n) => n.stopped)).toBe(true);
    expect(group.status).toBe("modifying");
  });
});
