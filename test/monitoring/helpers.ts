/** Reading the emulator's metrics back in tests: CloudWatch sums over a window, memcached text commands, Prometheus lines. */
import { GetMetricStatisticsCommand, type CloudWatchClient, type Dimension } from "@aws-sdk/client-cloudwatch";
import net from "node:net";

/** The sum of a statistic over every datapoint of the last hour (period 60 s). */
export async function statisticOverHour(
  client: CloudWatchClient,
  metricName: string,
  dimensions: Dimension[],
  statistic: "Sum" | "Maximum" | "Minimum" | "SampleCount" | "Average",
  namespace = "AWS/ElastiCache",
): Promise<{ total: number; points: number; unit?: string }> {
  const end = new Date(Date.now() + 60_000);
  const out = await client.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: metricName,
      Dimensions: dimensions,
      StartTime: new Date(end.getTime() - 3_600_000),
      EndTime: end,
      Period: 60,
      Statistics: [statistic],
    }),
  );
  const points = out.Datapoints ?? [];
  const values = points.map((p) => p[statistic] ?? 0);
  return {
    total: statistic === "Maximum" ? Math.max(0, ...values) : values.reduce((a, b) => a + b, 0),
    points: points.length,
    unit: points[0]?.Unit,
  };
}

/** Sends memcached text commands over one connection and returns everything read until `until` matches. */
export function memcachedText(port: number, request: string, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (until.test(text)) {
        socket.end();
        resolve(text);
      }
    });
    socket.on("error", reject);
    socket.write(request);
  });
}

/** Prometheus text -> samples: `name{labels} value`. */
export function parsePrometheus(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}
