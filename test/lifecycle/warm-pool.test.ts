/**
 * The rules of the warm pool (lifecycle/warm-pool.ts) on fake pairs: one held at most, handed
 * over once, waited for while forming, ended when replaced, broken or stopped, never handed
 * over after being ended. The real pairs are tested in test/serverless-caches/serverless-warm-pair.test.ts.
 */
import { expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { WarmPool } from "../../src/lifecycle/warm-pool.js";

interface Fake {
  id: number;
  key: string;
}

function pool(opts: { failing?: Set<string> } = {}) {
  let next = 0;
  const formed: Fake[] = [];
  const discarded: number[] = [];
  const gates: Array<() => void> = [];
  let hold = false;
  const warm = new WarmPool<string, Fake>({
    form: async (key) => {
      if (hold) await new Promise<void>((resolve) => gates.push(resolve));
      if (opts.failing?.has(key)) throw new Error(`cannot form ${key}`);
      const pair = { id: ++next, key };
      formed.push(pair);
      return pair;
    },
    discard: async (pair) => void discarded.push(pair.id),
    sameKey: (a, b) => a === b,
    logger: silentLogger,
    label: "test pool",
  });
  return {
    warm,
    formed,
    discarded,
    holdForming: () => (hold = true),
    release: () => gates.splice(0).forEach((open) => open()),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

it("hands the pair for a key over once, and none for another key", async () => {
  const { warm, discarded } = pool();
  expect(warm.state).toBe("none");
  warm.prepare("valkey-8.1");
  warm.prepare("valkey-8.1");
  await settle();
  expect(warm.state).toBe("ready");
  expect(await warm.take("redis-7.1")).toBeUndefined();
  expect(await warm.take("valkey-8.1")).toEqual({ id: 1, key: "valkey-8.1" });
  expect(await warm.take("valkey-8.1")).toBeUndefined();
  expect(warm.state).toBe("none");
  expect(discarded).toEqual([]);
});

it("a take while the pair forms waits for it", async () => {
  const { warm, holdForming, release } = pool();
  holdForming();
  warm.prepare("k");
  expect(warm.state).toBe("forming");
  const taken = warm.take("k");
  expect(warm.state).toBe("none");
  release();
  expect(await taken).toEqual({ id: 1, key: "k" });
});

it("preparing for another key ends the pair held, formed or still forming", async () => {
  const { warm, discarded, holdForming, release } = pool();
  warm.prepare("a");
  await settle();
  warm.prepare("b");
  await settle();
  expect(discarded).toEqual([1]);
  holdForming();
  warm.prepare("c");
  release();
  await settle();
  // "c" forms once released; "b" (2) was ended when "c" was asked for.
  expect(discarded).toEqual([1, 2]);
  expect(await warm.take("c")).toEqual({ id: 3, key: "c" });
});

it("a pair that broke is ended and not handed over; a failed forming leaves nothing", async () => {
  const { warm, discarded, formed } = pool({ failing: new Set(["bad"]) });
  warm.prepare("k");
  await settle();
  warm.lost({ id: 99, key: "k" });
  expect(warm.state).toBe("ready");
  warm.lost(formed[0]!);
  expect(warm.state).toBe("none");
  expect(await warm.take("k")).toBeUndefined();
  await settle();
  expect(discarded).toEqual([1]);
  warm.prepare("bad");
  await settle();
  expect(warm.state).toBe("none");
  expect(await warm.take("bad")).toBeUndefined();
});

it("stop ends what is held, waits for a pair still forming, and forms no more", async () => {
  const { warm, discarded, holdForming, release } = pool();
  holdForming();
  warm.prepare("k");
  let stopped = false;
  const stopping = warm.stop().then(() => (stopped = true));
  await settle();
  expect(stopped).toBe(false);
  release();
  await stopping;
  expect(discarded).toEqual([1]);
  warm.prepare("k");
  expect(warm.state).toBe("none");
  expect(await warm.take("k")).toBeUndefined();
});
