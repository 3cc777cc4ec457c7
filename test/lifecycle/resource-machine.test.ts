/** The status machine every lifecycle shares, without processes. */
import { describe, expect, it } from "vitest";
import { silentLogger } from "../../src/logger.js";
import { ResourceMachine, type MachineKind } from "../../src/lifecycle/resource-machine.js";
import { eventsOf, newRegion } from "./records.js";

interface Thing {
  arn: string;
  id: string;
  status: string;
  progress?: number;
}

const kind: MachineKind<Thing, { stopped: boolean }> = {
  label: "thing",
  sourceType: "serverless-cache",
  sourceId: (t) => t.id,
  newRuntime: () => ({ stopped: false }),
  settle: (t) => (t.progress = undefined),
  failed: (t, message) => ({ status: t.status === "creating" ? "create-failed" : "available", event: `Thing failed: ${message}` }),
  remove: () => undefined,
};

const delays = { createMs: 0, modifyMs: 0, deleteMs: 0, rebootMs: 0 };
const thing = (id: string, status = "creating"): Thing => ({ arn: `arn:${id}`, id, status });

describe("resource machine", () => {
  it("ends a step available with its event, after its work", async () => {
    const region = newRegion();
    const machine = new ResourceMachine(kind, { delays, logger: silentLogger });
    const t = thing("a");
    const seen: string[] = [];
    await machine.transition(region, t, { event: "Thing created" }, async () => void seen.push(t.status));
    expect(seen).toEqual(["creating"]);
    expect(t.status).toBe("available");
    expect(eventsOf(region, "a")).toEqual(["Thing created"]);
  });

  it("holds the transitional status for the configured delay, then settles the record", async () => {
    const region = newRegion();
    const machine = new ResourceMachine(kind, { delays: { ...delays, modifyMs: 80 }, logger: silentLogger });
    const t = { ...thing("a", "modifying"), progress: 40 };
    const started = Date.now();
    const done = machine.transition(region, t, { delay: "modifyMs", event: "Thing modified" }, async () => "Resized thing");
    await new Promise((r) => setTimeout(r, 20));
    expect(t.status).toBe("modifying");
    await done;
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect(t).toMatchObject({ status: "available", progress: undefined });
    // The work's own text replaces the step's.
    expect(eventsOf(region, "a")).toEqual(["Resized thing"]);
  });

  it("leaves the kind's failure status and event when the work fails", async () => {
    const region = newRegion();
    const machine = new ResourceMachine(kind, { delays, logger: silentLogger });
    const t = thing("a");
    await machine.transition(region, t, { event: "Thing created" }, async () => {
      throw new Error("no engine");
    });
    expect(t.status).toBe("create-failed");
    expect(eventsOf(region, "a")).toEqual(["Thing failed: no engine"]);
  });

  it("runs work on one resource in order, and on others side by side", async () => {
    const region = newRegion();
    const machine = new ResourceMachine(kind, { delays, logger: silentLogger });
    const order: string[] = [];
    const a = thing("a");
    const b = thing("b");
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = machine.run(region, a, async () => {
      await gate;
      order.push("a1");
    });
    const second = machine.run(region, a, async () => void order.push("a2"));
    await machine.run(region, b, async () => void order.push("b1"));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["b1", "a1", "a2"]);
  });

  it("removes a deleted resource and drops its runtime", async () => {
    const region = newRegion();
    const removed: string[] = [];
    const machine = new ResourceMachine({ ...kind, remove: (_r, t) => void removed.push(t.id) }, { delays, logger: silentLogger });
    const t = thing("a", "deleting");
    await machine.transition(region, t, { ends: "removed", event: "Thing deleted" }, async () => undefined);
    expect(removed).toEqual(["a"]);
    expect(machine.runtime(t)).toBeUndefined();
    expect(eventsOf(region, "a")).toEqual(["Thing deleted"]);
  });

  it("stopAll cancels a pause at once and stops every runtime; the step does not end", async () => {
    const region = newRegion();
    const machine = new ResourceMachine(kind, { delays: { ...delays, createMs: 60_000 }, logger: silentLogger });
    const t = thing("a");
    const step = machine.transition(region, t, { delay: "createMs", event: "Thing created" }, async () => undefined);
    await new Promise((r) => setTimeout(r, 10));
    const runtime = machine.runtime(t)!;
    const started = Date.now();
    await machine.stopAll(async (rt) => void (rt.stopped = true));
    await step;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(runtime.stopped).toBe(true);
    expect(t.status).toBe("creating");
    expect(eventsOf(region, "a")).toEqual([]);
  });
});
