/**
 * Who is calling: account, region and service from the SigV4 credential scope
 * (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`; the service is `elasticache`,
 * `monitoring`...). A 12-digit access key is taken as the account id, as other AWS
 * emulators do.
 */
import type { IncomingHttpHeaders } from "node:http";

export interface Caller {
  accountId: string;
  region: string;
  accessKeyId?: string;
  /** The scope's service (the SigV4 signing name), when the request is signed; the router reads it. */
  service?: string;
}

const credentialScope = /Credential=([^/\s,]+)\/\d{8}\/([a-z0-9-]+)\/([^/\s,]+)\/aws4_request/;

export function callerFromRequest(
  headers: IncomingHttpHeaders,
  params: URLSearchParams,
  defaults: { accountId: string; region: string },
): Caller {
  const authorization = typeof headers.authorization === "string" ? headers.authorization : "";
  // Presigned requests carry the scope in X-Amz-Credential instead.
  const scope = credentialScope.exec(authorization) ?? credentialScope.exec(`Credential=${params.get("X-Amz-Credential") ?? ""}`);
  if (!scope) return { ...defaults };
  const accessKeyId = scope[1];
  return {
    accessKeyId,
    accountId: /^\d{12}$/.test(accessKeyId) ? accessKeyId : defaults.accountId,
    region: scope[2],
    service: scope[3],
  };
}
