/**
 * Runs the real @aws-sdk/client-elasticache against canned HTTP responses: a custom
 * requestHandler records what the SDK sends and answers with our serializer's XML.
 */
import { Readable } from "node:stream";
import * as sdk from "@aws-sdk/client-elasticache";
// HttpResponse lives in @smithy/core (a dependency of the SDK); there is no @smithy/protocol-http here.
import { HttpResponse } from "@smithy/core/transport";

export interface Canned {
  status: number;
  xml: string;
  requestId: string;
}

export interface Sent {
  body: string;
  headers: Record<string, string>;
}

export function clientAnswering(answer: (sent: Sent) => Canned, sent: Sent[] = []): sdk.ElastiCacheClient {
  const handle = async (request: { body?: unknown; headers: Record<string, string> }) => {
    const record = { body: String(request.body ?? ""), headers: request.headers };
    sent.push(record);
    const { status, xml, requestId } = answer(record);
    return {
      response: new HttpResponse({
        statusCode: status,
        headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
        body: Readable.from([Buffer.from(xml)]),
      }),
    };
  };
  return new sdk.ElastiCacheClient({
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    maxAttempts: 1, // surface 5xx at once instead of retrying
    requestHandler: { handle } as never,
  });
}

/** `new sdk.<Op>Command(input)`, built by name so every operation goes through one path. */
export function commandFor(operationName: string, input: Record<string, unknown>): never {
  const Command = (sdk as unknown as Record<string, new (input: unknown) => unknown>)[`${operationName}Command`];
  if (!Command) throw new Error(`SDK has no ${operationName}Command`);
  return new Command(input) as never;
}

/** Sends one command; resolves with the SDK's parsed output or its thrown error. */
export async function send(client: sdk.ElastiCacheClient, operationName: string, input: Record<string, unknown>) {
  return (await client.send(commandFor(operationName, input))) as Record<string, unknown> & {
    $metadata: { requestId?: string; httpStatusCode?: number };
  };
}
