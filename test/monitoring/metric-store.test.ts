/** The metric store's series: ordering, the switch from single values to statistic sets, retention, ranges. */
import { describe, expect, it } from "vitest";
import { MAX_POINTS_PER_SERIES, MetricStore, RETENTION_MS, valuePoint } from "../../src/services/cloudwatch/metric-store.js";

const scope = { accountId: "000000000000", region: "us-east-1" };

describe("a metric series", () => {
  it("keeps datapoints in time order, whatever order they arrive in, and answers a half-open range", () => {
    const metrics = new MetricStore().region(scope);
    const now = 1_000_000_000;
    for (const t of [5, 1, 3, 2, 4, 3]) metrics.put("N", "M", [], valuePoint(now + t * 1000, t), "Count", now + 10_000);
    const series = metrics.find("N", "M", [])!;
    expect(series.all().map((p) => p.sum)).toEqual([1, 2, 3, 3, 4, 5]);
    expect(series.range(now + 2000, now + 4000).map((p) => p.t - now)).toEqual([2000, 3000, 3000]);
    expect(series.latest()?.sum).toBe(5);
  });

  it("finds a series by its dimensions in any order", () => {
    const metrics = new MetricStore().region(scope);
    metrics.put("N", "M", [{ Name: "b", Value: "2" }, { Name: "a", Value: "1" }], valuePoint(1, 1), undefined, 1);
    expect(metrics.find("N", "M", [{ Name: "a", Value: "1" }, { Name: "b", Value: "2" }])?.size).toBe(1);
    expect(metrics.find("N", "M", [{ Name: "a", Value: "1" }])).toBeUndefined();
  });

  it("keeps single values and statistic sets together once a statistic set arrives", () => {
    const metrics = new MetricStore().region(scope);
    metrics.put("N", "M", [], valuePoint(1000, 7), undefined, 2000);
    metrics.put("N", "M", [], { t: 500, count: 3, sum: 30, min: 5, max: 15 }, undefined, 2000);
    metrics.put("N", "M", [], valuePoint(1500, 9), undefined, 2000);
    expect(metrics.find("N", "M", [])!.all()).toEqual([
      { t: 500, count: 3, sum: 30, min: 5, max: 15 },
      { t: 1000, count: 1, sum: 7, min: 7, max: 7, values: [7] },
      { t: 1500, count: 1, sum: 9, min: 9, max: 9, values: [9] },
    ]);
  });

  it("drops what is older than the retention window and beyond the cap; a series with nothing left is forgotten", () => {
    const store = new MetricStore();
    const metrics = store.region(scope);
    const now = 10 * RETENTION_MS;
    metrics.put("N", "old", [], valuePoint(now - RETENTION_MS - 1, 1), undefined, now - RETENTION_MS - 1);
    for (let i = 0; i < MAX_POINTS_PER_SERIES + 10; i++) metrics.put("N", "many", [], valuePoint(now - 1000 + i / 100, i), undefined, now);
    const many = metrics.find("N", "many", [])!;
    expect(many.size).toBe(MAX_POINTS_PER_SERIES);
    expect(many.all()[0]!.sum).toBe(10);
    store.prune(now);
    expect(metrics.find("N", "old", [])).toBeUndefined();
    expect(metrics.all().map((s) => s.id.metricName)).toEqual(["many"]);
  });
});
