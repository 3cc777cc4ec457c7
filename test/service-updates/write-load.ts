/**
 * An application writing in a loop through one endpoint while nodes roll: each write is
 * counted once the engine acknowledged it; failed writes are retried by the client (a
 * READONLY answer from a demoted primary reconnects, as ioredis users configure it).
 */
import Redis, { Cluster } from "ioredis";

export interface WriteLoad {
  /** Keys whose SET was acknowledged, in order. */
  readonly acked: string[];
  /** Writes that failed even after the client's retries. */
  readonly failed: number;
  stop(): Promise<void>;
  client: Redis | Cluster;
}

export function startWriteLoad(client: Redis | Cluster, prefix: string): WriteLoad {
  const acked: string[] = [];
  let failed = 0;
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const key = `${prefix}:${i}`;
      try {
        await client.set(key, String(i));
        acked.push(key);
      } catch {
        failed++;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  })();
  return {
    acked,
    get failed() {
      return failed;
    },
    client,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** A client of a cluster mode disabled group's primary endpoint that follows a failover. */
export function primaryClient(endpoint: { Address?: string; Port?: number }): Redis {
  const redis = new Redis(endpoint.Port!, endpoint.Address!, {
    maxRetriesPerRequest: 50,
    retryStrategy: () => 20,
    reconnectOnError: (error) => (error.message.startsWith("READONLY") ? 2 : false),
  });
  redis.on("error", () => undefined);
  return redis;
}

/** A cluster client through the configuration endpoint. */
export function clusterClient(endpoint: { Address?: string; Port?: number }): Cluster {
  const cluster = new Cluster([{ host: endpoint.Address!, port: endpoint.Port! }], {
    clusterRetryStrategy: () => 20,
    retryDelayOnFailover: 20,
    retryDelayOnClusterDown: 20,
    redisOptions: { maxRetriesPerRequest: 50, retryStrategy: () => 20 },
  });
  cluster.on("error", () => undefined);
  return cluster;
}

/** The acknowledged keys missing from the data (or holding another value). */
export async function missingKeys(client: Redis | Cluster, keys: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (let i = 0; i < keys.length; i += 200) {
    const chunk = keys.slice(i, i + 200);
    const values = await Promise.all(chunk.map((k) => client.get(k)));
    chunk.forEach((k, j) => {
      if (values[j] !== k.slice(k.lastIndexOf(":") + 1)) missing.push(k);
    });
  }
  return missing;
}
