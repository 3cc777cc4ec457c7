/** Where the engine and haproxy binaries the tests start directly are (Debian's paths), and whether they are installed. */
import { existsSync } from "node:fs";

export const REDIS_SERVER = "/usr/bin/redis-server";
export const MEMCACHED = "/usr/bin/memcached";
export const HAPROXY = "/usr/sbin/haproxy";
export const haveRedis = existsSync(REDIS_SERVER);
export const haveMemcached = existsSync(MEMCACHED);
export const haveHaproxy = existsSync(HAPROXY);
