/**
 * Every operation's input, filled from the model and sent by the real JS v3 SDK, must be
 * decoded by parseInput into exactly what the caller passed; plus the wire quirks that
 * botocore/CLI clients produce (`+` for space, microsecond timestamps, `X=` lists).
 */
import { describe, expect, it } from "vitest";
import { AwsError } from "../../src/protocol/aws-error.js";
import { models } from "../../src/protocol/model.js";
import { parseInput } from "../../src/protocol/query-parser.js";
import { serializeOutput } from "../../src/protocol/xml-serializer.js";
import { SDK_GAPS, sampleStructure } from "./samples.js";
import { clientAnswering, send, type Sent } from "./sdk-harness.js";

const model = models.model("elasticache");
const operations = [...model.operations.values()];

/** Records the body the SDK sends and answers with a minimal valid response. */
function recordingClient(operationName: string, sent: Sent[]) {
  return clientAnswering(() => ({ status: 200, xml: serializeOutput(model, operationName, {}, "r"), requestId: "r" }), sent);
}

const parse = (op: string, body: string) => parseInput(model, op, new URLSearchParams(body));

function thrown(fn: () => unknown): AwsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error("expected an AwsError");
}

describe("parseInput on bodies sent by @aws-sdk/client-elasticache", () => {
  it.each(operations.map((op) => [op.name, op] as const))("%s", async (name, op) => {
    const sample = op.input ? sampleStructure(model, op.input, { omit: SDK_GAPS }) : {};
    const sent: Sent[] = [];
    await send(recordingClient(name, sent), name, sample);

    expect(sent).toHaveLength(1);
    const params = new URLSearchParams(sent[0].body);
    expect(params.get("Action")).toBe(name);
    expect(params.get("Version")).toBe("2015-02-02");
    expect(parseInput(model, name, params)).toEqual(sample);
  });

  it("still needs each input SDK_GAPS entry: the SDK does not send those members", async () => {
    const sent: Sent[] = [];
    await send(recordingClient("CreateServerlessCache", sent), "CreateServerlessCache", {
      ServerlessCacheName: "c1",
      Engine: "valkey",
      ConnectionType: "vpc",
    });
    await send(recordingClient("CreateGlobalReplicationGroup", sent), "CreateGlobalReplicationGroup", {
      GlobalReplicationGroupIdSuffix: "g",
      PrimaryReplicationGroupId: "rg",
      Tags: [{ Key: "k", Value: "v" }],
    });
    expect(sent[0].body).not.toContain("ConnectionType");
    expect(sent[1].body).not.toContain("Tags");
  });

  it("sends [] as a bare key, which parses back to an empty list", async () => {
    const sent: Sent[] = [];
    await send(recordingClient("ModifyCacheCluster", sent), "ModifyCacheCluster", {
      CacheClusterId: "c1",
      CacheSecurityGroupNames: [],
    });
    expect(sent[0].body).toContain("CacheSecurityGroupNames=");
    expect(parse("ModifyCacheCluster", sent[0].body)).toEqual({ CacheClusterId: "c1", CacheSecurityGroupNames: [] });
  });
});

describe("parseInput wire rules", () => {
  it("orders list items by N, not by position in the body", () => {
    const input = parse(
      "ModifyCacheCluster",
      "CacheClusterId=c1&CacheNodeIdsToRemove.CacheNodeId.2=0002&CacheNodeIdsToRemove.CacheNodeId.10=0010&CacheNodeIdsToRemove.CacheNodeId.1=0001",
    );
    expect(input.CacheNodeIdsToRemove).toEqual(["0001", "0002", "0010"]);
  });

  it("accepts X.member.N where the model names the item", () => {
    expect(parse("ModifyCacheCluster", "CacheNodeIdsToRemove.member.1=0001").CacheNodeIdsToRemove).toEqual(["0001"]);
  });

  it("reads nested structures and lists inside list items", () => {
    const input = parse(
      "DescribeUsers",
      "Filters.member.2.Name=b&Filters.member.1.Name=a&Filters.member.1.Values.member.1=x&Filters.member.1.Values.member.2=y",
    );
    expect(input).toEqual({ Filters: [{ Name: "a", Values: ["x", "y"] }, { Name: "b" }] });
  });

  it("decodes form encoding: + is a space, %2B is a plus", () => {
    expect(parse("CreateCacheCluster", "CacheClusterId=a+b%2Bc&AuthToken=p%26q%3Dr").CacheClusterId).toBe("a b+c");
    expect(parse("CreateCacheCluster", "AuthToken=p%26q%3Dr").AuthToken).toBe("p&q=r");
  });

  it("ignores Action, Version and keys the input shape does not have", () => {
    expect(parse("DeleteUser", "Action=DeleteUser&Version=2015-02-02&UserId=u1&Bogus=1&UserId.x=2")).toEqual({
      UserId: "u1",
    });
  });

  it("coerces integers, booleans, doubles and timestamps by shape", () => {
    const input = parse("CreateCacheCluster", "NumCacheNodes=3&Port=-1&AutoMinorVersionUpgrade=TRUE&TransitEncryptionEnabled=false");
    expect(input).toEqual({ NumCacheNodes: 3, Port: -1, AutoMinorVersionUpgrade: true, TransitEncryptionEnabled: false });
  });

  it("parses botocore's microsecond timestamps, offsets and epoch seconds", () => {
    const at = (v: string) => (parse("DescribeEvents", `StartTime=${encodeURIComponent(v)}`).StartTime as Date).toISOString();
    expect(at("2024-01-02T03:04:05.123000Z")).toBe("2024-01-02T03:04:05.123Z");
    expect(at("2024-01-02T03:04:05Z")).toBe("2024-01-02T03:04:05.000Z");
    expect(at("2024-01-02T05:04:05.5+02:00")).toBe("2024-01-02T03:04:05.500Z");
    expect(at("1704164645")).toBe("2024-01-02T03:04:05.000Z");
    const range = parse("DescribeUpdateActions", "ServiceUpdateTimeRange.StartTime=2024-01-02T03%3A04%3A05.123456Z");
    expect(range.ServiceUpdateTimeRange).toEqual({ StartTime: new Date("2024-01-02T03:04:05.123Z") });
  });

  it.each([
    ["CreateCacheCluster", "NumCacheNodes=abc", "Value 'abc' for parameter NumCacheNodes is not a valid integer."],
    ["CreateCacheCluster", "NumCacheNodes=1.5", "Value '1.5' for parameter NumCacheNodes is not a valid integer."],
    ["CreateCacheCluster", "NumCacheNodes=2147483648", "NumCacheNodes is not a valid integer (out of range)"],
    ["CreateCacheCluster", "NumCacheNodes=", "Value '' for parameter NumCacheNodes is not a valid integer."],
    ["CreateCacheCluster", "AutoMinorVersionUpgrade=maybe", "parameter AutoMinorVersionUpgrade is not a valid boolean"],
    ["DescribeEvents", "StartTime=2024-01-02T03:04:05", "parameter StartTime is not a valid timestamp"],
    ["DescribeEvents", "StartTime=2024-02-30T03:04:05Z", "parameter StartTime is not a valid timestamp"],
    [
      "CreateReplicationGroup",
      "NodeGroupConfiguration.NodeGroupConfiguration.1.ReplicaCount=x",
      "parameter NodeGroupConfiguration.NodeGroupConfiguration.1.ReplicaCount is not a valid integer",
    ],
    ["ModifyCacheCluster", "CacheNodeIdsToRemove.CacheNodeId.0=a", "must be an integer from 1 to 1000"],
    ["ModifyCacheCluster", "CacheNodeIdsToRemove.CacheNodeId.1001=a", "must be an integer from 1 to 1000"],
    ["ModifyCacheCluster", "CacheNodeIdsToRemove.CacheNodeId.x=a", "must be an integer from 1 to 1000"],
    ["ModifyCacheCluster", "CacheNodeIdsToRemove=a", "expected list items as CacheNodeIdsToRemove.CacheNodeId.N"],
  ])("%s %s -> InvalidParameterValue", (op, body, message) => {
    const err = thrown(() => parse(op, body));
    expect(err.code).toBe("InvalidParameterValue");
    expect(err.httpStatus).toBe(400);
    expect(err.message).toContain(message);
  });

  it("answers InvalidAction for an unknown operation", () => {
    expect(thrown(() => parse("describeCacheClusters", "")).code).toBe("InvalidAction");
  });
});
