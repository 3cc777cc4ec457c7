/**
 * AWS Signature Version 4, as a Query API service checks it: the signature comes either
 * from the `Authorization` header or from the presigned query parameters (`X-Amz-*`).
 * Pure functions over the raw request; strict-auth.ts decides what each failure answers.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const ALGORITHM = "AWS4-HMAC-SHA256";

/** What a request carries to prove who signed it. */
export interface SignatureClaim {
  form: "header" | "query";
  accessKeyId: string;
  /** Scope parts: yyyymmdd / region / service / terminator. */
  scopeDate: string;
  region: string;
  service: string;
  terminator: string;
  /** ISO 8601 basic time the request was signed at (yyyymmddThhmmssZ). */
  amzDate: string;
  /** Presigned only: seconds the signature stays valid. */
  expiresSeconds?: number;
  signedHeaders: string[];
  signature: string;
}

/** The parts of an HTTP request a signature covers. */
export interface RawRequest {
  method: string;
  /** Path and query exactly as received (`/?Action=...`). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A claim that cannot be read: which parameters are missing or malformed. */
export class IncompleteClaim extends Error {}

/** Reads the claim from the header or the query string; undefined when the request carries neither. */
export function readClaim(request: RawRequest): SignatureClaim | undefined {
  const authorization = headerValue(request.headers, "authorization");
  if (authorization !== undefined) return readHeaderClaim(authorization, request.headers);
  const query = queryPairs(request.url);
  const param = (name: string) => query.find(([k]) => k === name)?.[1];
  if (param("X-Amz-Algorithm") === undefined && param("X-Amz-Credential") === undefined && param("X-Amz-Signature") === undefined) {
    return undefined;
  }
  return readQueryClaim(param);
}

function readHeaderClaim(authorization: string, headers: RawRequest["headers"]): SignatureClaim {
  const space = authorization.indexOf(" ");
  const algorithm = space < 0 ? authorization : authorization.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw new IncompleteClaim(`Unsupported AWS 'algorithm': '${algorithm.slice(0, 40)}'. Only ${ALGORITHM} is supported.`);
  }
  const fields = new Map<string, string>();
  for (const part of authorization.slice(space + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const amzDate = headerValue(headers, "x-amz-date") ?? dateHeaderAsAmz(headerValue(headers, "date"));
  const missing: string[] = [];
  if (!fields.get("Credential")) missing.push("Authorization header requires 'Credential' parameter.");
  if (!fields.get("Signature")) missing.push("Authorization header requires 'Signature' parameter.");
  if (!fields.get("SignedHeaders")) missing.push("Authorization header requires 'SignedHeaders' parameter.");
  if (!amzDate) missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  if (missing.length) throw new IncompleteClaim(`${missing.join(" ")} Authorization=${authorization.slice(0, 200)}`);
  return {
    form: "header",
    ...readScope(fields.get("Credential")!, "Authorization"),
    amzDate: amzDate!,
    signedHeaders: fields.get("SignedHeaders")!.split(";"),
    signature: fields.get("Signature")!,
  };
}

function readQueryClaim(param: (name: string) => string | undefined): SignatureClaim {
  const algorithm = param("X-Amz-Algorithm");
  const missing = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"].filter((n) => !param(n));
  if (missing.length) {
    throw new IncompleteClaim(`AWS query-string parameters missing or malformed: ${missing.map((m) => `'${m}'`).join(", ")}.`);
  }
  if (algorithm !== ALGORITHM) {
    throw new IncompleteClaim(`Unsupported AWS 'algorithm': '${algorithm!.slice(0, 40)}'. Only ${ALGORITHM} is supported.`);
  }
  const expires = param("X-Amz-Expires");
  if (expires !== undefined && !/^\d{1,6}$/.test(expires)) {
    throw new IncompleteClaim("X-Amz-Expires must be a whole number of seconds.");
  }
  return {
    form: "query",
    ...readScope(param("X-Amz-Credential")!, "X-Amz-Credential"),
    amzDate: param("X-Amz-Date")!,
    expiresSeconds: expires === undefined ? undefined : Number(expires),
    signedHeaders: param("X-Amz-SignedHeaders")!.split(";"),
    signature: param("X-Amz-Signature")!,
  };
}

function readScope(credential: string, where: string) {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts.some((p) => p === "")) {
    throw new IncompleteClaim(
      `${where}: Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential.slice(0, 200)}'.`,
    );
  }
  const [accessKeyId, scopeDate, region, service, terminator] = parts;
  return { accessKeyId, scopeDate, region, service, terminator };
}

/** `X-Amz-Date` form (20240102T030405Z) of an HTTP `Date` header. */
function dateHeaderAsAmz(date: string | undefined): string | undefined {
  if (!date) return undefined;
  const time = Date.parse(date);
  return Number.isNaN(time) ? undefined : toAmzDate(new Date(time));
}

export function toAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** Parses `yyyymmddThhmmssZ`; undefined when malformed. */
export function parseAmzDate(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const time = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** The canonical request for `claim`, with the payload hash given (body hash or UNSIGNED-PAYLOAD). */
export function canonicalRequest(request: RawRequest, claim: SignatureClaim, payloadHash: string): string {
  const queryStart = request.url.indexOf("?");
  const path = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const query = queryPairs(request.url)
    .filter(([key]) => !(claim.form === "query" && key === "X-Amz-Signature"))
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
  const headers = claim.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(request.headers[name])}\n`).join("");
  return [request.method.toUpperCase(), canonicalPath(path), query, headers, claim.signedHeaders.join(";"), payloadHash].join("\n");
}

export function stringToSign(claim: SignatureClaim, canonical: string): string {
  const scope = [claim.scopeDate, claim.region, claim.service, claim.terminator].join("/");
  return [ALGORITHM, claim.amzDate, scope, sha256Hex(canonical)].join("\n");
}

/** Signing keys change once a day per secret and scope: four HMACs saved on most requests. */
const signingKeys = new Map<string, Buffer>();

export function signingKey(secret: string, claim: Pick<SignatureClaim, "scopeDate" | "region" | "service">): Buffer {
  const id = `${secret}\n${claim.scopeDate}\n${claim.region}\n${claim.service}`;
  let key = signingKeys.get(id);
  if (!key) {
    const kDate = hmac(`AWS4${secret}`, claim.scopeDate);
    const kRegion = hmac(kDate, claim.region);
    const kService = hmac(kRegion, claim.service);
    key = hmac(kService, "aws4_request");
    // Bounded: claims name arbitrary regions and dates.
    if (signingKeys.size >= 1000) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

/** Whether `claim.signature` is the request's signature under `secret`. */
export function signatureMatches(request: RawRequest, claim: SignatureClaim, secret: string): boolean {
  const declared = headerValue(request.headers, "x-amz-content-sha256");
  // A presigned URL may leave the payload unsigned; a header-signed request signs its body.
  const hashes = declared !== undefined ? [declared] : claim.form === "query" ? [sha256Hex(request.body), "UNSIGNED-PAYLOAD"] : [sha256Hex(request.body)];
  const key = signingKey(secret, claim);
  const given = Buffer.from(claim.signature.toLowerCase(), "utf8");
  return hashes.some((hash) => {
    const expected = Buffer.from(hmac(key, stringToSign(claim, canonicalRequest(request, claim, hash))).toString("hex"), "utf8");
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function headerValue(headers: RawRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function canonicalHeaderValue(value: string | string[] | undefined): string {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.map((v) => v.trim().replace(/\s+/g, " ")).join(",");
}

/** Query pairs decoded once (`%XX`; a `+` stays a `+`, as SigV4 signers never send one for a space). */
function queryPairs(url: string): Array<[string, string]> {
  const start = url.indexOf("?");
  if (start < 0) return [];
  return url
    .slice(start + 1)
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return [safeDecode(eq < 0 ? pair : pair.slice(0, eq)), eq < 0 ? "" : safeDecode(pair.slice(eq + 1))];
    });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, in upper-case hex. */
export function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Non-S3 services sign the normalized path with each segment encoded twice (once by the client, once by SigV4). */
function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join("/")}${segments.length && path.endsWith("/") ? "/" : ""}`;
  return uriEncode(normalized).replace(/%2F/g, "/");
}
