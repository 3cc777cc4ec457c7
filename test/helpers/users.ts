/** Waits and clients for the users, user groups and AUTH token tests. */
import {
  DescribeUserGroupsCommand,
  DescribeUsersCommand,
  type ElastiCacheClient,
  type User,
  type UserGroup,
} from "@aws-sdk/client-elasticache";
import Redis, { type RedisOptions } from "ioredis";
import { GONE, orGone, waitFor } from "./wait.js";

export function waitForUserGroup(client: ElastiCacheClient, id: string, status = "active"): Promise<UserGroup> {
  return waitFor(
    async () => (await client.send(new DescribeUserGroupsCommand({ UserGroupId: id }))).UserGroups![0],
    (g) => g.Status === status,
    { what: `user group ${id} to be ${status}` },
  );
}

export function waitForUser(client: ElastiCacheClient, id: string, status = "active"): Promise<User> {
  return waitFor(async () => (await client.send(new DescribeUsersCommand({ UserId: id }))).Users![0], (u) => u.Status === status, {
    what: `user ${id} to be ${status}`,
  });
}

export async function waitForUserGone(client: ElastiCacheClient, id: string): Promise<void> {
  await waitFor(orGone(() => client.send(new DescribeUsersCommand({ UserId: id })), "UserNotFoundFault"), (u) => u === GONE, {
    what: `user ${id} to be deleted`,
    show: (u) => (u === GONE ? "gone" : u.Users?.[0]?.Status),
  });
}

/** Standalone ioredis connections that never retry on their own, all closed by closeAll(). */
export class Connections {
  private readonly open: Redis[] = [];

  async connect(endpoint: { Address?: string; Port?: number }, options: RedisOptions = {}): Promise<Redis> {
    // RESP2 without a ready check: a connection that has not authenticated yet still opens
    // (RESP3's HELLO and the INFO ready check would need AUTH first).
    const redis = new Redis(endpoint.Port!, endpoint.Address!, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      protocol: 2,
      enableReadyCheck: false,
      ...options,
    });
    redis.on("error", () => undefined);
    this.open.push(redis);
    await redis.connect();
    return redis;
  }

  /** The error a connection attempt ends with (e.g. WRONGPASS), or undefined when it connects. */
  async connectError(endpoint: { Address?: string; Port?: number }, options: RedisOptions = {}): Promise<string | undefined> {
    try {
      const redis = await this.connect(endpoint, options);
      await redis.ping();
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  closeAll(): void {
    for (const r of this.open.splice(0)) r.disconnect();
  }
}
