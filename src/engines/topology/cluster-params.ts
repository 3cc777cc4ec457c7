/**
 * The start parameters of a cluster-mode redis-server (cluster mode enabled): what the
 * node must be told on its command line, before it can join a Redis Cluster.
 */
import net from "node:net";

export interface ClusterNodeParamsOptions {
  /** The advertised host clients use: an IP literal, or a name (docker-compose service). */
  announceHost: string;
  /** The node's client port (announced as is: no port mapping). */
  port: number;
  /** cluster-node-timeout: how long before Redis itself flags a silent node as failing. */
  nodeTimeoutMs: number;
  /** The cluster bus port; Redis's default is port + 10000. */
  busPort?: number;
  /** cluster-require-full-coverage; ElastiCache's default is "no". */
  requireFullCoverage?: boolean;
}

/**
 * The `params` of a NodeSpec for a cluster-mode node.
 *
 * - `cluster-config-file nodes.conf` is relative to the node's cwd, its workDir.
 * - Announce: with an IP literal, `cluster-announce-ip`; with a name,
 *   `cluster-announce-hostname` + `cluster-preferred-endpoint-type hostname`, so that
 *   MOVED/ASK, CLUSTER SLOTS/SHARDS/NODES point where clients reach the node. In the
 *   hostname case nodes still meet over the bus by the IPs they see each other on.
 * - `cluster-replica-no-failover yes`: Redis Cluster's own automatic failover waits
 *   node-timeout (+ an election) and ignores AutomaticFailoverEnabled. The emulator sees
 *   a dead process at once (its exit) and decides, then drives CLUSTER FAILOVER TAKEOVER
 *   (see clusterFailover); manual CLUSTER FAILOVER [FORCE|TAKEOVER] still works with
 *   this setting. So the cluster never fails over behind the emulator's back and the
 *   records (which node is primary) stay true.
 * - `cluster-allow-replica-migration no`: we place replicas ourselves; Redis must not
 *   move a replica to an orphaned primary, nor turn a primary emptied by resharding
 *   into a replica of the node that took its last slot.
 * - `repl-diskless-sync-delay 0`: a replica's full sync starts at once instead of after 5 s.
 *
 * The replicas' credentials (masteruser/masterauth for the admin user) are not here: they
 * are set with CONFIG SET by createCluster/addShard/replaceReplica (prepareClusterNode),
 * so the admin password never appears on a command line.
 */
export function clusterNodeParams(opts: ClusterNodeParamsOptions): Record<string, string> {
  const params: Record<string, string> = {
    "cluster-enabled": "yes",
    "cluster-config-file": "nodes.conf",
    "cluster-node-timeout": String(Math.max(1, Math.round(opts.nodeTimeoutMs))),
    "cluster-announce-port": String(opts.port),
    "cluster-require-full-coverage": opts.requireFullCoverage ? "yes" : "no",
    "cluster-allow-replica-migration": "no",
    "cluster-replica-no-failover": "yes",
    "repl-diskless-sync-delay": "0",
  };
  if (net.isIP(opts.announceHost) !== 0) {
    params["cluster-announce-ip"] = opts.announceHost;
  } else {
    params["cluster-announce-hostname"] = opts.announceHost;
    params["cluster-preferred-endpoint-type"] = "hostname";
  }
  if (opts.busPort !== undefined) {
    params["cluster-port"] = String(opts.busPort);
    params["cluster-announce-bus-port"] = String(opts.busPort);
  }
  return params;
}
