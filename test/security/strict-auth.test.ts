/**
 * Strict authentication: with configured credentials, requests must carry a valid SigV4
 * signature (Authorization header or presigned query), and refusals are AWS's errors.
 * Without strict mode any credentials, or none, are accepted.
 */
import { DescribeCacheClustersCommand, DescribeCacheSubnetGroupsCommand, ElastiCacheClient } from "@aws-sdk/client-elasticache";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../../src/index.js";
import { awsEnv, runTool } from "../helpers/aws-tools.js";
import { sdkClient, startEmulator } from "../helpers/emulator.js";
import { expectAwsError } from "../helpers/errors.js";

const KEY = { accessKeyId: "AKIDSTRICTEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const ACCOUNT = "111122223333";

/** The hash the SDK's signer takes, over node:crypto. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | Uint8Array) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret ? createHmac("sha256", this.secret) : createHash("sha256");
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

let strict: Emulator;
let open: Emulator;

function client(emulator: Emulator, credentials: { accessKeyId: string; secretAccessKey: string }, extra: object = {}): ElastiCacheClient {
  return new ElastiCacheClient({ endpoint: emulator.url, region: "eu-west-1", credentials, maxAttempts: 1, ...extra });
}

function errorOf(xml: string): { code?: string; message?: string } {
  const unescape = (text: string | undefined) =>
    text?.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  return { code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1], message: unescape(/<Message>([^<]*)<\/Message>/.exec(xml)?.[1]) };
}

/** A presigned GET URL for DescribeCacheSubnetGroups, made by the SDK's own signer. */
async function presignedUrl(emulator: Emulator, opts: { secret?: string; signingDate?: Date; expiresIn?: number } = {}): Promise<string> {
  const url = new URL(emulator.url);
  const signer = new SignatureV4({
    credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: opts.secret ?? KEY.secretAccessKey },
    region: "eu-west-1",
    service: "elasticache",
    sha256: Sha256,
  });
  const signed = await signer.presign(
    {
      method: "GET",
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      query: { Action: "DescribeCacheSubnetGroups", Version: "2015-02-02" },
      headers: { host: url.host },
    },
    { signingDate: opts.signingDate, expiresIn: opts.expiresIn ?? 300 },
  );
  const query = new URLSearchParams(signed.query as Record<string, string>).toString();
  return `${emulator.url}/?${query}`;
}

beforeAll(async () => {
  strict = await startEmulator({
    strictAuth: true,
    credentials: [{ ...KEY, accountId: ACCOUNT }, { accessKeyId: "AKIDSECOND", secretAccessKey: "second-secret" }],
  });
  open = await startEmulator();
});
afterAll(async () => {
  await strict?.stop();
  await open?.stop();
});

describe("strict mode with the JS SDK", () => {
  it("accepts a request signed with a configured key, in the key's account and the scope's region", async () => {
    const out = await client(strict, KEY).send(new DescribeCacheSubnetGroupsCommand({}));
    expect(out.CacheSubnetGroups?.[0].ARN).toBe(`arn:aws:elasticache:eu-west-1:${ACCOUNT}:subnetgroup:default`);
  });

  it("a key without an account uses the default account", async () => {
    const out = await client(strict, { accessKeyId: "AKIDSECOND", secretAccessKey: "second-secret" }).send(new DescribeCacheSubnetGroupsCommand({}));
    expect(out.CacheSubnetGroups?.[0].ARN).toBe("arn:aws:elasticache:eu-west-1:000000000000:subnetgroup:default");
  });

  it("refuses a wrong secret with SignatureDoesNotMatch (403)", async () => {
    await expectAwsError(
      client(strict, { ...KEY, secretAccessKey: "not-the-secret" }).send(new DescribeCacheClustersCommand({})),
      "SignatureDoesNotMatch",
      403,
      /does not match the signature you provided/,
    );
  });

  it("refuses an unknown access key with InvalidClientTokenId (403)", async () => {
    await expectAwsError(
      client(strict, { accessKeyId: "AKIDUNKNOWN", secretAccessKey: "x" }).send(new DescribeCacheClustersCommand({})),
      "InvalidClientTokenId",
      403,
      /security token included in the request is invalid/,
    );
  });

  it("refuses a signature made 20 minutes ago (clock skew) with SignatureDoesNotMatch", async () => {
    await expectAwsError(
      client(strict, KEY, { systemClockOffset: -20 * 60_000 }).send(new DescribeCacheClustersCommand({})),
      "SignatureDoesNotMatch",
      403,
      /Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)/,
    );
  });

  it("refuses a signature dated 20 minutes ahead", async () => {
    await expectAwsError(
      client(strict, KEY, { systemClockOffset: 20 * 60_000 }).send(new DescribeCacheClustersCommand({})),
      "SignatureDoesNotMatch",
      403,
      /Signature not yet current/,
    );
  });

  it("a refused request changes nothing", async () => {
    const { CreateCacheSubnetGroupCommand } = await import("@aws-sdk/client-elasticache");
    await expectAwsError(
      client(strict, { ...KEY, secretAccessKey: "wrong" }).send(
        new CreateCacheSubnetGroupCommand({ CacheSubnetGroupName: "sneaky", CacheSubnetGroupDescription: "x", SubnetIds: ["subnet-0abc"] }),
      ),
      "SignatureDoesNotMatch",
      403,
    );
    const out = await client(strict, KEY).send(new DescribeCacheSubnetGroupsCommand({}));
    expect(out.CacheSubnetGroups?.map((g) => g.CacheSubnetGroupName)).toEqual(["default"]);
  });
});

describe("strict mode over raw HTTP", () => {
  it("answers an unsigned request with MissingAuthenticationToken (403)", async () => {
    const response = await fetch(`${strict.url}/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=DescribeCacheClusters&Version=2015-02-02",
    });
    expect(response.status).toBe(403);
    expect(errorOf(await response.text())).toEqual({ code: "MissingAuthenticationToken", message: "Request is missing Authentication Token" });
  });

  it("answers an Authorization header without Signature or date with IncompleteSignature (400)", async () => {
    const response = await fetch(`${strict.url}/`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `AWS4-HMAC-SHA256 Credential=${KEY.accessKeyId}/20240101/us-east-1/elasticache/aws4_request, SignedHeaders=host`,
      },
      body: "Action=DescribeCacheClusters&Version=2015-02-02",
    });
    expect(response.status).toBe(400);
    const error = errorOf(await response.text());
    expect(error.code).toBe("IncompleteSignature");
    expect(error.message).toContain("Authorization header requires 'Signature' parameter.");
    expect(error.message).toContain("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  });

  it("accepts a presigned GET URL (X-Amz-* query parameters)", async () => {
    const response = await fetch(await presignedUrl(strict));
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(text).toContain(`<ARN>arn:aws:elasticache:eu-west-1:${ACCOUNT}:subnetgroup:default</ARN>`);
  });

  it("refuses a presigned URL with a wrong secret, or a changed parameter", async () => {
    const wrong = await fetch(await presignedUrl(strict, { secret: "wrong" }));
    expect(wrong.status).toBe(403);
    expect(errorOf(await wrong.text()).code).toBe("SignatureDoesNotMatch");
    const tampered = await fetch((await presignedUrl(strict)).replace("DescribeCacheSubnetGroups", "DescribeCacheClusters"));
    expect(tampered.status).toBe(403);
    expect(errorOf(await tampered.text()).code).toBe("SignatureDoesNotMatch");
  });

  it("refuses an expired presigned URL with RequestExpired", async () => {
    const response = await fetch(await presignedUrl(strict, { signingDate: new Date(Date.now() - 10 * 60_000), expiresIn: 60 }));
    expect(response.status).toBe(400);
    expect(errorOf(await response.text())).toEqual({ code: "RequestExpired", message: "Request has expired." });
  });
});

describe("strict mode with the AWS CLI", () => {
  const cli = (emulator: Emulator, secret: string) =>
    runTool("aws", ["--endpoint-url", emulator.url, "--region", "us-east-1", "elasticache", "describe-cache-subnet-groups"], {
      env: awsEnv({ AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: secret }),
    });

  it("works with the configured secret", async () => {
    const result = await cli(strict, KEY.secretAccessKey);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).CacheSubnetGroups[0].ARN).toBe(`arn:aws:elasticache:us-east-1:${ACCOUNT}:subnetgroup:default`);
  });

  it("fails with SignatureDoesNotMatch on a wrong secret", async () => {
    const result = await cli(strict, "wrong-secret");
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("An error occurred (SignatureDoesNotMatch) when calling the DescribeCacheSubnetGroups operation");
  });
});

describe("default mode", () => {
  it("accepts any credentials and unsigned requests", async () => {
    const out = await sdkClient(open, { accessKeyId: "anything" }).send(new DescribeCacheClustersCommand({}));
    expect(out.CacheClusters).toEqual([]);
    const response = await fetch(`${open.url}/?Action=DescribeCacheClusters&Version=2015-02-02`);
    expect(response.status).toBe(200);
  });

  it("binds the API to 127.0.0.1 unless told otherwise", () => {
    expect(new URL(open.url).hostname).toBe("127.0.0.1");
  });
});

describe("options", () => {
  it("--strict-auth and --credentials (or their environment variables) configure strict mode", async () => {
    const { parseCli } = await import("../../src/cli-options.js");
    const { resolveConfig } = await import("../../src/config.js");
    const cli = parseCli(["--strict-auth", "--credentials", "AK1:s1:111122223333,AK2:s2"], {});
    const config = resolveConfig(cli.env, cli.flags);
    expect(config.strictAuth).toBe(true);
    expect(config.credentials).toEqual([
      { accessKeyId: "AK1", secretAccessKey: "s1", accountId: "111122223333" },
      { accessKeyId: "AK2", secretAccessKey: "s2", accountId: undefined },
    ]);
    const env = parseCli([], { ELASTICACHE_LOCAL_STRICT_AUTH: "1", ELASTICACHE_LOCAL_CREDENTIALS: "AK3:s3" });
    expect(resolveConfig(env.env, env.flags)).toMatchObject({ strictAuth: true, credentials: [{ accessKeyId: "AK3" }] });
  });

  it("refuses strict mode without credentials, and malformed credentials", async () => {
    const { parseCli } = await import("../../src/cli-options.js");
    const { resolveConfig } = await import("../../src/config.js");
    expect(() => resolveConfig({ strictAuth: true })).toThrow(/needs at least one credential/);
    expect(() => parseCli(["--credentials", "justakey"], {})).toThrow(/--credentials: expects ACCESS_KEY:SECRET\[:ACCOUNT\]/);
    expect(() => parseCli(["--credentials", "AK:s:12"], {})).toThrow(/must be 12 digits/);
  });
});
