/**
 * The three CloudWatch wire protocols against the official SDK's own codecs, with values that
 * DescribeAlarms does not produce yet (no alarms exist): a full metric alarm and a composite alarm
 * (timestamps with milliseconds, doubles, nested lists and structures) written by our encoder and
 * read by @aws-sdk/client-cloudwatch in awsJson1_0, RPC v2 CBOR and awsQuery; and a request the
 * SDK writes (timestamps, lists, doubles) read back by our decoder.
 */
import { Readable } from "node:stream";
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { AwsJson1_0Protocol, AwsQueryProtocol, AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import { HttpResponse } from "@smithy/core/transport";
import { describe, expect, it } from "vitest";
import { cborProtocol } from "../../src/protocol/cbor-protocol.js";
import { jsonProtocol } from "../../src/protocol/json-protocol.js";
import { models } from "../../src/protocol/model.js";
import { queryProtocol } from "../../src/protocol/query-protocol.js";
import type { ApiRequest, WireProtocol } from "../../src/protocol/wire.js";
import { decodeForm } from "../../src/server/form-params.js";

const model = models.model("cloudwatch");

const metricAlarm = {
  AlarmName: "cpu-high",
  AlarmArn: "arn:aws:cloudwatch:us-east-1:000000000000:alarm:cpu-high",
  AlarmDescription: "CPU above 90% <&>",
  AlarmConfigurationUpdatedTimestamp: new Date("2026-01-02T03:04:05.678Z"),
  ActionsEnabled: true,
  AlarmActions: ["arn:aws:sns:us-east-1:000000000000:page"],
  OKActions: [],
  StateValue: "ALARM" as const,
  StateReason: "Threshold Crossed",
  StateUpdatedTimestamp: new Date("2026-01-02T03:05:00.000Z"),
  MetricName: "CPUUtilization",
  Namespace: "AWS/ElastiCache",
  Statistic: "Average" as const,
  Dimensions: [{ Name: "CacheClusterId", Value: "c1" }],
  Period: 60,
  EvaluationPeriods: 3,
  Threshold: 90.5,
  ComparisonOperator: "GreaterThanThreshold" as const,
  Metrics: [{ Id: "m1", MetricStat: { Metric: { Namespace: "AWS/ElastiCache", MetricName: "CPUUtilization", Dimensions: [] }, Period: 60, Stat: "p99" }, ReturnData: true }],
};
const compositeAlarm = { AlarmName: "any", AlarmRule: 'ALARM("cpu-high")', StateValue: "OK" as const, StateUpdatedTimestamp: new Date("2026-01-02T03:06:00.001Z") };

const protocols = [
  { name: "awsJson1_0", ours: jsonProtocol("1.0"), sdk: AwsJson1_0Protocol },
  { name: "Smithy RPC v2 CBOR", ours: cborProtocol, sdk: AwsSmithyRpcV2CborProtocol },
  { name: "awsQuery", ours: queryProtocol, sdk: AwsQueryProtocol },
] as const;

/** A CloudWatch client in `sdkProtocol` whose every request is answered by `ours` (and recorded). */
function clientAnsweredBy(ours: WireProtocol, sdkProtocol: unknown, output: unknown, sent: ApiRequest[]): CloudWatchClient {
  const handle = async (request: { method: string; path: string; headers: Record<string, string>; body?: unknown }) => {
    const body = request.body instanceof Uint8Array ? Buffer.from(request.body) : Buffer.from(String(request.body ?? ""));
    const apiRequest: ApiRequest = { method: request.method, path: request.path, headers: request.headers, body };
    if (ours.name === "query") apiRequest.params = decodeForm(body);
    sent.push(apiRequest);
    const { operation } = ours.decode(model, apiRequest);
    const answer = ours.output(model, operation, output, "rid-1");
    const bytes = answer.body instanceof Uint8Array ? answer.body : Buffer.from(typeof answer.body === "string" ? answer.body : answer.body.join(""));
    return { response: new HttpResponse({ statusCode: answer.status, headers: answer.headers, body: Readable.from([Buffer.from(bytes)]) }) };
  };
  return new CloudWatchClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1,
    protocol: sdkProtocol as never,
    requestHandler: { handle } as never,
  });
}

describe.each(protocols)("$name: our encoder, the SDK's parser", ({ ours, sdk }) => {
  it("a DescribeAlarms page with a full metric alarm and a composite alarm reads back equal", async () => {
    const client = clientAnsweredBy(ours, sdk, { MetricAlarms: [metricAlarm], CompositeAlarms: [compositeAlarm], NextToken: "tok" }, []);
    const out = await client.send(new DescribeAlarmsCommand({ AlarmTypes: ["MetricAlarm", "CompositeAlarm"] }));
    expect(out.MetricAlarms).toEqual([metricAlarm]);
    expect(out.CompositeAlarms).toEqual([compositeAlarm]);
    expect(out.NextToken).toBe("tok");
    expect(out.$metadata.requestId).toBe("rid-1");
  });
});

describe.each(protocols)("$name: the SDK's request, our decoder", ({ ours, sdk }) => {
  it("GetMetricStatistics' timestamps, lists and strings decode to the model's input", async () => {
    const sent: ApiRequest[] = [];
    const client = clientAnsweredBy(ours, sdk, { Label: "CPUUtilization", Datapoints: [{ Timestamp: new Date(1767322000000), Average: 1.5, Unit: "Percent" }] }, sent);
    const input = {
      Namespace: "AWS/ElastiCache",
      MetricName: "CPUUtilization",
      Dimensions: [{ Name: "CacheClusterId", Value: "c 1+&" }],
      StartTime: new Date("2026-01-02T00:00:00.000Z"),
      EndTime: new Date("2026-01-02T01:00:00.500Z"),
      Period: 60,
      Statistics: ["Average" as const, "Maximum" as const],
    };
    const out = await client.send(new GetMetricStatisticsCommand(input));
    expect(out.Datapoints).toEqual([{ Timestamp: new Date(1767322000000), Average: 1.5, Unit: "Percent" }]);
    const { operation, input: decoded } = ours.decode(model, sent[0]);
    expect(operation.name).toBe("GetMetricStatistics");
    expect(decoded).toEqual(input);
  });
});
