/**
 * ElastiCache IAM authentication tokens: what a client sends as the password of
 * `AUTH <user id> <token>` (or `HELLO <ver> AUTH <user id> <token>`) for a user whose
 * AuthenticationMode is `iam`.
 *
 * A token is a SigV4-presigned `GET http://<cache name>/?Action=connect&User=<user id>`
 * (plus `&ResourceType=ServerlessCache` for a serverless cache), service `elasticache`,
 * the cache's region, the signature in the query (`X-Amz-*`), only the `host` header signed,
 * the payload hash of the empty string, at most 900 seconds of validity; the `http://` is
 * left out. This is AWS's own `IAMAuthTokenRequest` (aws-samples/elasticache-iam-auth-demo-app),
 * whose published test vector test/security/iam-token.test.ts reproduces.
 *
 * Pure functions: the data path (endpoints/iam-front.ts) decides what a refusal answers.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const IAM_TOKEN_SERVICE = "elasticache";
/** The `ResourceType` a token for a serverless cache carries; node-based caches carry none. */
export const SERVERLESS_RESOURCE_TYPE = "ServerlessCache";
/** The longest validity a token may ask for (`X-Amz-Expires`), and what AWS's signers ask for. */
export const MAX_TOKEN_EXPIRES_SECONDS = 900;
/** A token dated later than this after the emulator's clock is not yet valid (SigV4's clock skew). */
export const MAX_TOKEN_CLOCK_SKEW_MS = 15 * 60_000;
/** Longer than any real token (a session token makes one about 1-2 KB): refused unread. */
export const MAX_TOKEN_LENGTH = 16 * 1024;

const ALGORITHM = "AWS4-HMAC-SHA256";
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** What a token must be for: the cache being connected to and the user authenticating. */
export interface IamTokenScope {
  /** The replication group id, cache cluster id or serverless cache name (AWS keeps them lower-case). */
  cacheName: string;
  /** The user name given to AUTH/HELLO; for an IAM user it equals the user id the token names. */
  userName: string;
  /** The cache's region: the token's credential scope must name it. */
  region: string;
  /** `ServerlessCache` for a serverless cache; undefined for node-based caches. */
  resourceType?: typeof SERVERLESS_RESOURCE_TYPE;
}

export interface IamTokenCheck {
  /** Milliseconds since the epoch. */
  now: number;
  /**
   * The secret of an access key. Given (strict mode): the signature is verified and an unknown
   * key is refused. Absent: everything but the signature's value is verified.
   */
  secretFor?: (accessKeyId: string) => string | undefined;
}

export type IamTokenVerdict = { ok: true; accessKeyId: string; expiresAt: number } | { ok: false; reason: string };

/** What a client's token generator takes (the AWS docs' `IAMAuthTokenRequest`). */
export interface IamTokenRequest {
  cacheName: string;
  userId: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** A serverless cache: adds `ResourceType=ServerlessCache`. */
  serverless?: boolean;
  /** Signing time (default now). */
  date?: Date;
  /** Default 900. */
  expiresSeconds?: number;
}

/** A token as AWS's signers make it: the presigned URI without `http://`. */
export function generateIamAuthToken(request: IamTokenRequest): string {
  const amzDate = toAmzDate(request.date ?? new Date());
  const scopeDate = amzDate.slice(0, 8);
  const params: Array<[string, string]> = [
    ["Action", "connect"],
    ["User", request.userId],
    ...(request.serverless ? ([["ResourceType", SERVERLESS_RESOURCE_TYPE]] as Array<[string, string]>) : []),
    ["X-Amz-Algorithm", ALGORITHM],
    ["X-Amz-Credential", `${request.accessKeyId}/${scopeDate}/${request.region}/${IAM_TOKEN_SERVICE}/aws4_request`],
    ["X-Amz-Date", amzDate],
    ["X-Amz-Expires", String(request.expiresSeconds ?? MAX_TOKEN_EXPIRES_SECONDS)],
    ...(request.sessionToken ? ([["X-Amz-Security-Token", request.sessionToken]] as Array<[string, string]>) : []),
    ["X-Amz-SignedHeaders", "host"],
  ];
  const signature = sign(request.cacheName, params, request.secretAccessKey, scopeDate, request.region, amzDate);
  const query = [...params, ["X-Amz-Signature", signature]].map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join("&");
  return `${request.cacheName}/?${query}`;
}

/** Whether `token` lets `scope.userName` into `scope.cacheName` now; the reason when not (for logs only). */
export function verifyIamAuthToken(token: string, scope: IamTokenScope, check: IamTokenCheck): IamTokenVerdict {
  if (token.length > MAX_TOKEN_LENGTH) return refuse("token too long");
  const slash = token.indexOf("/");
  if (slash <= 0) return refuse("no cache name");
  const host = token.slice(0, slash);
  if (!token.startsWith("/?", slash)) return refuse("path is not /");
  if (host !== scope.cacheName.toLowerCase()) return refuse("token is for another cache");
  const pairs: Array<[string, string]> = [];
  for (const raw of token.slice(slash + 2).split("&")) {
    if (raw === "") continue;
    const eq = raw.indexOf("=");
    const key = decode(eq < 0 ? raw : raw.slice(0, eq));
    const value = decode(eq < 0 ? "" : raw.slice(eq + 1));
    if (key === undefined || value === undefined) return refuse("bad percent-encoding");
    if (pairs.some(([k]) => k === key)) return refuse(`${key} given twice`);
    pairs.push([key, value]);
  }
  const param = (name: string) => pairs.find(([k]) => k === name)?.[1];
  if (param("Action") !== "connect") return refuse("Action is not connect");
  if (param("User") !== scope.userName) return refuse("token is for another user");
  if (param("ResourceType") !== scope.resourceType) return refuse("ResourceType does not match the cache");
  if (param("X-Amz-Algorithm") !== ALGORITHM) return refuse("algorithm");
  if (param("X-Amz-SignedHeaders") !== "host") return refuse("signed headers must be host only");
  const credential = (param("X-Amz-Credential") ?? "").split("/");
  if (credential.length !== 5 || credential.some((part) => part === "")) return refuse("credential scope");
  const [accessKeyId, scopeDate, region, service, terminator] = credential;
  if (service !== IAM_TOKEN_SERVICE || terminator !== "aws4_request") return refuse("credential scope");
  if (region !== scope.region) return refuse("token is for another region");
  const amzDate = param("X-Amz-Date") ?? "";
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined || amzDate.slice(0, 8) !== scopeDate) return refuse("date");
  const expires = param("X-Amz-Expires") ?? "";
  if (!/^\d{1,3}$/.test(expires) || Number(expires) < 1 || Number(expires) > MAX_TOKEN_EXPIRES_SECONDS) return refuse("X-Amz-Expires");
  const expiresAt = signedAt + Number(expires) * 1000;
  if (check.now > expiresAt) return refuse("expired");
  if (signedAt - check.now > MAX_TOKEN_CLOCK_SKEW_MS) return refuse("not yet valid");
  const signature = param("X-Amz-Signature") ?? "";
  if (!/^[0-9a-f]{64}$/.test(signature)) return refuse("signature");
  if (check.secretFor) {
    const secret = check.secretFor(accessKeyId);
    if (secret === undefined) return refuse("unknown access key");
    const signed = pairs.filter(([k]) => k !== "X-Amz-Signature");
    const expected = Buffer.from(sign(host, signed, secret, scopeDate, region, amzDate), "utf8");
    if (!timingSafeEqual(expected, Buffer.from(signature, "utf8"))) return refuse("signature does not match");
  }
  return { ok: true, accessKeyId, expiresAt };
}

function refuse(reason: string): IamTokenVerdict {
  return { ok: false, reason };
}

function sign(host: string, params: Array<[string, string]>, secret: string, scopeDate: string, region: string, amzDate: string): string {
  const query = params
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonical = ["GET", "/", query, `host:${host}\n`, "host", EMPTY_SHA256].join("\n");
  const scope = `${scopeDate}/${region}/${IAM_TOKEN_SERVICE}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, createHash("sha256").update(canonical, "utf8").digest("hex")].join("\n");
  const kDate = hmac(`AWS4${secret}`, scopeDate);
  const key = hmac(hmac(hmac(kDate, region), IAM_TOKEN_SERVICE), "aws4_request");
  return hmac(key, stringToSign).toString("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, upper-case hex. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function toAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** `yyyymmddThhmmssZ` as milliseconds; undefined when malformed. */
function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const time = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(time) ? undefined : time;
}
