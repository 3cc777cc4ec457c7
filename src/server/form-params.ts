/**
 * Decodes an application/x-www-form-urlencoded body (or query string) with form
 * semantics (`+` is a space), refusing what AWS refuses: bytes that are not UTF-8.
 */
import { AwsError, commonErrors } from "../protocol/aws-error.js";

/** Form parameters accepted in one request (query and body together); bounds hostile input. */
export const MAX_PARAMETERS = 10_000;

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function decodeForm(raw: Buffer | string, into = new URLSearchParams()): URLSearchParams {
  let text: string;
  try {
    text = typeof raw === "string" ? raw : utf8.decode(raw);
  } catch {
    throw malformed("The request body is not valid UTF-8.");
  }
  let count = [...into.keys()].length;
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    if (++count > MAX_PARAMETERS) {
      throw commonErrors.invalidParameterValue(`The request has more than ${MAX_PARAMETERS} parameters.`);
    }
    const eq = pair.indexOf("=");
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? "" : decodeComponent(pair.slice(eq + 1));
    into.append(key, value);
  }
  return into;
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    throw malformed(`The query string contains an invalid percent-encoding near "${text.slice(0, 40)}".`);
  }
}

function malformed(message: string): AwsError {
  // AWS's common error list gives MalformedQueryString HTTP 404.
  return new AwsError("MalformedQueryString", message, 404);
}
