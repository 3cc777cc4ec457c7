/** What a node of a type gets in these tests: AWS's memory for the type, scaled as the emulator is told. */
import { readFileSync } from "node:fs";
import Redis from "ioredis";

const memoryGiB: Record<string, number> = JSON.parse(readFileSync(new URL("../../fixtures/aws/node-types.json", import.meta.url), "utf8")).memoryGiB;

/** The emulators of these tests run nodes at 1% of AWS's memory. */
export const MEMORY_SCALE = 0.01;

export function expectedMaxmemory(nodeType: string): number {
  return Math.max(8 * 1024 * 1024, Math.round(memoryGiB[nodeType] * 1024 ** 3 * MEMORY_SCALE));
}

/** INFO memory's maxmemory, as a client sees it. */
export async function infoMaxmemory(redis: Redis): Promise<number> {
  const info = await redis.info("memory");
  return Number(/^maxmemory:(\d+)/m.exec(info)![1]);
}
