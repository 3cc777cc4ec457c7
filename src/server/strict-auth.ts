/**
 * Strict mode: every API request must carry a valid SigV4 signature made with one of the
 * configured credentials, and a refused request gets the error AWS's Query services answer
 * (codes, statuses and wording). Off by default: locally any credentials are accepted.
 */
import { AwsError } from "../protocol/aws-error.js";
import type { Credential } from "../credentials.js";
import { models, SERVICE_NAMES } from "../protocol/model.js";
import { IncompleteClaim, parseAmzDate, readClaim, signatureMatches, toAmzDate, type RawRequest } from "./sigv4.js";


/** AWS accepts a signature made at most 15 minutes before or after its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;
/** The longest life a presigned URL may ask for (7 days). */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export const authErrors = {
  missingAuthenticationToken: () => new AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403),
  incompleteSignature: (message: string) => new AwsError("IncompleteSignature", message, 400),
  invalidClientTokenId: () => new AwsError("InvalidClientTokenId", "The security token included in the request is invalid.", 403),
  signatureDoesNotMatch: (
    message = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
  ) => new AwsError("SignatureDoesNotMatch", message, 403),
  requestExpired: () => new AwsError("RequestExpired", "Request has expired.", 400),
};

export interface StrictAuthOptions {
  credentials: Credential[];
  now?: () => number;
  /**
   * The credential scope's services accepted (SigV4 signing names), the first one named in the
   * refusal; by default every service the emulator answers (`elasticache`, `monitoring`). The
   * router then sends the request to the service its scope, target or path names.
   */
  services?: readonly string[];
}

/** Returns a verifier: the credential that signed the request, or throws the AwsError AWS answers. */
export function createStrictAuth(options: StrictAuthOptions): (request: RawRequest) => Credential {
  const byKey = new Map(options.credentials.map((c) => [c.accessKeyId, c]));
  const now = options.now ?? Date.now;
  const services = options.services ?? SERVICE_NAMES.map((name) => models.model(name).signingName);
  return (request) => {
    let claim;
    try {
      claim = readClaim(request);
    } catch (error) {
      if (error instanceof IncompleteClaim) throw authErrors.incompleteSignature(error.message);
      throw error;
    }
    if (!claim) throw authErrors.missingAuthenticationToken();
    const credential = byKey.get(claim.accessKeyId);
    if (!credential) throw authErrors.invalidClientTokenId();
    if (claim.terminator !== "aws4_request") {
      throw authErrors.signatureDoesNotMatch("Credential should be scoped with a valid terminator: 'aws4_request', not '" + clip(claim.terminator) + "'.");
    }
    if (!services.includes(claim.service)) {
      throw authErrors.signatureDoesNotMatch(`Credential should be scoped to correct service: '${services[0]}'. `);
    }
    const signedAt = parseAmzDate(claim.amzDate);
    if (!signedAt) throw authErrors.incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${clip(claim.amzDate)}'. See http://en.wikipedia.org/wiki/ISO_8601`);
    if (claim.amzDate.slice(0, 8) !== claim.scopeDate) {
      throw authErrors.signatureDoesNotMatch(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${clip(claim.scopeDate)}' != '${claim.amzDate.slice(0, 8)}', from '${claim.amzDate}'.`,
      );
    }
    checkTime(claim.form, signedAt, claim.expiresSeconds, now());
    if (!signatureMatches(request, claim, credential.secretAccessKey)) throw authErrors.signatureDoesNotMatch();
    return credential;
  };
}

function checkTime(form: "header" | "query", signedAt: Date, expiresSeconds: number | undefined, nowMs: number): void {
  const signed = toAmzDate(signedAt);
  if (form === "query") {
    if (expiresSeconds !== undefined && expiresSeconds > MAX_PRESIGN_SECONDS) {
      throw authErrors.incompleteSignature(`X-Amz-Expires must be less than a week (in seconds) that is 604800; got ${expiresSeconds}.`);
    }
    if (signedAt.getTime() - nowMs > MAX_CLOCK_SKEW_MS) throw notYetCurrent(signed, nowMs);
    if (expiresSeconds !== undefined && nowMs > signedAt.getTime() + expiresSeconds * 1000) throw authErrors.requestExpired();
    return;
  }
  if (nowMs - signedAt.getTime() > MAX_CLOCK_SKEW_MS) {
    throw authErrors.signatureDoesNotMatch(
      `Signature expired: ${signed} is now earlier than ${toAmzDate(new Date(nowMs - MAX_CLOCK_SKEW_MS))} (${toAmzDate(new Date(nowMs))} - 15 min.)`,
    );
  }
  if (signedAt.getTime() - nowMs > MAX_CLOCK_SKEW_MS) throw notYetCurrent(signed, nowMs);
}

function notYetCurrent(signed: string, nowMs: number): AwsError {
  return authErrors.signatureDoesNotMatch(
    `Signature not yet current: ${signed} is still later than ${toAmzDate(new Date(nowMs + MAX_CLOCK_SKEW_MS))} (${toAmzDate(new Date(nowMs))} + 15 min.)`,
  );
}

const clip = (text: string) => (text.length > 64 ? `${text.slice(0, 64)}...` : text);
