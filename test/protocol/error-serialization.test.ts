/**
 * Errors as clients see them: modeled errors carry the model's wire code and status and
 * map to the SDK's exception classes; validator failures name the offending parameter.
 */
import { describe, expect, it } from "vitest";
import { AwsError, commonErrors } from "../../src/protocol/aws-error.js";
import { models } from "../../src/protocol/model.js";
import { modelError, type ErrorShapeName } from "../../src/service-errors/elasticache.js";
import { validateInput } from "../../src/protocol/validator.js";
import { serializeError } from "../../src/protocol/error-serializer.js";
import { sampleStructure } from "./samples.js";
import { clientAnswering, send } from "./sdk-harness.js";

const model = models.model("elasticache");

/** What the SDK throws when the server answers with this error. */
async function sdkErrorFor(err: AwsError, requestId = "req-err"): Promise<Record<string, any>> {
  const client = clientAnswering(() => ({ status: err.httpStatus, xml: serializeError(err, requestId, model.xmlNamespace), requestId }));
  try {
    await send(client, "DescribeCacheClusters", { CacheClusterId: "missing" });
  } catch (e) {
    return e as Record<string, any>;
  }
  throw new Error("the SDK did not throw");
}

function validationError(op: string, input: Record<string, unknown>): AwsError {
  try {
    validateInput(model, op, input);
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error("expected validateInput to throw");
}

describe("modeled errors through @aws-sdk/client-elasticache", () => {
  it("CacheClusterNotFoundFault: wire code CacheClusterNotFound, HTTP 404", async () => {
    const e = await sdkErrorFor(modelError("CacheClusterNotFoundFault", "CacheCluster not found: missing"), "rid-1");
    expect(e.name).toBe("CacheClusterNotFoundFault");
    expect(e.Code).toBe("CacheClusterNotFound");
    expect(e.message).toBe("CacheCluster not found: missing");
    expect(e.$fault).toBe("client");
    expect(e.$metadata.httpStatusCode).toBe(404);
    expect(e.$metadata.requestId).toBe("rid-1");
  });

  it("takes code and status from the model, not from the shape name", () => {
    const wire = (s: ErrorShapeName) => {
      const e = modelError(s, "m");
      return [e.code, e.httpStatus, e.senderFault];
    };
    expect(wire("CacheSubnetGroupNotFoundFault")).toEqual(["CacheSubnetGroupNotFoundFault", 400, true]);
    expect(wire("InvalidParameterValueException")).toEqual(["InvalidParameterValue", 400, true]);
    expect(wire("CacheSecurityGroupQuotaExceededFault")).toEqual(["QuotaExceeded.CacheSecurityGroup", 400, true]);
    expect(wire("ReplicationGroupNotFoundFault")).toEqual(["ReplicationGroupNotFoundFault", 404, true]);
    expect(wire("InvalidCredentialsException")).toEqual(["InvalidCredentialsException", 408, true]);
  });

  it("every error shape in the model becomes the SDK exception of the same name", async () => {
    const shapes = [...model.shapes.entries()].filter(([, s]) => s.type === "structure" && s.exception);
    expect(shapes).toHaveLength(76);
    for (const [name] of shapes) {
      const err = modelError(name as ErrorShapeName, `boom ${name}`);
      const e = await sdkErrorFor(err);
      expect([e.name, e.Code, e.$metadata.httpStatusCode]).toEqual([name, err.code, err.httpStatus]);
    }
  });

  it("writes Type Receiver for server faults, which the SDK reports as a server error", async () => {
    const err = commonErrors.internalFailure();
    expect(serializeError(err, "r", model.xmlNamespace)).toContain("<Type>Receiver</Type><Code>InternalFailure</Code>");
    const e = await sdkErrorFor(err);
    expect(e.$fault).toBe("server");
    expect(e.Code).toBe("InternalFailure");
    expect(e.$metadata.httpStatusCode).toBe(500);
  });

  it("writes the ErrorResponse document with escaped text", () => {
    const xml = serializeError(new AwsError("InvalidParameterValue", "bad <value> & 'x'"), "rid", model.xmlNamespace);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<ErrorResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><Error><Type>Sender</Type>' +
        "<Code>InvalidParameterValue</Code><Message>bad &lt;value&gt; &amp; &apos;x&apos;</Message></Error>" +
        "<RequestId>rid</RequestId></ErrorResponse>",
    );
  });
});

describe("validateInput", () => {
  it("accepts a full sample input for every operation", () => {
    for (const op of model.operations.values()) {
      expect(() => validateInput(model, op.name, op.input ? sampleStructure(model, op.input) : {})).not.toThrow();
    }
  });

  it("answers MissingParameter for an absent required member", async () => {
    const err = validationError("CreateCacheCluster", { NumCacheNodes: 1 });
    expect([err.code, err.httpStatus, err.message]).toEqual([
      "MissingParameter",
      400,
      "The request must contain the parameter CacheClusterId.",
    ]);
    const nested = validationError("DescribeUsers", { Filters: [{ Name: "a", Values: ["x"] }, { Name: "b" }] });
    expect(nested.message).toBe("The request must contain the parameter Filters.member.2.Values.");
    const e = await sdkErrorFor(err);
    expect([e.name, e.Code]).toEqual(["MissingParameter", "MissingParameter"]);
  });

  it("rejects a value outside the enum", async () => {
    const err = validationError("CreateCacheCluster", { CacheClusterId: "c1", AZMode: "both-az" });
    expect(err.code).toBe("InvalidParameterValue");
    expect(err.message).toBe("Value 'both-az' for parameter AZMode is not valid. Valid values: single-az, cross-az.");
    const e = await sdkErrorFor(err);
    expect([e.name, e.Code]).toEqual(["InvalidParameterValueException", "InvalidParameterValue"]);
  });

  it("matches patterns against the whole value", () => {
    const ok = { UserId: "u-1", UserName: "n", Engine: "redis", AccessString: "on ~* +@all" };
    expect(() => validateInput(model, "CreateUser", ok)).not.toThrow();
    expect(validationError("CreateUser", { ...ok, UserId: "1user" }).message).toContain("parameter UserId does not match");
    expect(validationError("CreateUser", { ...ok, UserId: "user_1" }).message).toContain("parameter UserId does not match");
    expect(validationError("CreateUser", { ...ok, AccessString: "   " }).message).toContain("parameter AccessString");
    expect(validationError("ModifyReplicationGroupShardConfiguration", {
      ReplicationGroupId: "rg",
      NodeGroupCount: 1,
      ApplyImmediately: true,
      NodeGroupsToRetain: ["x001"],
    }).code).toBe("InvalidParameterValue");
  });

  it("checks list sizes, naming nested items by their wire path", () => {
    const ids = Array.from({ length: 21 }, (_, i) => `c${i}`);
    const tooMany = validationError("DescribeUpdateActions", { CacheClusterIds: ids });
    expect(tooMany.code).toBe("InvalidParameterValue");
    expect(tooMany.message).toBe("Parameter CacheClusterIds is invalid: number of items 21 is above the maximum of 20.");
    expect(() => validateInput(model, "DescribeUpdateActions", { CacheClusterIds: ids.slice(0, 20) })).not.toThrow();

    const emptyValues = validationError("DescribeUsers", { Filters: [{ Name: "a", Values: ["x"] }, { Name: "b", Values: [] }] });
    expect(emptyValues.message).toBe("Parameter Filters.member.2.Values is invalid: number of items 0 is below the minimum of 1.");
    const blankName = validationError("DescribeUsers", { Filters: [{ Name: " ", Values: ["x"] }] });
    expect(blankName.message).toContain("parameter Filters.member.1.Name does not match");
  });

  it("checks string length", () => {
    const err = validationError("CreateUser", { UserId: "u1", UserName: "", Engine: "redis", AccessString: "on" });
    expect(err.message).toBe("Parameter UserName is invalid: length 0 is below the minimum of 1.");
  });
});
