/** CloudWatch clients pointed at an in-process emulator: the official SDK in its default protocol or in RPC v2 CBOR. */
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import type { Emulator } from "../../src/index.js";

export function cloudwatchClient(
  emulator: Emulator,
  opts: { region?: string; accessKeyId?: string; secretAccessKey?: string; protocol?: "default" | "rpc-v2-cbor"; disableRequestCompression?: boolean } = {},
): CloudWatchClient {
  return new CloudWatchClient({
    endpoint: emulator.url,
    region: opts.region ?? "us-east-1",
    credentials: { accessKeyId: opts.accessKeyId ?? "test", secretAccessKey: opts.secretAccessKey ?? "test" },
    maxAttempts: 1,
    // The SDK's own CBOR codec, as aws-sdk-go-v2 and the Java SDK speak it to CloudWatch.
    ...(opts.protocol === "rpc-v2-cbor" ? { protocol: AwsSmithyRpcV2CborProtocol } : {}),
    ...(opts.disableRequestCompression ? { disableRequestCompression: true } : {}),
  });
}
