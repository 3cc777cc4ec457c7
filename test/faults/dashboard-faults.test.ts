/**
 * The dashboard's faults section in headless Debian chromium (playwright-core, as the dashboard
 * test does): every engine process is listed with buttons; a click kills, pauses or disconnects
 * the node through /_emulator/, the active fault is shown, and its Clear button ends it.
 */
import { CreateCacheClusterCommand } from "@aws-sdk/client-elasticache";
import { Redis } from "ioredis";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitFor, waitForCluster } from "../helpers/wait.js";
import { activeFaults, listNodes } from "./helpers.js";

const CHROMIUM = "/usr/bin/chromium";

let emulator: Emulator;
let browser: Browser | undefined;
let page: Page;

describe("dashboard faults in chromium", () => {
  beforeAll(async () => {
    emulator = await startEmulator({ metricsIntervalMs: 500 });
    const ec = sdkClient(emulator);
    await ec.send(new CreateCacheClusterCommand({ CacheClusterId: "target", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
    await waitForCluster(ec, "target", "available");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${emulator.url}/_emulator/`);
    await page.locator("#updated").getByText(/^updated/).waitFor();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await emulator?.stop();
  });

  it("lists the node with its pid and kills it with a click; the node comes back with a new process", async () => {
    const before = (await listNodes(emulator)).find((n) => n.cacheClusterId === "target")!;
    const row = page.locator('[data-node="target/0001"]');
    await row.getByText(String(before.pid)).waitFor();
    await row.getByRole("button", { name: "Kill target/0001" }).click();
    await page.locator("#fault-status").getByText(/^kill on target\/0001: fault node-\d+$/).waitFor();
    await waitFor(() => listNodes(emulator), (nodes) => {
      const n = nodes.find((x) => x.cacheClusterId === "target")!;
      return n.pid !== undefined && n.pid !== before.pid && n.status === "available";
    }, { what: "a new process for the killed node" });
    const after = (await listNodes(emulator)).find((n) => n.cacheClusterId === "target")!;
    await row.getByText(String(after.pid)).waitFor({ timeout: 20_000 });
  });

  it("pauses the node with a click, shows the active fault, and clears it with its Clear button", async () => {
    const node = (await listNodes(emulator)).find((n) => n.cacheClusterId === "target")!;
    await page.locator('[data-node="target/0001"]').getByRole("button", { name: "Pause 10 s target/0001" }).click();
    const [fault] = await waitFor(() => activeFaults(emulator), (faults) => faults.length === 1);
    expect(fault).toMatchObject({ kind: "pause", target: { cacheClusterId: "target", cacheNodeId: "0001" } });
    const row = page.locator(`[data-fault-id="${fault!.id}"]`);
    await row.getByText("pause").waitFor();
    await page.locator('[data-node="target/0001"]').getByText("paused").waitFor();
    await row.getByRole("button", { name: `Clear fault ${fault!.id}` }).click();
    await page.locator("#fault-status").getByText(`cleared ${fault!.id}`).waitFor();
    await page.locator("#faults").getByText("No active fault.").waitFor();
    const redis = new Redis(node.port!, "127.0.0.1", { maxRetriesPerRequest: 1 });
    expect(await redis.ping()).toBe("PONG");
    redis.disconnect();
  });

  it("disconnects the node's clients with a click", async () => {
    const node = (await listNodes(emulator)).find((n) => n.cacheClusterId === "target")!;
    const redis = new Redis(node.port!, "127.0.0.1", { retryStrategy: () => null });
    redis.on("error", () => undefined);
    await redis.ping();
    const ended = new Promise((r) => redis.once("end", r));
    await page.locator('[data-node="target/0001"]').getByRole("button", { name: "Disconnect target/0001" }).click();
    await page.locator("#fault-status").getByText(/^disconnect on target\/0001: fault node-\d+$/).waitFor();
    await ended;
  });
});
