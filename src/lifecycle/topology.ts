/**
 * What replication groups ask of the engines' topology: replication, promotion, a Redis
 * Cluster and its failover. Implemented over the engines' admin commands.
 */
import type { EngineNode } from "../engines/engine.js";

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
  /** Promotes a replica of a Redis Cluster shard (TAKEOVER when its primary is dead). */
  clusterFailover(replica: EngineNode, opts: { takeover: boolean }): Promise<void>;
  /**
   * Brings a node (new, or replaced after its engine died) into the cluster as a replica of
   * its shard's primary: the shard whose `replicas` list holds it.
   */
  rejoinCluster(node: EngineNode, shards: Shard[]): Promise<void>;
  /** Takes replicas out of the cluster (every remaining node forgets them). */
  removeFromCluster(nodes: EngineNode[], remaining: Shard[]): Promise<void>;
}

const POLL_MS = 5;
const SYNC_TIMEOUT_MS = 30_000;

function admin(node: EngineNode): (args: string[]) => Promise<unknown> {
  if (!node.adminCommand || !node.adminAuth) throw new Error(`node ${node.spec.nodeName} has no admin access (not a Redis engine)`);
  return node.adminCommand.bind(node);
}

async function replicationInfo(node: EngineNode): Promise<Record<string, string>> {
  const text = String(await admin(node)(["INFO", "replication"]));
  return Object.fromEntries(
    text
      .split(/\r?\n/)
      .filter((line) => line.includes(":"))
      .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1)]),
  );
}

/** Replication for cluster mode disabled groups, over the admin user (REPLICAOF is restricted for clients). */
export const redisReplication: Pick<Topology, "replicaOf" | "promote" | "mostUpToDate"> = {
  async replicaOf(replica, primary) {
    const run = admin(replica);
    const auth = primary.adminAuth!;
    await run(["CONFIG", "SET", "masteruser", auth.user]);
    await run(["CONFIG", "SET", "masterauth", auth.password]);
    await run(["REPLICAOF", primary.endpoint.host, String(primary.endpoint.port)]);
    const deadline = Date.now() + SYNC_TIMEOUT_MS;
    while ((await replicationInfo(replica)).master_link_status !== "up") {
      if (Date.now() > deadline) throw new Error(`${replica.spec.nodeName} did not sync with ${primary.spec.nodeName}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  },

  async promote(node) {
    await admin(node)(["REPLICAOF", "NO", "ONE"]);
  },

  async mostUpToDate(nodes) {
    const offsets = await Promise.all(
      nodes.map(async (n) => {
        const info = await replicationInfo(n).catch(() => ({}) as Record<string, string>);
        return Number(info.slave_repl_offset ?? info.master_repl_offset ?? -1);
      }),
    );
    return nodes[offsets.indexOf(Math.max(...offsets))];
  },
};

export const redisTopology: Topology = {
  ...redisReplication,
  buildCluster: () => Promise.reject(new Error("cluster mode is being wired")),
  clusterFailover: () => Promise.reject(new Error("cluster mode is being wired")),
  rejoinCluster: () => Promise.reject(new Error("cluster mode is being wired")),
  removeFromCluster: () => Promise.reject(new Error("cluster mode is being wired")),
};
