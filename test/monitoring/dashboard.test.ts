/**
 * The dashboard at /_emulator/ in headless Debian chromium (DevTools protocol over a pipe): it
 * loads with nothing from outside the emulator, a cluster created after the page loaded appears
 * without a reload, its charts get points, an alarm's state changes on screen, and the page is
 * usable from the keyboard. With DASHBOARD_SCREENSHOT=<file> it also saves a screenshot.
 */
import { PutMetricAlarmCommand, PutMetricDataCommand, SetAlarmStateCommand } from "@aws-sdk/client-cloudwatch";
import { CreateCacheClusterCommand } from "@aws-sdk/client-elasticache";
import { writeFile } from "node:fs/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { cloudwatchClient } from "../cloudwatch/helpers.js";
import { Browser, haveChromium, type Page } from "../helpers/chromium.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { waitFor, waitForCluster } from "../helpers/wait.js";

let emulator: Emulator;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  emulator = await startEmulator({ metricsIntervalMs: 300 });
  browser = await Browser.launch();
  page = await browser.open(`${emulator.url}/_emulator/`);
  await waitFor(() => page.evaluate<string>("document.getElementById('updated')?.textContent ?? ''"), (t) => t.startsWith("updated"), { what: "the page's first update" });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await emulator?.stop();
});

describe.skipIf(!haveChromium)("dashboard in chromium", () => {
  it("loads every asset from the emulator itself (no CDN), and shows empty sections", async () => {
    const outside = await page.evaluate<string[]>(
      `performance.getEntriesByType("resource").map((e) => e.name).filter((n) => !n.startsWith(${JSON.stringify(emulator.url)}))`,
    );
    expect(outside).toEqual([]);
    expect(await page.evaluate<number>("document.querySelectorAll('script[src], link[rel=stylesheet]').length")).toBe(0);
    expect(await page.evaluate<string>("document.getElementById('clusters').textContent")).toContain("No cache cluster yet.");
  });

  it("shows a cluster created after the page loaded, without a reload, with charts that get points", async () => {
    const loadedAt = await page.evaluate<number>("performance.timeOrigin");
    const ec = sdkClient(emulator);
    await ec.send(new CreateCacheClusterCommand({ CacheClusterId: "shown", Engine: "redis", CacheNodeType: "cache.t3.micro", NumCacheNodes: 1 }));
    const cluster = await waitForCluster(ec, "shown", "available");
    const card = await waitFor(
      () => page.evaluate<string>("document.querySelector('[data-cluster=\"shown\"]')?.textContent ?? ''"),
      (text) => text.includes("available"),
      { timeoutMs: 20_000, intervalMs: 100, what: "the card of cluster shown to say available" },
    );
    expect(card).toContain(`127.0.0.1:${cluster.CacheNodes![0]!.Endpoint!.Port}`);
    const client = new Redis(cluster.CacheNodes![0]!.Endpoint!.Port!, "127.0.0.1", { maxRetriesPerRequest: 0 });
    for (let i = 0; i < 50; i++) await client.set(`k${i}`, "v");
    const points = await waitFor(
      () => page.evaluate<Record<string, number>>(`Object.fromEntries([...document.querySelectorAll('[data-cluster="shown"] figure')].map((f) => [f.dataset.metric, Number(f.dataset.points)]))`),
      (p) => p.ops >= 2 && p.memoryBytes >= 2 && p.connections >= 2,
      { timeoutMs: 20_000, intervalMs: 100, what: "the charts of cluster shown to have points" },
    );
    expect(Object.keys(points).sort()).toEqual(["connections", "hitRate", "memoryBytes", "ops"]);
    client.disconnect();
    // Same document: never reloaded.
    expect(await page.evaluate<number>("performance.timeOrigin")).toBe(loadedAt);
  }, 60_000);

  it("shows an alarm and its state changing on screen", async () => {
    const cw = cloudwatchClient(emulator);
    await cw.send(new PutMetricDataCommand({ Namespace: "Dash", MetricData: [{ MetricName: "Load", Value: 1 }] }));
    await cw.send(new PutMetricAlarmCommand({ AlarmName: "dash-load", Namespace: "Dash", MetricName: "Load", Statistic: "Maximum", Period: 60, EvaluationPeriods: 1, Threshold: 10, ComparisonOperator: "GreaterThanThreshold" }));
    const state = () => page.evaluate<string>("document.querySelector('[data-alarm=\"dash-load\"] .state')?.textContent ?? ''");
    const first = await waitFor(state, (s) => s !== "", { timeoutMs: 20_000, intervalMs: 100, what: "the alarm row" });
    expect(["INSUFFICIENT_DATA", "OK"]).toContain(first);
    await cw.send(new SetAlarmStateCommand({ AlarmName: "dash-load", StateValue: "ALARM", StateReason: "shown on the dashboard" }));
    await waitFor(state, (s) => s === "ALARM", { timeoutMs: 20_000, intervalMs: 100, what: "the alarm's state to read ALARM on screen" });
    expect(await page.evaluate<string>("getComputedStyle(document.querySelector('[data-alarm=\"dash-load\"] .state')).color")).toBe("rgb(198, 40, 40)");
  });

  it("is usable from the keyboard: Tab reaches the skip link, then the pause button, which Enter toggles", async () => {
    await page.evaluate("document.activeElement && document.activeElement.blur(), window.focus(), true");
    await page.press("Tab");
    expect(await page.evaluate<string>("document.activeElement.textContent")).toBe("Skip to resources");
    await page.press("Tab");
    expect(await page.evaluate<string>("document.activeElement.id")).toBe("pause");
    await page.press("Enter");
    expect(await page.evaluate<string>("document.getElementById('pause').getAttribute('aria-pressed')")).toBe("true");
    await page.press("Enter");
    expect(await page.evaluate<string>("document.getElementById('pause').getAttribute('aria-pressed')")).toBe("false");
  });

  it("fits a laptop's width without horizontal scrolling", async () => {
    await page.setViewport(1280, 800);
    expect(await page.evaluate<boolean>("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    if (process.env.DASHBOARD_SCREENSHOT) await writeFile(process.env.DASHBOARD_SCREENSHOT, await page.screenshot());
  });
});
