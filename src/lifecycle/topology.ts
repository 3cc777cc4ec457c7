/**
 * What replication groups ask of the engines' topology: replication, promotion, a Redis
 * Cluster and its failover. Implemented over the engines' admin commands.
 */
import type { EngineNode } from "../engines/engine.js";
import {
  addShard,
  admin,
  applySlotMoves,
  clusterFailover,
  clusterMyId,
  clusterNodes,
  clusterSlotOwners,
  createCluster,
  expandSlots,
  forgetDeadNode,
  formSeededShard,
  formatSlots,
  parseSlots,
  pickMostUpToDate,
  planRebalance,
  prepareClusterNode,
  promote,
  removeNodesFromCluster,
  replaceReplica,
  replicaOf,
  resumeCluster,
  seedShard,
  waitClusterConsistent,
  waitReplicaSynced,
  type SeedAddress,
  type ShardSeed,
} from "../engines/topology/index.js";

export type { SeedAddress, ShardSeed };

export interface Shard {
  /** AWS's Slots text for the shard ("0-5460"). */
  slots: string;
  primary: EngineNode;
  replicas: EngineNode[];
}

export interface Topology {
  /** Makes `replica` replicate `primary`; resolves once its link is up. */
  replicaOf(replica: EngineNode, primary: EngineNode): Promise<void>;
  /** Makes a replica a primary (REPLICAOF NO ONE). */
  promote(node: EngineNode): Promise<void>;
  /** The node with the highest replication offset. */
  mostUpToDate(nodes: EngineNode[]): Promise<EngineNode>;
  /** Builds a Redis Cluster from fresh nodes; resolves once every node agrees it is ok. */
  buildCluster(shards: Shard[]): Promise<void>;
  /**
   * The nodes.conf files of a one-shard cluster (every slot) whose nodes will start on these
   * addresses (NodeSpec.seedClusterConfig), so it is formed as they start: no MEET or handshake.
   */
  seedShard(primary: SeedAddress, replicas: SeedAddress[]): ShardSeed;
  /** A shard whose nodes started from seedShard's files: the primary takes over its slots; resolves once every node agrees it is ok. */
  formSeededShard(shard: { primary: EngineNode; replicas: EngineNode[] }, seed: ShardSeed): Promise<void>;
  /** Promotes a replica of a Redis Cluster shard (TAKEOVER when its primary is dead); `live` must agree after. */
  clusterFailover(replica: EngineNode, opts: { takeover: boolean; live: EngineNode[] }): Promise<void>;
  /**
   * Brings a node (new, or replaced after its engine died) into the cluster as a replica of
   * `primary`; `cluster` holds the nodes already in the cluster.
   */
  rejoinCluster(node: EngineNode, primary: EngineNode, cluster: EngineNode[]): Promise<void>;
  /**
   * A cluster whose nodes restarted (same ids and slots): their run-time settings again, then
   * resolves once every node agrees and every replica replicates again.
   */
  waitClusterAgrees(nodes: EngineNode[]): Promise<void>;
  /**
   * Re-forms a Redis Cluster whose nodes restarted from their nodes.conf (after an emulator
   * restart): run-time settings again, every node meets the others at their current
   * addresses, then waits until all agree. Resolves with each node's role and, for a primary,
   * its slots (AWS text).
   */
  reformCluster(nodes: EngineNode[]): Promise<Map<EngineNode, { role: "primary" | "replica"; slots: string }>>;
  /** Takes replicas out of the cluster (every remaining node forgets them). */
  removeFromCluster(nodes: EngineNode[], remaining: Shard[]): Promise<void>;
  /**
   * Reshards to `target`: new shards (primaries without slots, listed in `target` but not
   * in `current`) join, slots move evenly over `target` without losing a key, and the
   * shards missing from `target` give all their slots away and leave the cluster.
   * Resolves with each target shard's slots as AWS writes them.
   */
  reshard(
    current: Shard[],
    target: Array<{ primary: EngineNode; replicas: EngineNode[] }>,
    onProgress: (percent: number) => void,
  ): Promise<string[]>;
}

/** Slot moves (source -> target pairs) migrated side by side between progress reports. */
const MOVES_PER_STEP = 4;

const nodesOf = (shards: Shard[]) => shards.flatMap((s) => [s.primary, ...s.replicas]);

/** The topology over real redis-server engines (engines/topology/). */
export const redisTopology: Topology = {
  async replicaOf(replica, primary) {
    await replicaOf(replica, primary);
    await waitReplicaSynced(replica, primary);
  },

  promote: (node) => promote(node),

  mostUpToDate: (nodes) => pickMostUpToDate(nodes),

  async buildCluster(shards) {
    await createCluster(shards.map((s) => ({ primary: s.primary, replicas: s.replicas, slots: parseSlots(s.slots) })));
  },

  seedShard: (primary, replicas) => seedShard(primary, replicas),

  async formSeededShard(shard, seed) {
    await formSeededShard(shard, seed);
  },

  async clusterFailover(replica, opts) {
    await clusterFailover(replica, { mode: opts.takeover ? "takeover" : "planned", cluster: opts.live });
  },

  async rejoinCluster(node, primary, cluster) {
    const others = cluster.filter((n) => n !== node);
    // A replaced node comes back empty with a new cluster id: the others forget every id that
    // is not a live node's (a dead node's entry may have lost its address, so ids, not ports).
    const liveIds = new Set(await Promise.all(others.map((n) => clusterMyId(n))));
    const stale = (await clusterNodes(primary)).filter((e) => !e.myself && !liveIds.has(e.id));
    for (const entry of stale) await forgetDeadNode(entry.id, others);
    await replaceReplica(primary, node, others);
  },

  async waitClusterAgrees(nodes) {
    await resumeCluster(nodes);
  },

  async reformCluster(nodes) {
    const prepared = await Promise.all(nodes.map((n) => prepareClusterNode(n)));
    // A node that came back on another port is found again by its id at the new address.
    await Promise.all(
      nodes.flatMap((n, i) =>
        nodes.map((other, j) =>
          i === j
            ? undefined
            : admin(n, ["CLUSTER", "MEET", other.endpoint.host, String(other.endpoint.port), String(prepared[j]!.busPort)]).catch(() => undefined),
        ),
      ),
    );
    await waitClusterConsistent(nodes);
    const view = await clusterNodes(nodes[0]!);
    return new Map(
      nodes.map((n, i) => {
        const entry = view.find((e) => e.id === prepared[i]!.id);
        const role = entry?.role === "master" ? ("primary" as const) : ("replica" as const);
        return [n, { role, slots: formatSlots(entry ? expandSlots(entry.slots) : []) }];
      }),
    );
  },

  async removeFromCluster(nodes, remaining) {
    await removeNodesFromCluster(nodes, nodesOf(remaining));
  },

  async reshard(current, target, onProgress) {
    const all = [...new Set([...nodesOf(current), ...target.flatMap((t) => [t.primary, ...t.replicas])])];
    const ids = new Map<EngineNode, string>();
    for (const shard of target.filter((t) => !current.some((c) => c.primary === t.primary))) {
      const joined = await addShard(shard, nodesOf(current));
      ids.set(shard.primary, joined.primaryId);
    }
    for (const shard of [...current, ...target]) if (!ids.has(shard.primary)) ids.set(shard.primary, await clusterMyId(shard.primary));
    const byId = new Map([...ids].map(([node, id]) => [id, node as EngineNode]));
    const owners = await clusterSlotOwners(target[0].primary);
    const moves = planRebalance(owners, target.map((t) => ids.get(t.primary)!));
    // A few moves at a time, so that the progress AWS shows (SlotMigration) advances.
    for (let done = 0; done < moves.length; done += MOVES_PER_STEP) {
      onProgress((100 * done) / moves.length);
      await applySlotMoves(moves.slice(done, done + MOVES_PER_STEP), byId, { cluster: all });
    }
    onProgress(100);
    const leaving = current.filter((c) => !target.some((t) => t.primary === c.primary));
    const staying = target.map((t) => ({ ...t, slots: "" }));
    if (leaving.length) await removeNodesFromCluster(nodesOf(leaving), nodesOf(staying));
    const after = await clusterSlotOwners(target[0].primary);
    return target.map((t) => formatSlots(after.find((o) => o.id === ids.get(t.primary))?.slots ?? []));
  },
};
