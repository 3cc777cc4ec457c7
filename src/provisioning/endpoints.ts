/**
 * Every resource's endpoints, for the application next to the emulator: GET /_emulator/endpoints
 * (JSON) and the same as environment variables (`/_emulator/endpoints.env`, `elasticache-local
 * endpoints`). Read through the service dispatch (the Describe operations), so it shows exactly
 * what an SDK would be told.
 *
 * Variable names: the resource id in upper case with every other character as `_`
 * (`orders-cache` -> `ORDERS_CACHE`), prefixed by the region (`US_WEST_2_ORDERS_CACHE`) outside
 * the default region and by the account id (`A111122223333_...`) outside the default account;
 * then `_URL` (`redis://`, `rediss://` with TLS, `memcached://`), `_HOST`, `_PORT`, for a
 * replication group without cluster mode also `_READER_URL/_HOST/_PORT`, for Memcached
 * `_SERVERS` (every node, `host:port,...`), and `_TLS=true` with TLS in transit.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.js";
import { AwsError } from "../protocol/aws-error.js";
import type { ApiService } from "../services/service.js";

export interface Address {
  address: string;
  port: number;
}

export interface ResourceEndpoints {
  type: "replication-group" | "cache-cluster" | "serverless-cache";
  id: string;
  accountId: string;
  region: string;
  engine?: string;
  status?: string;
  tls: boolean;
  clusterMode?: boolean;
  configurationEndpoint?: Address;
  primaryEndpoint?: Address;
  readerEndpoint?: Address;
  nodes: Array<Address & { id: string; role?: string; shard?: string }>;
  /** The address an application connects to, as a URL. */
  url?: string;
  env: Record<string, string>;
}

export interface EndpointListing {
  resources: ResourceEndpoints[];
}

type Scope = { accountId: string; region: string };
type Wire = Record<string, unknown>;

export async function listEndpoints(opts: {
  elasticache: ApiService;
  scopes: Scope[];
  defaults: Scope;
  logger: Logger;
}): Promise<EndpointListing> {
  const resources: ResourceEndpoints[] = [];
  for (const scope of opts.scopes) {
    const read = (operation: string, input: Wire, list: string) => readAll(opts.elasticache, operation, input, list, scope, opts.logger);
    const prefix = scopePrefix(scope, opts.defaults);
    for (const group of await read("DescribeReplicationGroups", {}, "ReplicationGroups")) {
      resources.push(fromReplicationGroup(group, scope, prefix));
    }
    for (const cluster of await read("DescribeCacheClusters", { ShowCacheNodeInfo: true }, "CacheClusters")) {
      if (cluster.ReplicationGroupId) continue; // a member: its group lists it
      resources.push(fromCacheCluster(cluster, scope, prefix));
    }
    for (const cache of await read("DescribeServerlessCaches", {}, "ServerlessCaches")) {
      resources.push(fromServerlessCache(cache, scope, prefix));
    }
  }
  return { resources: resources.filter((r) => r.status !== "deleting") };
}

/** The listing as `NAME=value` lines (a compose env_file, `>> $GITHUB_ENV`). */
export function endpointsAsEnv(listing: EndpointListing): string {
  return listing.resources.flatMap((r) => Object.entries(r.env).map(([k, v]) => `${k}=${v}\n`)).join("");
}

async function readAll(service: ApiService, operation: string, input: Wire, list: string, scope: Scope, logger: Logger): Promise<Wire[]> {
  const items: Wire[] = [];
  const paginator = service.model.paginator(operation);
  let token: unknown;
  do {
    const page: Wire = { ...input };
    if (token !== undefined && paginator) page[String(paginator.input_token)] = token;
    let output: Wire;
    try {
      const requestId = randomUUID();
      output = (await service.invoke(operation, page, { requestId, ...scope, logger: logger.child({ requestId }) })) as Wire;
    } catch (error) {
      // An operation the emulator does not serve has nothing to list.
      if (error instanceof AwsError && error.code === "NotImplemented") return items;
      throw error;
    }
    items.push(...((output[list] as Wire[] | undefined) ?? []));
    token = paginator ? output[String(paginator.output_token)] : undefined;
  } while (token !== undefined && token !== null && token !== "");
  return items;
}

function address(endpoint: unknown): Address | undefined {
  const e = endpoint as { Address?: string; Port?: number } | undefined;
  return e?.Address && e.Port ? { address: e.Address, port: e.Port } : undefined;
}

function scopePrefix(scope: Scope, defaults: Scope): string {
  let prefix = "";
  if (scope.accountId !== defaults.accountId) prefix += `A${scope.accountId}_`;
  if (scope.region !== defaults.region) prefix += `${envWord(scope.region)}_`;
  return prefix;
}

const envWord = (text: string) => text.toUpperCase().replace(/[^A-Z0-9]/g, "_");

function redisScheme(tls: boolean): string {
  return tls ? "rediss" : "redis";
}

function addressEnv(env: Record<string, string>, name: string, scheme: string, at: Address | undefined): void {
  if (!at) return;
  env[`${name}_URL`] = `${scheme}://${at.address}:${at.port}`;
  env[`${name}_HOST`] = at.address;
  env[`${name}_PORT`] = String(at.port);
}

function fromReplicationGroup(group: Wire, scope: Scope, prefix: string): ResourceEndpoints {
  const id = String(group.ReplicationGroupId);
  const tls = group.TransitEncryptionEnabled === true;
  const clusterMode = group.ClusterEnabled === true;
  const shards = (group.NodeGroups as Wire[] | undefined) ?? [];
  const nodes: ResourceEndpoints["nodes"] = [];
  for (const shard of shards) {
    for (const member of (shard.NodeGroupMembers as Wire[] | undefined) ?? []) {
      const at = address(member.ReadEndpoint);
      if (at) nodes.push({ id: String(member.CacheClusterId), ...at, ...(member.CurrentRole ? { role: String(member.CurrentRole) } : {}), shard: String(shard.NodeGroupId) });
    }
  }
  const configurationEndpoint = address(group.ConfigurationEndpoint);
  const primaryEndpoint = clusterMode ? undefined : address(shards[0]?.PrimaryEndpoint);
  const readerEndpoint = clusterMode ? undefined : address(shards[0]?.ReaderEndpoint);
  const main = configurationEndpoint ?? primaryEndpoint;
  const name = prefix + envWord(id);
  const env: Record<string, string> = {};
  addressEnv(env, name, redisScheme(tls), main);
  addressEnv(env, `${name}_READER`, redisScheme(tls), readerEndpoint);
  if (tls && main) env[`${name}_TLS`] = "true";
  return {
    type: "replication-group",
    id,
    ...scope,
    engine: group.Engine as string | undefined,
    status: group.Status as string | undefined,
    tls,
    clusterMode,
    ...(configurationEndpoint ? { configurationEndpoint } : {}),
    ...(primaryEndpoint ? { primaryEndpoint } : {}),
    ...(readerEndpoint ? { readerEndpoint } : {}),
    nodes,
    ...(main ? { url: env[`${name}_URL`] } : {}),
    env,
  };
}

function fromCacheCluster(cluster: Wire, scope: Scope, prefix: string): ResourceEndpoints {
  const id = String(cluster.CacheClusterId);
  const engine = cluster.Engine as string | undefined;
  const tls = cluster.TransitEncryptionEnabled === true;
  const nodes: ResourceEndpoints["nodes"] = [];
  for (const node of (cluster.CacheNodes as Wire[] | undefined) ?? []) {
    const at = address(node.Endpoint);
    if (at) nodes.push({ id: String(node.CacheNodeId), ...at });
  }
  const configurationEndpoint = address(cluster.ConfigurationEndpoint);
  const memcached = engine === "memcached";
  const main = memcached ? (configurationEndpoint ?? nodes[0]) : nodes[0];
  const name = prefix + envWord(id);
  const env: Record<string, string> = {};
  addressEnv(env, name, memcached ? "memcached" : redisScheme(tls), main && { address: main.address, port: main.port });
  if (memcached && nodes.length) env[`${name}_SERVERS`] = nodes.map((n) => `${n.address}:${n.port}`).join(",");
  if (tls && main) env[`${name}_TLS`] = "true";
  return {
    type: "cache-cluster",
    id,
    ...scope,
    engine,
    status: cluster.CacheClusterStatus as string | undefined,
    tls,
    ...(configurationEndpoint ? { configurationEndpoint } : {}),
    nodes,
    ...(main ? { url: env[`${name}_URL`] } : {}),
    env,
  };
}

function fromServerlessCache(cache: Wire, scope: Scope, prefix: string): ResourceEndpoints {
  const id = String(cache.ServerlessCacheName);
  const engine = cache.Engine as string | undefined;
  const primaryEndpoint = address(cache.Endpoint);
  const readerEndpoint = address(cache.ReaderEndpoint);
  const scheme = engine === "memcached" ? "memcached" : "rediss";
  const name = prefix + envWord(id);
  const env: Record<string, string> = {};
  addressEnv(env, name, scheme, primaryEndpoint);
  addressEnv(env, `${name}_READER`, scheme, readerEndpoint);
  if (primaryEndpoint) env[`${name}_TLS`] = "true";
  return {
    type: "serverless-cache",
    id,
    ...scope,
    engine,
    status: cache.Status as string | undefined,
    tls: true,
    ...(primaryEndpoint ? { primaryEndpoint } : {}),
    ...(readerEndpoint ? { readerEndpoint } : {}),
    nodes: [],
    ...(primaryEndpoint ? { url: env[`${name}_URL`] } : {}),
    env,
  };
}
