/**
 * Redis clients for tests that move primaries around: they retry through reconnects
 * (a failover closes connections on purpose) and are all disconnected at the end.
 */
import Redis from "ioredis";

export class RedisClients {
  private readonly clients: Redis[] = [];

  connect(endpoint: { Address?: string; Port?: number }): Redis {
    const redis = new Redis(endpoint.Port!, endpoint.Address!, { maxRetriesPerRequest: 3, retryStrategy: (n) => (n > 100 ? null : 20) });
    redis.on("error", () => undefined); // reconnects after a failover are expected
    this.clients.push(redis);
    return redis;
  }

  disconnectAll(): void {
    for (const c of this.clients.splice(0)) c.disconnect();
  }
}
