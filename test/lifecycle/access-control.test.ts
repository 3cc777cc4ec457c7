/** User and user group changes through the shared status machine (no engines). */
import { describe, expect, it } from "vitest";
import { AccessControl } from "../../src/lifecycle/access-control.js";
import { NodeAcl } from "../../src/lifecycle/node-acl.js";
import { silentLogger } from "../../src/logger.js";
import { newRegion } from "./records.js";

const build = (modifyMs: number) =>
  new AccessControl({
    acl: new NodeAcl({ allowRestrictedCommands: false, logger: silentLogger }),
    engineOf: () => undefined,
    delays: { createMs: 0, modifyMs, deleteMs: 0, rebootMs: 0 },
    logger: silentLogger,
  });

describe("access control", () => {
  it("a change settles no sooner than its step's delay, and changes in a region apply in order", async () => {
    const access = build(60);
    const region = newRegion();
    const done: string[] = [];
    const started = Date.now();
    access.syncUserGroups(region, [], "modify", () => done.push(`first after ${Date.now() - started} ms`));
    access.syncUserGroups(region, [], "create", () => done.push("second"));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toHaveLength(2);
    expect(done[0]).toMatch(/^first after (\d+) ms$/);
    expect(Number(/(\d+)/.exec(done[0]!)![1])).toBeGreaterThanOrEqual(55);
    expect(done[1]).toBe("second");
  });

  it("stopAll cancels a pending change's delay at once", async () => {
    const access = build(60_000);
    const region = newRegion();
    let settled = false;
    access.syncUserGroups(region, [], "modify", () => (settled = true));
    const started = Date.now();
    await access.stopAll();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(settled).toBe(false);
  });
});
