/** Asserts that an SDK call fails with an AWS error of the given wire code and HTTP status. */
import { expect } from "vitest";

export async function expectAwsError(promise: Promise<unknown>, code: string, status: number, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as { Code?: string; name?: string; message?: string; $metadata?: { httpStatusCode?: number } },
  );
  expect(error, `expected ${code} (${status})`).toBeDefined();
  expect(error!.Code ?? error!.name).toBe(code);
  expect(error!.$metadata?.httpStatusCode).toBe(status);
  if (message) expect(error!.message).toMatch(message);
}
