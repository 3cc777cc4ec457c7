/**
 * Every operation's output, filled from the model, serialized by serializeOutput and
 * parsed back by the real JS v3 SDK, must come out unchanged: this pins element names,
 * list item tags, Result wrappers, scalar formats and escaping for all 75 operations.
 */
import { describe, expect, it } from "vitest";
import { models } from "../../src/protocol/model.js";
import { serializeOutput } from "../../src/protocol/xml-serializer.js";
import { SDK_GAPS, sampleStructure } from "./samples.js";
import { clientAnswering, send } from "./sdk-harness.js";

const model = models.model("elasticache");
const operations = [...model.operations.values()];

describe("serializeOutput through @aws-sdk/client-elasticache", () => {
  it("covers all 75 operations", () => {
    expect(operations).toHaveLength(75);
  });

  it.each(operations.map((op) => [op.name, op] as const))("%s", async (name, op) => {
    const requestId = `req-${name}`;
    const sample = op.output ? sampleStructure(model, op.output, { omit: SDK_GAPS }) : undefined;
    const xml = serializeOutput(model, name, sample, requestId);
    const client = clientAnswering(() => ({ status: 200, xml, requestId }));
    const input = op.input ? sampleStructure(model, op.input, { requiredOnly: true }) : {};

    const { $metadata, ...parsed } = await send(client, name, input);

    expect($metadata.requestId).toBe(requestId);
    expect(parsed).toEqual(sample ?? {});
    expect(xml).toContain(`<RequestId>${requestId}</RequestId>`);
    if (op.output) expect(xml).toContain(`<${name}Result>`);
    else expect(xml).not.toContain("Result>");
  });

  it("still needs each SDK_GAPS entry: the SDK drops those members", async () => {
    // ServerlessCache.ConnectionType is the only output gap; it appears in DescribeServerlessCaches.
    const sample = { ServerlessCaches: [{ ServerlessCacheName: "c1", ConnectionType: "vpc" }] };
    const xml = serializeOutput(model, "DescribeServerlessCaches", sample, "r1");
    expect(xml).toContain("<ConnectionType>vpc</ConnectionType>");
    const client = clientAnswering(() => ({ status: 200, xml, requestId: "r1" }));
    const parsed = await send(client, "DescribeServerlessCaches", {});
    expect(parsed.ServerlessCaches).toEqual([{ ServerlessCacheName: "c1" }]);
  });

  it("writes the empty Result element, escapes text and formats scalars", () => {
    const empty = serializeOutput(model, "ModifyUser", {}, "r");
    expect(empty).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<ModifyUserResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">' +
        "<ModifyUserResult></ModifyUserResult>" +
        "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ModifyUserResponse>",
    );
    const xml = serializeOutput(
      model,
      "CreateCacheCluster",
      {
        CacheCluster: {
          CacheClusterId: "a&b<c>\"d'e\u0001\uFFFF",
          NumCacheNodes: 3,
          AutoMinorVersionUpgrade: false,
          CacheClusterCreateTime: "2024-05-01T12:34:56Z",
        },
      },
      "r",
    );
    expect(xml).toContain("<CacheClusterId>a&amp;b&lt;c&gt;&quot;d&apos;e</CacheClusterId>");
    expect(xml).toContain("<NumCacheNodes>3</NumCacheNodes>");
    expect(xml).toContain("<AutoMinorVersionUpgrade>false</AutoMinorVersionUpgrade>");
    expect(xml).toContain("<CacheClusterCreateTime>2024-05-01T12:34:56.000Z</CacheClusterCreateTime>");
  });

  it("names list items by the list shape, not the member name", () => {
    const xml = serializeOutput(
      model,
      "DescribeCacheClusters",
      {
        CacheClusters: [
          {
            LogDeliveryConfigurations: [{ LogType: "slow-log" }],
            PendingModifiedValues: { LogDeliveryConfigurations: [{ LogType: "engine-log" }] },
          },
        ],
      },
      "r",
    );
    expect(xml).toContain(
      "<LogDeliveryConfigurations><LogDeliveryConfiguration><LogType>slow-log</LogType></LogDeliveryConfiguration></LogDeliveryConfigurations>",
    );
    // Pending list: `member` items, written under the member name (v3) and the shape's name (botocore).
    expect(xml).toContain(
      "<LogDeliveryConfigurations><member><LogType>engine-log</LogType></member></LogDeliveryConfigurations>" +
        "<PendingLogDeliveryConfiguration><member><LogType>engine-log</LogType></member></PendingLogDeliveryConfiguration>",
    );
  });

  it("rejects values that do not fit the shape instead of writing bad XML", () => {
    expect(() => serializeOutput(model, "CreateCacheCluster", { CacheCluster: { NumCacheNodes: "x" } }, "r")).toThrow(
      /CreateCacheCluster.CacheCluster.NumCacheNodes/,
    );
    expect(() =>
      serializeOutput(model, "CreateCacheCluster", { CacheCluster: { CacheClusterCreateTime: "soon" } }, "r"),
    ).toThrow(/not a valid timestamp/);
  });
});
