/**
 * What an application does with the variables of `elasticache-local endpoints`: connects to
 * every `*_URL` (and Memcached `*_SERVERS`) with a real client, writes and reads a key.
 */
import Redis, { Cluster } from "ioredis";
import Memcached from "memcached";
import { waitFor } from "../helpers/wait.js";

/** `NAME=value` lines -> a map. */
export function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const at = line.indexOf("=");
    if (at <= 0) throw new Error(`not a NAME=value line: ${JSON.stringify(line)}`);
    env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

function memcached(servers: string) {
  const client = new Memcached(servers.split(","), { retries: 0, timeout: 3000, idle: 1000 });
  const call = <T>(fn: (cb: (err: unknown, value: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
  return {
    set: (key: string, value: string) => call<boolean>((cb) => client.set(key, value, 0, cb)),
    get: (key: string) => call<unknown>((cb) => client.get(key, cb)),
    end: () => client.end(),
  };
}

/**
 * Connects to every endpoint the variables list and checks each works: a Redis URL takes a
 * SET and a GET (through ioredis' Cluster client when the engine says cluster mode), a reader
 * URL serves what its primary was given, a Memcached URL (configuration endpoint) and its
 * `_SERVERS` store and return values. Returns the variables it used.
 */
export async function useEveryEndpoint(env: Record<string, string>): Promise<string[]> {
  const used: string[] = [];
  const readers = Object.keys(env).filter((k) => k.endsWith("_READER_URL"));
  for (const [name, value] of Object.entries(env)) {
    if (!name.endsWith("_URL") || readers.includes(name)) continue;
    const url = new URL(value);
    const host = url.hostname;
    const port = Number(url.port);
    const key = `provisioned:${name}`;
    if (url.protocol === "redis:") {
      const probe = new Redis(port, host, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await probe.connect();
      const clusterMode = /cluster_enabled:1/.test(await probe.info("cluster"));
      if (clusterMode) {
        probe.disconnect();
        const cluster = new Cluster([{ host, port }], { lazyConnect: true });
        try {
          await cluster.connect();
          // Keys in different slots: each lands on the shard that owns it.
          for (const k of [`${key}:a`, `${key}:b`, `${key}:c`]) await cluster.set(k, name);
          for (const k of [`${key}:a`, `${key}:b`, `${key}:c`]) if ((await cluster.get(k)) !== name) throw new Error(`${name}: ${k} not read back`);
        } finally {
          cluster.disconnect();
        }
      } else {
        try {
          await probe.set(key, name);
          if ((await probe.get(key)) !== name) throw new Error(`${name}: ${key} not read back`);
        } finally {
          probe.disconnect();
        }
        const readerName = name.replace(/_URL$/, "_READER_URL");
        if (env[readerName]) {
          const reader = new URL(env[readerName]);
          const replica = new Redis(Number(reader.port), reader.hostname, { maxRetriesPerRequest: 1 });
          try {
            await waitFor(() => replica.get(key), (v) => v === name, { what: `${readerName} to serve ${key}` });
          } finally {
            replica.disconnect();
          }
          used.push(readerName);
        }
      }
      used.push(name);
    } else if (url.protocol === "memcached:") {
      const config = memcached(`${host}:${port}`);
      try {
        await config.set(key, name);
        if ((await config.get(key)) !== name) throw new Error(`${name}: ${key} not read back`);
      } finally {
        config.end();
      }
      used.push(name);
      const serversName = name.replace(/_URL$/, "_SERVERS");
      if (env[serversName]) {
        const nodes = memcached(env[serversName]);
        try {
          for (const k of ["a", "b", "c", "d"]) await nodes.set(`${key}:${k}`, k);
          for (const k of ["a", "b", "c", "d"]) if ((await nodes.get(`${key}:${k}`)) !== k) throw new Error(`${serversName}: ${key}:${k} not read back`);
        } finally {
          nodes.end();
        }
        used.push(serversName);
      }
    } else {
      throw new Error(`${name}: unexpected scheme ${url.protocol}`);
    }
  }
  return used.sort();
}
