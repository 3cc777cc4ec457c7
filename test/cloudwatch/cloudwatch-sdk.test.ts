/**
 * CloudWatch on the emulator's one API port, through @aws-sdk/client-cloudwatch in the protocol it
 * sends by default (awsJson1_0, query-compatible) and in Smithy RPC v2 CBOR (the SDK's own CBOR
 * protocol, as the Go and Java SDKs send it), with ElastiCache answering alongside.
 */
import { CloudWatchServiceException, DescribeAlarmsCommand, ListDashboardsCommand } from "@aws-sdk/client-cloudwatch";
import { CacheClusterNotFoundFault, DescribeCacheClustersCommand } from "@aws-sdk/client-elasticache";
import { decode } from "cborg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { cloudwatchClient } from "./helpers.js";

let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

async function sdkError(promise: Promise<unknown>): Promise<CloudWatchServiceException & { Code?: string; Type?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as CloudWatchServiceException & { Code?: string };
  }
  throw new Error("expected the call to fail");
}

for (const protocol of ["default", "rpc-v2-cbor"] as const) {
  describe(`@aws-sdk/client-cloudwatch (${protocol === "default" ? "awsJson1_0, its default" : "Smithy RPC v2 CBOR"})`, () => {
    const client = () => cloudwatchClient(emulator, { protocol });

    it("DescribeAlarms answers an empty MetricAlarms list that the SDK parses, with the request id", async () => {
      const out = await client().send(new DescribeAlarmsCommand({}));
      expect(out.MetricAlarms).toEqual([]);
      expect(out.CompositeAlarms).toBeUndefined();
      expect(out.NextToken).toBeUndefined();
      expect(out.$metadata.httpStatusCode).toBe(200);
      expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("DescribeAlarms with AlarmTypes CompositeAlarm, filters and a page size answers both (empty) lists", async () => {
      const out = await client().send(
        new DescribeAlarmsCommand({ AlarmTypes: ["MetricAlarm", "CompositeAlarm"], StateValue: "ALARM", AlarmNamePrefix: "cpu-", MaxRecords: 100 }),
      );
      expect(out.MetricAlarms).toEqual([]);
      expect(out.CompositeAlarms).toEqual([]);
    });

    it("a StateValue outside the enum is a ValidationError (400), worded as AWS words it", async () => {
      const e = await sdkError(client().send(new DescribeAlarmsCommand({ StateValue: "SOMETIMES" as never })));
      expect(e.Code).toBe("ValidationError");
      expect(e.$fault).toBe("client");
      expect(e.$metadata.httpStatusCode).toBe(400);
      expect(e.message).toBe(
        "1 validation error detected: Value 'SOMETIMES' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [OK, ALARM, INSUFFICIENT_DATA]",
      );
    });

    it("MaxRecords outside 1..100 is a ValidationError", async () => {
      const low = await sdkError(client().send(new DescribeAlarmsCommand({ MaxRecords: 0 })));
      expect(low.Code).toBe("ValidationError");
      expect(low.message).toBe(
        "1 validation error detected: Value '0' at 'maxRecords' failed to satisfy constraint: Member must have value greater than or equal to 1",
      );
      const high = await sdkError(client().send(new DescribeAlarmsCommand({ MaxRecords: 101 })));
      expect(high.Code).toBe("ValidationError");
      expect(high.message).toContain("Member must have value less than or equal to 100");
    });

    it("AlarmNames with AlarmNamePrefix is InvalidParameterCombination, the SDK's modeled exception", async () => {
      const e = await sdkError(client().send(new DescribeAlarmsCommand({ AlarmNames: ["a"], AlarmNamePrefix: "a" })));
      expect(e.name).toBe("InvalidParameterCombinationException");
      expect(e.Code).toBe("InvalidParameterCombination");
      expect(e.$metadata.httpStatusCode).toBe(400);
    });

    it("a NextToken the emulator did not hand out is InvalidNextToken, the SDK's modeled exception", async () => {
      const e = await sdkError(client().send(new DescribeAlarmsCommand({ NextToken: "not-a-token!" })));
      expect(e.name).toBe("InvalidNextToken");
      expect(e.$metadata.httpStatusCode).toBe(400);
    });

    it("an operation of the model that the emulator does not do yet answers NotImplemented (501) in the SDK's protocol", async () => {
      const e = await sdkError(client().send(new ListDashboardsCommand({})));
      expect(e.Code ?? e.name).toBe("NotImplemented");
      expect(e.$metadata.httpStatusCode).toBe(501);
      expect(e.message).toBe("ListDashboards is not implemented by elasticache-local yet.");
    });
  });
}

describe("CloudWatch next to ElastiCache on one port", () => {
  it("ElastiCache calls still work, and still answer their XML errors", async () => {
    const elasticache = sdkClient(emulator);
    const [alarms, clusters] = await Promise.all([
      cloudwatchClient(emulator).send(new DescribeAlarmsCommand({})),
      elasticache.send(new DescribeCacheClustersCommand({})),
    ]);
    expect(alarms.MetricAlarms).toEqual([]);
    expect(clusters.CacheClusters).toEqual([]);
    await expect(elasticache.send(new DescribeCacheClustersCommand({ CacheClusterId: "nope" }))).rejects.toBeInstanceOf(CacheClusterNotFoundFault);
  });

  it("awsJson: the error carries __type and the query code in x-amzn-query-error", async () => {
    const response = await fetch(`${emulator.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "GraniteServiceVersion20100801.DescribeAlarms", "x-amzn-query-mode": "true" },
      body: JSON.stringify({ MaxRecords: 0 }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/x-amz-json-1.0");
    expect(response.headers.get("x-amzn-query-error")).toBe("ValidationError;Sender");
    expect(await response.json()).toMatchObject({ __type: "com.amazonaws.cloudwatch#ValidationError" });
  });

  it("an unknown CloudWatch operation answers UnknownOperationException in the request's protocol, not ElastiCache XML", async () => {
    const json = await fetch(`${emulator.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": "GraniteServiceVersion20100801.LaunchRockets" },
      body: "{}",
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({
      __type: "com.amazonaws.cloudwatch#UnknownOperationException",
      message: "The operation LaunchRockets is not known to this service.",
    });

    const cbor = await fetch(`${emulator.url}/service/GraniteServiceVersion20100801/operation/LaunchRockets`, {
      method: "POST",
      headers: { "content-type": "application/cbor", accept: "application/cbor", "smithy-protocol": "rpc-v2-cbor" },
      body: new Uint8Array([0xa0]),
    });
    expect(cbor.status).toBe(400);
    expect(cbor.headers.get("smithy-protocol")).toBe("rpc-v2-cbor");
    expect(cbor.headers.get("content-type")).toBe("application/cbor");
    expect(decode(new Uint8Array(await cbor.arrayBuffer()))).toMatchObject({ __type: "com.amazonaws.cloudwatch#UnknownOperationException" });

    const query = await fetch(`${emulator.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=LaunchRockets&Version=2010-08-01",
    });
    expect(query.status).toBe(400);
    const xml = await query.text();
    expect(xml).toContain('<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">');
    expect(xml).toContain("<Code>InvalidAction</Code>");
  });

  it("an unknown target prefix names no service: UnknownOperationException, in JSON", async () => {
    const response = await fetch(`${emulator.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "DynamoDB_20120810.ListTables" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect((await response.json()).__type).toMatch(/#UnknownOperationException$/);
  });

  it("a query request for CloudWatch (by Version) answers CloudWatch's XML", async () => {
    const response = await fetch(`${emulator.url}/?Action=DescribeAlarms&Version=2010-08-01`);
    expect(response.status).toBe(200);
    const xml = await response.text();
    expect(xml).toContain(
      '<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><DescribeAlarmsResult><MetricAlarms></MetricAlarms></DescribeAlarmsResult>',
    );
    expect(response.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("CloudWatch under strict authentication", () => {
  it("accepts a request signed for `monitoring` with a configured secret, and refuses a wrong secret in the SDK's protocol", async () => {
    const strict = await startEmulator({ strictAuth: true, credentials: [{ accessKeyId: "AKIDCLOUDWATCH", secretAccessKey: "right" }] });
    try {
      const ok = cloudwatchClient(strict, { accessKeyId: "AKIDCLOUDWATCH", secretAccessKey: "right" });
      expect((await ok.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
      for (const protocol of ["default", "rpc-v2-cbor"] as const) {
        const wrong = cloudwatchClient(strict, { accessKeyId: "AKIDCLOUDWATCH", secretAccessKey: "wrong", protocol });
        const e = await sdkError(wrong.send(new DescribeAlarmsCommand({})));
        expect(e.Code ?? e.name).toBe("SignatureDoesNotMatch");
        expect(e.$metadata.httpStatusCode).toBe(403);
      }
    } finally {
      await strict.stop();
    }
  });
});
