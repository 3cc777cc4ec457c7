/** The router's choice of protocol and service, from the request alone (no server, no engines). */
import { describe, expect, it } from "vitest";
import { models, type ServiceName } from "../../src/protocol/model.js";
import { queryWording } from "../../src/protocol/validator.js";
import { chooseService, protocolOf, type RequestLine } from "../../src/server/router.js";
import type { ApiService } from "../../src/services/service.js";

const service = (name: ServiceName): ApiService => ({ name, model: models.model(name), wording: queryWording, invoke: async () => undefined });
const elasticache = service("elasticache");
const cloudwatch = service("cloudwatch");
const services = [elasticache, cloudwatch];

const signedFor = (scope: string) => `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/${scope}/aws4_request, SignedHeaders=host, Signature=00`;

function route(request: Partial<RequestLine> & { params?: string; scope?: string }) {
  const line = { method: request.method ?? "POST", path: request.path ?? "/", headers: request.headers ?? {} };
  const protocol = protocolOf(line);
  const choice = chooseService(services, elasticache, protocol, { ...line, params: new URLSearchParams(request.params ?? "") }, request.scope);
  return { protocol: protocol.name, service: choice.service.name, refusal: choice.refusal?.code };
}

describe("router: protocol", () => {
  it("a Smithy RPC v2 path is CBOR (POST only), with any prefix before /service/", () => {
    expect(route({ path: "/service/GraniteServiceVersion20100801/operation/DescribeAlarms" }).protocol).toBe("rpc-v2-cbor");
    expect(route({ path: "/base/service/GraniteServiceVersion20100801/operation/DescribeAlarms" }).protocol).toBe("rpc-v2-cbor");
    expect(route({ method: "GET", path: "/service/GraniteServiceVersion20100801/operation/DescribeAlarms" }).protocol).toBe("query");
  });

  it("an X-Amz-Target header is awsJson; anything else is awsQuery", () => {
    expect(route({ headers: { "x-amz-target": "GraniteServiceVersion20100801.DescribeAlarms" } }).protocol).toBe("json");
    expect(route({ params: "Action=DescribeCacheClusters&Version=2015-02-02" }).protocol).toBe("query");
    expect(route({ method: "GET" }).protocol).toBe("query");
  });
});

describe("router: service", () => {
  it("CBOR and JSON name the service by the model's targetPrefix", () => {
    expect(route({ path: "/service/GraniteServiceVersion20100801/operation/DescribeAlarms" })).toEqual({ protocol: "rpc-v2-cbor", service: "cloudwatch", refusal: undefined });
    expect(route({ headers: { "x-amz-target": "GraniteServiceVersion20100801.DescribeAlarms" } })).toEqual({ protocol: "json", service: "cloudwatch", refusal: undefined });
  });

  it("an unknown target or RPC v2 service is refused with UnknownOperationException in that protocol", () => {
    expect(route({ headers: { "x-amz-target": "DynamoDB_20120810.ListTables" } })).toMatchObject({ protocol: "json", refusal: "UnknownOperationException" });
    expect(route({ path: "/service/Nope/operation/Op" })).toMatchObject({ protocol: "rpc-v2-cbor", refusal: "UnknownOperationException" });
  });

  it("a query request goes by the SigV4 scope's service first", () => {
    expect(route({ params: "Action=DescribeAlarms", scope: "monitoring" }).service).toBe("cloudwatch");
    expect(route({ params: "Action=DescribeCacheClusters", scope: "elasticache" }).service).toBe("elasticache");
    // The scope wins over Version, as the host a signed request was meant for would.
    expect(route({ params: "Action=DescribeAlarms&Version=2010-08-01", scope: "elasticache" }).service).toBe("elasticache");
  });

  it("then by Version: 2010-08-01 is CloudWatch, 2015-02-02 ElastiCache", () => {
    expect(route({ params: "Action=DescribeAlarms&Version=2010-08-01" }).service).toBe("cloudwatch");
    expect(route({ params: "Action=DescribeCacheClusters&Version=2015-02-02" }).service).toBe("elasticache");
  });

  it("unsigned, unknown-scope or version-less query requests default to ElastiCache, as before", () => {
    expect(route({ params: "Action=DescribeCacheClusters" }).service).toBe("elasticache");
    expect(route({ params: "Action=X&Version=1999-01-01" }).service).toBe("elasticache");
    expect(route({ params: "Action=DescribeCacheClusters", scope: "s3" }).service).toBe("elasticache");
    expect(route({}).service).toBe("elasticache");
  });

  it("reads the scope's service from the Authorization header (server/caller.ts keeps it)", async () => {
    const { callerFromRequest } = await import("../../src/server/caller.js");
    const caller = callerFromRequest({ authorization: signedFor("monitoring") }, new URLSearchParams(), { accountId: "000000000000", region: "us-east-1" });
    expect(caller).toMatchObject({ service: "monitoring", region: "us-east-1", accessKeyId: "AKID" });
  });
});
