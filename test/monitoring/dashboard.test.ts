/**
 * The dashboard at /_emulator/ in headless Debian chromium, driven by playwright-core: it loads
 * with nothing from outside the emulator (uPlot comes from /_emulator/assets/), a cluster
 * created after the page loaded appears without a reload, its uPlot charts get points and draw
 * them, a serverless cache appears in its section with its endpoints and charts, an alarm's state changes on screen, and the page is usable from the keyboard. With
 * DASHBOARD_SCREENSHOT=<file> it also saves a screenshot.
 */
import { PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { CreateCacheClusterCommand, CreateServerlessCacheCommand } from "@aws-sdk/client-elasticache";
import { Redis } from "ioredis";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { cloudwatchClient } from "../cloudwatch/helpers.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitFor, waitForCluster } from "../helpers/wait.js";
import { describeServerlessCache } from "../serverless-caches/helpers.js";

const CHROMIUM = "/usr/bin/chromium";

let emulator: Emulator;
let browser: Browser | undefined;
let page: Page;
/** Every URL the page asked for, from its first request on. */
const requested: string[] = [];

// Debian's chromium (.ci/run installs it): a missing browser fails here rather than passing unseen.
describe("dashboard in chromium", () => {
  beforeAll(async () => {
    emulator = await startEmulator({ metricsIntervalMs: 300 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("request", (request) => requested.push(request.url()));
    await page.goto(`${emulator.url}/_emulator/`);
    await page.locator("#updated").getByText(/^updated/).waitFor();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await emulator?.stop();
  });

  it("loads every asset from the emulator itself (no CDN), uPlot included, and shows empty sections", async () => {
    expect(requested.filter((url) => !url.startsWith(`${emulator.url}/`))).toEqual([]);
    expect(requested).toContain(`${emulator.url}/_emulator/assets/uPlot.iife.min.js`);
    expect(requested).toContain(`${emulator.url}/_emulator/assets/uPlot.min.css`);
    expect(await page.evaluate(() => typeof (window as unknown as { uPlot?: unknown }).uPlot)).toBe("function");
    // Only uPlot's two files are served, not the rest of the package.
    expect((await fetch(`${emulator.url}/_emulator/assets/uPlot.iife.min.js`)).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch(`${emulator.url}/_emulator/assets/uPlot.cjs.js`)).status).toBe(404);
    await expect(page.locator("#clusters").textContent()).resolves.toContain("No cache cluster yet.");
  });

  it("shows a cluster created after the page loaded, without a reload, with uPlot charts that get points and draw them", async () => {
    const loadedAt = await page.evaluate(() => performance.timeOrigin);
    const ec = sdkClient(emulator);
    await ec.send(new CreateCacheClusterCommand({ CacheClusterId: "shown", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
    const cluster = await waitForCluster(ec, "shown", "available");
    const card = page.locator('[data-cluster="shown"]');
    await card.locator("h3", { hasText: "available" }).waitFor({ timeout: 20_000 });
    expect(await card.textContent()).toContain(`127.0.0.1:${cluster.CacheNodes![0]!.Endpoint!.Port}`);
    const client = new Redis(cluster.CacheNodes![0]!.Endpoint!.Port!, "127.0.0.1", { maxRetriesPerRequest: 0 });
    for (let i = 0; i < 50; i++) await client.set(`k${i}`, "v");
    const points = await waitFor(
      () => card.locator("figure").evaluateAll((figures) => Object.fromEntries(figures.map((f) => [(f as HTMLElement).dataset.metric, Number((f as HTMLElement).dataset.points)]))),
      (p) => p.ops! >= 2 && p.memoryBytes! >= 2 && p.connections! >= 2,
      { timeoutMs: 20_000, intervalMs: 100, what: "the charts of cluster shown to have points" },
    );
    expect(Object.keys(points).sort()).toEqual(["connections", "hitRate", "memoryBytes", "ops"]);
    client.disconnect();
    // uPlot drew the memory series: its canvas holds pixels of the series' stroke colour (#2457c5).
    const strokePixels = await card.locator('figure[data-metric="memoryBytes"] canvas').evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - 0x24) < 24 && Math.abs(data[i + 1]! - 0x57) < 24 && Math.abs(data[i + 2]! - 0xc5) < 24 && data[i + 3]! > 128) n++;
      return n;
    });
    expect(strokePixels).toBeGreaterThan(10);
    expect(await card.locator('figure[data-metric="memoryBytes"] [role="img"]').getAttribute("aria-label")).toMatch(/^memory: latest [\d.]+ (B|KiB|MiB), \d+ points$/);
    // Same document: never reloaded.
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(loadedAt);
  }, 60_000);

  it("shows a serverless cache in its section, with its endpoints and charts that get points from its engine", async () => {
    const ec = sdkClient(emulator);
    await ec.send(new CreateServerlessCacheCommand({ ServerlessCacheName: "shown-sl", Engine: "valkey" }));
    const cache = await describeServerlessCache(ec, "shown-sl", (c) => c.Status === "available");
    const card = page.locator('#serverless [data-serverless="shown-sl"]');
    await card.locator("h3", { hasText: "available" }).waitFor({ timeout: 20_000 });
    const text = await card.textContent();
    expect(text).toContain(`endpoint ${cache.Endpoint!.Address}:${cache.Endpoint!.Port}`);
    expect(text).toContain(`reader ${cache.ReaderEndpoint!.Address}:${cache.ReaderEndpoint!.Port}`);
    const points = await waitFor(
      () => card.locator("figure").evaluateAll((figures) => Object.fromEntries(figures.map((f) => [(f as HTMLElement).dataset.metric, Number((f as HTMLElement).dataset.points)]))),
      (p) => p.memoryBytes! >= 2 && p.connections! >= 2,
      { timeoutMs: 20_000, intervalMs: 100, what: "the charts of serverless cache shown-sl to have points" },
    );
    expect(Object.keys(points).sort()).toEqual(["connections", "hitRate", "memoryBytes", "ops"]);
  }, 60_000);

  it("shows an alarm and its state changing on screen", async () => {
    const cw = cloudwatchClient(emulator);
    await cw.send(new PutMetricDataCommand({ Namespace: "Dash", MetricData: [{ MetricName: "Load", Value: 1 }] }));
    // A one-day period: SetAlarmState's ALARM holds until the alarm's next evaluation, at the end
    // of the period, as on AWS; with a minute's period the page could miss it at a minute's end.
    await cw.send(new PutMetricAlarmCommand({ AlarmName: "dash-load", Namespace: "Dash", MetricName: "Load", Statistic: "Maximum", Period: 86_400, EvaluationPeriods: 1, Threshold: 10, ComparisonOperator: "GreaterThanThreshold" }));
    const state = page.locator('[data-alarm="dash-load"] .state');
    await state.waitFor({ timeout: 20_000 });
    expect(["INSUFFICIENT_DATA", "OK"]).toContain(await state.textContent());
    await cw.send(new SetAlarmStateCommand({ AlarmName: "dash-load", StateValue: "ALARM", StateReason: "shown on the dashboard" }));
    await page.locator('[data-alarm="dash-load"] .state', { hasText: /^ALARM$/ }).waitFor({ timeout: 20_000 });
    expect(await state.evaluate((el) => getComputedStyle(el).color)).toBe("rgb(198, 40, 40)");
  });

  it("is usable from the keyboard: Tab reaches the skip link, then the pause button, which Enter toggles", async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to resources");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("pause");
    await page.keyboard.press("Enter");
    expect(await page.locator("#pause").getAttribute("aria-pressed")).toBe("true");
    await page.keyboard.press("Enter");
    expect(await page.locator("#pause").getAttribute("aria-pressed")).toBe("false");
  });

  it("fits a laptop's width without horizontal scrolling, and asked nothing from outside the emulator", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(requested.filter((url) => !url.startsWith(`${emulator.url}/`))).toEqual([]);
    if (process.env.DASHBOARD_SCREENSHOT) await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT });
  });
});
