/**
 * The Redis topology layer against real redis-server processes: replication (cluster
 * mode disabled), a real Redis Cluster, failover (planned and after SIGKILL), and live
 * resharding with 10,000 keys. Timings are printed (they are not asserted: benchmarks
 * measure speed).
 */
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineNode } from "../../src/engines/engine.js";
import { admin } from "../../src/engines/topology/admin.js";
import {
  addShard,
  applySlotMoves,
  clusterFailover,
  clusterMyId,
  clusterNodeParams,
  clusterNodes,
  clusterSlotOwners,
  countSlots,
  createCluster,
  disagreement,
  evenSlots,
  expandSlots,
  forgetDeadNode,
  formatSlots,
  keySlot,
  migrateSlots,
  parseClusterNodes,
  parseSlots,
  pickMostUpToDate,
  planRebalance,
  promote,
  removeNodesFromCluster,
  replaceReplica,
  replicaOf,
  replicationInfo,
  waitClusterConsistent,
  waitReplicaSynced,
  type ClusterNodeEntry,
  type SlotRangeView,
} from "../../src/engines/topology/index.js";
import { haveRedis, killNode, startClusterNodes, startRedis, startRedisNodes, stopNode } from "../helpers/topology-nodes.js";

const KEYS = 10_000;
const timings: Record<string, number> = {};
afterAll(() => {
  if (Object.keys(timings).length > 0) console.log("redis topology timings (ms):", JSON.stringify(timings));
});

function clusterClient(node: EngineNode): Cluster {
  return new Cluster([{ host: node.endpoint.host, port: node.endpoint.port }], {
    slotsRefreshTimeout: 2000,
    clusterRetryStrategy: (times) => (times > 20 ? null : 50),
  });
}

async function writeKeys(client: Cluster | Redis, n: number, prefix = "key:"): Promise<void> {
  const chunk = 1000;
  for (let i = 0; i < n; i += chunk) {
    await Promise.all(Array.from({ length: Math.min(chunk, n - i) }, (_, j) => client.set(`${prefix}${i + j}`, `v${i + j}`)));
  }
}

/** The number of keys of 0..n-1 that read back wrong (0 = all good). */
async function countBadKeys(client: Cluster | Redis, n: number, prefix = "key:"): Promise<number> {
  let bad = 0;
  const chunk = 1000;
  for (let i = 0; i < n; i += chunk) {
    const values = await Promise.all(Array.from({ length: Math.min(chunk, n - i) }, (_, j) => client.get(`${prefix}${i + j}`)));
    values.forEach((v, j) => {
      if (v !== `v${i + j}`) bad++;
    });
  }
  return bad;
}

async function dbsize(nodes: EngineNode[]): Promise<number> {
  const sizes = await Promise.all(nodes.map(async (n) => Number(await admin(n, ["DBSIZE"]))));
  return sizes.reduce((a, b) => a + b, 0);
}

async function role(node: EngineNode): Promise<string> {
  return (await replicationInfo(node)).role;
}

describe("slot helpers", () => {
  it("splits the slots evenly, as redis-cli does", () => {
    expect(evenSlots(1)).toEqual([[[0, 16383]]]);
    expect(evenSlots(3)).toEqual([[[0, 5460]], [[5461, 10922]], [[10923, 16383]]]);
    const four = evenSlots(4);
    expect(four.map((r) => countSlots(r))).toEqual([4096, 4096, 4096, 4096]);
    for (const n of [2, 5, 7, 90, 500]) {
      const split = evenSlots(n);
      expect(split.reduce((sum, r) => sum + countSlots(r), 0)).toBe(16384);
      expect(split[0]![0]![0]).toBe(0);
      expect(split[n - 1]![0]![1]).toBe(16383);
    }
  });

  it("says which range two nodes list differently when they disagree", () => {
    const node = (port: number) => ({ endpoint: { host: "127.0.0.1", port } });
    const range = (from: number, to: number, replicas: string[]) => ({
      from,
      to,
      primary: { id: "p1", host: "127.0.0.1", port: 7000 },
      replicas: replicas.map((id, i) => ({ id, host: "127.0.0.1", port: 7001 + i })),
    });
    const entry = (id: string, flags: string[]) => ({ id, flags, connected: true, configEpoch: 1 }) as ClusterNodeEntry;
    const nodes = [entry("p1", ["master"]), entry("r1", ["slave", "fail"])];
    const view = (port: number, slots: SlotRangeView[]) => ({ node: node(port), state: "ok", info: {}, slots, nodes, myself: {} as never });
    const both = [range(0, 16383, ["r1"])];
    expect(disagreement([view(7000, both), view(7001, both)])).toBeUndefined();
    expect(disagreement([view(7000, both), view(7001, [range(0, 16383, [])])])).toBe(
      "127.0.0.1:7001 and 127.0.0.1:7000 disagree on the slots: 0-16383=p1@127.0.0.1:7000[] vs 0-16383=p1@127.0.0.1:7000[r1@127.0.0.1:7001]" +
        " (r1: slave,fail connected epoch 1 / slave,fail connected epoch 1)",
    );
    expect(disagreement([view(7000, both), view(7001, [])])).toMatch(/disagree on the slots: none vs 0-16383=p1@/);
  });

  it("parses and formats AWS Slots text", () => {
    expect(parseSlots("0-5460")).toEqual([[0, 5460]]);
    expect(parseSlots("0-100,200-300")).toEqual([[0, 100], [200, 300]]);
    expect(parseSlots(" 7 , 8-9")).toEqual([[7, 9]]);
    expect(formatSlots([[200, 300], [0, 100]])).toBe("0-100,200-300");
    expect(formatSlots([1, 2, 3, 7])).toBe("1-3,7");
    for (const bad of ["", "a-b", "5-4", "0-16384", "1,,2", "-1"]) expect(() => parseSlots(bad)).toThrow(RangeError);
  });

  it("computes key slots like CLUSTER KEYSLOT (hash tags included)", () => {
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("{user1000}.following")).toBe(keySlot("user1000"));
    expect(keySlot("foo{}{bar}")).toBe(8363);
    expect(keySlot("123456789")).toBe(12739);
  });

  it("plans even rebalancing with few moves", () => {
    const owners = evenSlots(3).map((r, i) => ({ id: `n${i}`, slots: expandSlots(r) }));
    const add = planRebalance(owners, ["n0", "n1", "n2", "n3"]);
    expect(add.every((m) => m.to === "n3")).toBe(true);
    expect(add.reduce((s, m) => s + m.slots.length, 0)).toBe(4096);
    const after = owners.map((o) => ({ id: o.id, slots: o.slots.filter((s) => !add.some((m) => m.slots.includes(s))) }));
    after.push({ id: "n3", slots: add.flatMap((m) => m.slots) });
    expect(after.map((o) => o.slots.length)).toEqual([4096, 4096, 4096, 4096]);
    const remove = planRebalance(after, ["n0", "n1"]);
    expect(remove.every((m) => m.from === "n2" || m.from === "n3")).toBe(true);
    expect(remove.reduce((s, m) => s + m.slots.length, 0)).toBe(8192);
  });
});

describe.skipIf(!haveRedis)("replication (cluster mode disabled)", () => {
  it("replicates to two replicas and survives a SIGKILLed primary", async () => {
    const [primary, r1, r2] = (await startRedisNodes(3)) as [EngineNode, EngineNode, EngineNode];
    const t0 = Date.now();
    await Promise.all([replicaOf(r1, primary), replicaOf(r2, primary)]);
    await Promise.all([waitReplicaSynced(r1, primary, 10_000), waitReplicaSynced(r2, primary, 10_000)]);
    timings.cmdAttach2Replicas = Date.now() - t0;
    expect((await replicationInfo(primary)).connectedReplicas).toBe(2);

    const p = new Redis({ host: primary.endpoint.host, port: primary.endpoint.port, lazyConnect: true });
    const c1 = new Redis({ host: r1.endpoint.host, port: r1.endpoint.port, lazyConnect: true });
    const c2 = new Redis({ host: r2.endpoint.host, port: r2.endpoint.port, lazyConnect: true });
    try {
      await writeKeys(p, 1000);
      await Promise.all([waitReplicaSynced(r1, primary, 10_000), waitReplicaSynced(r2, primary, 10_000)]);
      expect(await countBadKeys(c1, 1000)).toBe(0);
      expect(await countBadKeys(c2, 1000)).toBe(0);
      await expect(c1.set("x", "1")).rejects.toThrow(/READONLY/);
      await expect(c2.set("x", "1")).rejects.toThrow(/READONLY/);
      // Clients still cannot do it themselves.
      await expect(c1.call("REPLICAOF", "NO", "ONE")).rejects.toThrow(/NOPERM/);

      await killNode(primary);
      p.disconnect();
      const t1 = Date.now();
      const best = await pickMostUpToDate([r1, r2]);
      const other = best === r1 ? r2 : r1;
      await promote(best);
      await replicaOf(other, best);
      await waitReplicaSynced(other, best, 10_000);
      timings.cmdPromoteAndRepoint = Date.now() - t1;

      expect(await role(best)).toBe("master");
      expect(await role(other)).toBe("slave");
      const newPrimary = best === r1 ? c1 : c2;
      const newReplica = best === r1 ? c2 : c1;
      expect(await countBadKeys(newPrimary, 1000)).toBe(0);
      await newPrimary.set("after-failover", "yes");
      await waitReplicaSynced(other, best, 10_000);
      expect(await newReplica.get("after-failover")).toBe("yes");
      expect(await countBadKeys(newReplica, 1000)).toBe(0);
    } finally {
      for (const c of [p, c1, c2]) c.disconnect();
    }
  });
});

describe.skipIf(!haveRedis)("Redis Cluster: create and failover", () => {
  let nodes: EngineNode[] = [];
  let shards: Array<{ primary: EngineNode; replicas: EngineNode[] }> = [];
  let client: Cluster;

  beforeAll(async () => {
    const t0 = Date.now();
    nodes = await startClusterNodes(6);
    const started = Date.now();
    const slots = evenSlots(3);
    shards = [0, 1, 2].map((i) => ({ primary: nodes[2 * i]!, replicas: [nodes[2 * i + 1]!] }));
    const created = await createCluster(shards.map((s, i) => ({ ...s, slots: slots[i]! })));
    timings.cmeStart6Nodes = started - t0;
    timings.cmeCreateCluster3x1 = Date.now() - started;
    timings.cmeStartToAvailable3x1 = Date.now() - t0;
    console.log("createCluster phases (ms):", JSON.stringify(created.timings));
    client = clusterClient(nodes[0]!);
  });

  afterAll(() => client?.disconnect());

  it("is a working cluster: 10,000 keys through the Cluster client", async () => {
    const t0 = Date.now();
    await writeKeys(client, KEYS);
    expect(await countBadKeys(client, KEYS)).toBe(0);
    timings.cmeWriteRead10kKeys = Date.now() - t0;
    expect(await dbsize(shards.map((s) => s.primary))).toBe(KEYS);
  });

  it("announces the advertised host and the nodes' ports in CLUSTER SLOTS on every node", async () => {
    const ports = new Set(nodes.map((n) => n.endpoint.port));
    for (const node of nodes) {
      const c = new Redis({ host: node.endpoint.host, port: node.endpoint.port, lazyConnect: true });
      try {
        const slots = (await c.call("CLUSTER", "SLOTS")) as Array<[number, number, ...Array<[string, number, string]>]>;
        expect(slots.length).toBe(3);
        const seen = new Set<number>();
        for (const [, , ...members] of slots) {
          expect(members.length).toBe(2); // primary + replica
          for (const [host, port] of members) {
            expect(host).toBe("127.0.0.1");
            expect(ports.has(port)).toBe(true);
            seen.add(port);
          }
        }
        expect(seen).toEqual(ports);
        expect(await c.call("CLUSTER", "INFO")).toMatch(/cluster_state:ok/);
      } finally {
        c.disconnect();
      }
    }
  });

  it("fails over as planned (CLUSTER FAILOVER) with every key kept", async () => {
    const shard = shards[0]!;
    const replica = shard.replicas[0]!;
    const result = await clusterFailover(replica, { cluster: nodes });
    timings.cmePlannedFailover = result.ms;
    expect(result.mode).toBe("planned");
    expect(await role(replica)).toBe("master");
    expect(await role(shard.primary)).toBe("slave");
    shards[0] = { primary: replica, replicas: [shard.primary] };
    expect(await countBadKeys(client, KEYS)).toBe(0);
    await client.set("after-planned-failover", "1");
  });

  it("takes over after SIGKILL of a primary, then replaces the dead node", async () => {
    const shard = shards[1]!;
    const dead = shard.primary;
    const deadId = await clusterMyId(dead);
    await killNode(dead);
    const alive = nodes.filter((n) => n !== dead);
    const replica = shard.replicas[0]!;
    const result = await clusterFailover(replica, { cluster: alive });
    timings.cmeTakeoverAfterKill = result.ms;
    expect(result.mode).toBe("takeover");
    expect(result.oldPrimaryId).toBe(deadId);
    expect(await role(replica)).toBe("master");

    // The same client carries on (it follows MOVED / refreshes its slots).
    expect(await countBadKeys(client, KEYS)).toBe(0);
    expect(await client.get("after-planned-failover")).toBe("1");
    await client.set("after-takeover", "1");

    // A fresh node takes the dead one's place as the shard's replica.
    const t0 = Date.now();
    const [fresh] = await startClusterNodes(1);
    const freshId = await replaceReplica(replica, fresh!, alive);
    await forgetDeadNode(deadId, [...alive, fresh!]);
    timings.cmeReplaceReplica = Date.now() - t0;
    nodes = [...alive, fresh!];
    shards[1] = { primary: replica, replicas: [fresh!] };
    for (const n of nodes) {
      const view = await clusterNodes(n);
      expect(view.some((e) => e.id === deadId)).toBe(false);
      expect(view.find((e) => e.id === freshId)?.masterId).toBe(await clusterMyId(replica));
    }
    const layout = await waitClusterConsistent(nodes, { timeoutMs: 10_000 });
    expect(layout.find((s) => s.primary.id === result.newPrimaryId)?.replicas.map((r) => r.id)).toEqual([freshId]);
    await waitReplicaSynced(fresh!, replica, 10_000);
    expect(Number(await admin(fresh!, ["DBSIZE"]))).toBe(Number(await admin(replica, ["DBSIZE"])));
    expect(await dbsize(shards.map((s) => s.primary))).toBe(KEYS + 2);
  });
});

describe.skipIf(!haveRedis)("Redis Cluster: ready the moment it is created", () => {
  // Our re-MEETs while waiting for agreement make nodes re-open bus links; a cluster once
  // came back with a replica's link to its primary (or to the other primary) still down,
  // and a CLUSTER FAILOVER at once was refused ("Master is down or failed") or lost its
  // election. So: the raw command, the moment createCluster resolves, several times, with
  // the emulator's node timeout.
  it("accepts CLUSTER FAILOVER on a replica at once, and the failover completes", async () => {
    for (let round = 0; round < 4; round++) {
      const nodes = await startClusterNodes(4, "127.0.0.1", 2000);
      const [a, b] = evenSlots(2);
      const shards = [
        { primary: nodes[0]!, replicas: [nodes[1]!], slots: a! },
        { primary: nodes[2]!, replicas: [nodes[3]!], slots: b! },
      ];
      await createCluster(shards);
      for (const node of nodes) {
        const links = (await clusterNodes(node)).filter((e) => !e.myself);
        expect(links.filter((e) => !e.connected).map((e) => e.id)).toEqual([]);
      }
      const replica = shards[round % 2]!.replicas[0]!;
      expect(await admin(replica, ["CLUSTER", "FAILOVER"])).toBe("OK");
      const [replicaId, primaryId] = await Promise.all([clusterMyId(replica), clusterMyId(shards[round % 2]!.primary)]);
      // Redis gives a manual failover 5 s; a lost election never completes.
      await waitClusterConsistent(nodes, {
        timeoutMs: 10_000,
        expect: (slots) => (slots.some((s) => s.primary.id === replicaId && s.replicas.some((r) => r.id === primaryId)) ? undefined : "not failed over yet"),
      });
      await Promise.all(nodes.map((n) => stopNode(n)));
    }
  });
});

describe.skipIf(!haveRedis)("Redis Cluster: resharding with 10,000 keys", () => {
  let nodes: EngineNode[] = [];
  let primaries: EngineNode[] = [];
  const idOf = new Map<EngineNode, string>();
  let client: Cluster;

  const byId = () => new Map([...idOf].map(([n, id]) => [id, n] as const));

  beforeAll(async () => {
    nodes = await startClusterNodes(6);
    const slots = evenSlots(3);
    const shards = [0, 1, 2].map((i) => ({ primary: nodes[2 * i]!, replicas: [nodes[2 * i + 1]!], slots: slots[i]! }));
    await createCluster(shards);
    primaries = shards.map((s) => s.primary);
    for (const n of nodes) idOf.set(n, await clusterMyId(n));
    client = clusterClient(nodes[0]!);
    await writeKeys(client, KEYS);
  });

  afterAll(() => client?.disconnect());

  it("grows from 3 to 4 shards, live, losing no key", async () => {
    const [p, r] = (await startClusterNodes(2)) as [EngineNode, EngineNode];
    const t0 = Date.now();
    const added = await addShard({ primary: p, replicas: [r] }, nodes);
    timings.reshardAddShard = Date.now() - t0;
    idOf.set(p, added.primaryId);
    idOf.set(r, added.replicaIds[0]!);
    nodes.push(p, r);
    primaries.push(p);

    // Writers keep going while slots move (ASK redirections).
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await client.set(`live:${written}`, `v${written}`);
        written++;
      }
    })();

    const owners = await clusterSlotOwners(primaries[0]!);
    const moves = planRebalance(owners, primaries.map((n) => idOf.get(n)!));
    const t1 = Date.now();
    const moved = await applySlotMoves(moves, byId(), { cluster: nodes });
    timings.reshard3to4 = Date.now() - t1;
    timings.reshard3to4Keys = moved.keys;
    writing = false;
    await writer;

    const after = await clusterSlotOwners(nodes[0]!);
    expect(after.map((o) => o.slots.length).sort()).toEqual([4096, 4096, 4096, 4096]);
    expect(after.find((o) => o.id === added.primaryId)?.slots.length).toBe(4096);
    expect(moved.slots).toBe(4096);
    expect(await countBadKeys(client, KEYS)).toBe(0);
    expect(written).toBeGreaterThan(0);
    expect(await countBadKeys(client, written, "live:")).toBe(0);
    expect(await dbsize(primaries)).toBe(KEYS + written);
    // Clean the live keys so the next steps count the 10,000 only.
    await Promise.all(Array.from({ length: written }, (_, i) => client.del(`live:${i}`)));
    expect(await dbsize(primaries)).toBe(KEYS);
  });

  it("shrinks from 4 to 2 shards, then removes the emptied nodes", async () => {
    const keep = primaries.slice(0, 2);
    const goners = primaries.slice(2);
    const owners = await clusterSlotOwners(keep[0]!);
    const moves = planRebalance(owners, keep.map((n) => idOf.get(n)!));
    const t0 = Date.now();
    const moved = await applySlotMoves(moves, byId(), { cluster: nodes });
    timings.reshard4to2 = Date.now() - t0;
    timings.reshard4to2Keys = moved.keys;
    expect(moved.slots).toBe(8192);

    // The removed shards: their primaries and replicas.
    const goneIds = new Set(goners.map((n) => idOf.get(n)!));
    const views = await clusterNodes(keep[0]!);
    const replicaIds = views.filter((e) => e.masterId && goneIds.has(e.masterId)).map((e) => e.id);
    const removed = nodes.filter((n) => goneIds.has(idOf.get(n)!) || replicaIds.includes(idOf.get(n)!));
    expect(removed.length).toBe(4);
    const remaining = nodes.filter((n) => !removed.includes(n));
    const t1 = Date.now();
    await removeNodesFromCluster(removed, remaining);
    await Promise.all(removed.map((n) => stopNode(n)));
    timings.reshardRemove2Shards = Date.now() - t1;
    nodes = remaining;
    primaries = keep;

    for (const n of remaining) expect((await clusterNodes(n)).length).toBe(4);
    const layout = await waitClusterConsistent(remaining, { timeoutMs: 10_000 });
    const owned = (id: string) => layout.filter((s: SlotRangeView) => s.primary.id === id).reduce((sum, s) => sum + s.to - s.from + 1, 0);
    expect(owned(idOf.get(keep[0]!)!)).toBe(8192);
    expect(owned(idOf.get(keep[1]!)!)).toBe(8192);
    expect(await countBadKeys(client, KEYS)).toBe(0);
    expect(await dbsize(keep)).toBe(KEYS);
  });

  it("moves single slots back and forth with migrateSlots", async () => {
    const [a, b] = primaries as [EngineNode, EngineNode];
    const slot = keySlot("key:42");
    const [from, to] = (await clusterSlotOwners(a)).find((o) => o.slots.includes(slot))!.id === idOf.get(a) ? [a, b] : [b, a];
    const r = await migrateSlots(from, to, [slot], { cluster: nodes });
    expect(r.keys).toBeGreaterThan(0);
    expect(await client.get("key:42")).toBe("v42");
    await migrateSlots(to, from, [[slot, slot]], { cluster: nodes });
    expect(await client.get("key:42")).toBe("v42");
    expect(await dbsize(primaries)).toBe(KEYS);
  });
});

describe.skipIf(!haveRedis)("Redis Cluster: hostname announce", () => {
  it("announces a host name in CLUSTER SLOTS and NODES when the advertised host is not an IP", async () => {
    const nodes = await startClusterNodes(3, "localhost");
    const slots = evenSlots(3);
    const t0 = Date.now();
    await createCluster(nodes.map((primary, i) => ({ primary, replicas: [], slots: slots[i]! })));
    timings.cmeCreateCluster3x0NoReplicas = Date.now() - t0;
    for (const n of nodes) {
      const reply = (await admin(n, ["CLUSTER", "SLOTS"])) as Array<[number, number, [string, number, string]]>;
      expect(reply.map((e) => e[2][0])).toEqual(["localhost", "localhost", "localhost"]);
      const entries = parseClusterNodes(String(await admin(n, ["CLUSTER", "NODES"])));
      expect(entries.map((e) => [e.hostname, e.handshake])).toEqual([
        ["localhost", false],
        ["localhost", false],
        ["localhost", false],
      ]);
    }
    expect(clusterNodeParams({ announceHost: "cache.local", port: 7000, nodeTimeoutMs: 5000 })).toMatchObject({
      "cluster-announce-hostname": "cache.local",
      "cluster-preferred-endpoint-type": "hostname",
      "cluster-announce-port": "7000",
    });
    expect(clusterNodeParams({ announceHost: "10.0.0.5", port: 7000, nodeTimeoutMs: 5000 })).toMatchObject({ "cluster-announce-ip": "10.0.0.5" });
  });
});

describe.skipIf(!haveRedis)("single nodes for the topology helpers", () => {
  it("refuses to build a cluster from a node already in one", async () => {
    const [a, b] = await startClusterNodes(2);
    await createCluster([{ primary: a!, replicas: [], slots: [[0, 16383]] }]);
    await expect(createCluster([{ primary: a!, replicas: [b!], slots: [[0, 16383]] }])).rejects.toThrow(/already part of a cluster/);
    const plain = await startRedis();
    await expect(clusterMyId(plain)).rejects.toThrow(/cluster support disabled/i);
  });
});
