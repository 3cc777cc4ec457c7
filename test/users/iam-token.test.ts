/**
 * The IAM auth token code (src/iam-token.ts) against AWS's own published test vector
 * (aws-samples/elasticache-iam-auth-demo-app, IAMAuthTokenRequestTest), and every way a
 * token can fail to fit the cache, user, region and clock it is checked against.
 */
import { describe, expect, it } from "vitest";
import { generateIamAuthToken, verifyIamAuthToken, type IamTokenScope } from "../../src/iam-token.js";

const NOW = new Date(1735689600 * 1000); // 20250101T000000Z
const vector = {
  cacheName: "my-replication-group-id",
  userId: "my-user-id",
  region: "eu-west-1",
  accessKeyId: "fakeAccessKeyId",
  secretAccessKey: "fakeSecretKey",
  date: NOW,
};
const scope: IamTokenScope = { cacheName: "my-replication-group-id", userName: "my-user-id", region: "eu-west-1" };
const secrets = new Map([["fakeAccessKeyId", "fakeSecretKey"]]);
const strict = (now = NOW.getTime()) => ({ now, secretFor: (key: string) => secrets.get(key) });

describe("AWS's test vector", () => {
  it("reproduces the published signature", () => {
    const token = generateIamAuthToken(vector);
    expect(token).toBe(
      "my-replication-group-id/?Action=connect&User=my-user-id&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=fakeAccessKeyId%2F20250101%2Feu-west-1%2Felasticache%2Faws4_request&X-Amz-Date=20250101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=9e361603d85874bce06114c6644725ed113e3b11ae6fa92efdf10c6bcf5de8d7",
    );
  });

  it("reproduces the published signature with a session token", () => {
    const token = generateIamAuthToken({ ...vector, sessionToken: "fakeSessionToken" });
    expect(token).toContain("X-Amz-Security-Token=fakeSessionToken");
    expect(token).toMatch(/X-Amz-Signature=bbce2bd61bd78461297ecb92e7001ddbeab2d85906c3cbedad6c9b81fb3466dc$/);
  });

  it("verifies the published tokens, strictly and not", () => {
    for (const token of [generateIamAuthToken(vector), generateIamAuthToken({ ...vector, sessionToken: "fakeSessionToken" })]) {
      expect(verifyIamAuthToken(token, scope, strict())).toMatchObject({ ok: true, accessKeyId: "fakeAccessKeyId" });
      expect(verifyIamAuthToken(token, scope, { now: NOW.getTime() })).toMatchObject({ ok: true });
    }
  });

  it("accepts the parameters in another order and with other percent-encoding", () => {
    const token = generateIamAuthToken(vector);
    const [host, query] = token.split("/?");
    const reordered = `${host}/?${query.split("&").reverse().join("&").replace("my-user-id", "my%2Duser%2Did")}`;
    expect(verifyIamAuthToken(reordered, scope, strict())).toMatchObject({ ok: true });
  });
});

describe("refusals", () => {
  const token = generateIamAuthToken(vector);
  const refused = (t: string, s: IamTokenScope = scope, check = strict()) => {
    const verdict = verifyIamAuthToken(t, s, check);
    expect(verdict.ok).toBe(false);
    return verdict.ok ? "" : verdict.reason;
  };

  it("another user, cache or region", () => {
    expect(refused(token, { ...scope, userName: "other-user" })).toMatch(/another user/);
    expect(refused(token, { ...scope, cacheName: "other-group" })).toMatch(/another cache/);
    expect(refused(token, { ...scope, region: "us-east-1" })).toMatch(/another region/);
    expect(refused(generateIamAuthToken({ ...vector, region: "us-east-1" }))).toMatch(/another region/);
  });

  it("a cache name in another case (AWS keeps cache names lower-case)", () => {
    expect(refused(generateIamAuthToken({ ...vector, cacheName: "My-Replication-Group-Id" }))).toMatch(/another cache/);
  });

  it("a serverless token on a node-based cache, and the other way round", () => {
    expect(refused(generateIamAuthToken({ ...vector, serverless: true }))).toMatch(/ResourceType/);
    expect(refused(token, { ...scope, resourceType: "ServerlessCache" })).toMatch(/ResourceType/);
    expect(verifyIamAuthToken(generateIamAuthToken({ ...vector, serverless: true }), { ...scope, resourceType: "ServerlessCache" }, strict())).toMatchObject({ ok: true });
  });

  it("expired, not yet valid, or asking for more than 900 seconds", () => {
    expect(verifyIamAuthToken(token, scope, strict(NOW.getTime() + 900_000))).toMatchObject({ ok: true });
    expect(refused(token, scope, strict(NOW.getTime() + 901_000))).toMatch(/expired/);
    expect(refused(token, scope, strict(NOW.getTime() - 16 * 60_000))).toMatch(/not yet/);
    expect(refused(generateIamAuthToken({ ...vector, expiresSeconds: 901 }))).toMatch(/Expires/);
  });

  it("strict mode: a wrong secret, an unknown key, a changed parameter", () => {
    expect(refused(generateIamAuthToken({ ...vector, secretAccessKey: "wrong" }))).toMatch(/does not match/);
    expect(verifyIamAuthToken(generateIamAuthToken({ ...vector, secretAccessKey: "wrong" }), scope, { now: NOW.getTime() })).toMatchObject({ ok: true });
    expect(refused(generateIamAuthToken({ ...vector, accessKeyId: "AKIAOTHER" }))).toMatch(/unknown access key/);
    expect(refused(token.replace("X-Amz-Expires=900", "X-Amz-Expires=899"))).toMatch(/does not match/);
  });

  it("malformed tokens", () => {
    for (const bad of [
      "",
      "garbage",
      "my-replication-group-id",
      "my-replication-group-id/",
      "/?Action=connect",
      token.replace("/?", "/x?"),
      token.replace("Action=connect", "Action=Connect"),
      token.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host%3Bx-amz-date"),
      token.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"),
      token.replace("%2Felasticache%2F", "%2Fs3%2F"),
      token.replace("X-Amz-Date=20250101T000000Z", "X-Amz-Date=20250101"),
      token.replace("X-Amz-Signature=9e", "X-Amz-Signature=zz"),
      token.replace("User=my-user-id", "User=%E0%A4%A"),
      `${token}&User=my-user-id`,
      token.slice(0, token.length - 10),
      token + "x".repeat(20_000),
    ]) {
      refused(bad);
      expect(verifyIamAuthToken(bad, scope, { now: NOW.getTime() }).ok).toBe(false);
    }
  });
});
