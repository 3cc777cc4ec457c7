/**
 * Asserts that an SDK call fails with an AWS error of the given wire code and HTTP status, and
 * a message that matches (a RegExp) or is exactly (a string) the one given.
 */
import { expect } from "vitest";

export async function expectAwsError(promise: Promise<unknown>, code: string, status: number, message?: RegExp | string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as { Code?: string; name?: string; message?: string; $metadata?: { httpStatusCode?: number } },
  );
  expect(error, `expected ${code} (${status})`).toBeDefined();
  expect(error!.Code ?? error!.name).toBe(code);
  expect(error!.$metadata?.httpStatusCode).toBe(status);
  if (typeof message === "string") expect(error!.message).toBe(message);
  else if (message) expect(error!.message).toMatch(message);
}
