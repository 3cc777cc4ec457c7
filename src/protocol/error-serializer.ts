/**
 * The awsQuery error document (`<ErrorResponse><Error><Type><Code><Message>`), in the
 * namespace of the service that answers, and the XML escaping every XML writer shares.
 */
import type { AwsError } from "./aws-error.js";

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

export function serializeError(err: AwsError, requestId: string, xmlNamespace: string): string {
  return (
    XML_DECL +
    `<ErrorResponse xmlns="${escapeXml(xmlNamespace)}"><Error>` +
    `<Type>${err.senderFault ? "Sender" : "Receiver"}</Type>` +
    `<Code>${escapeXml(err.code)}</Code>` +
    `<Message>${escapeXml(err.message)}</Message>` +
    `</Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}

// ---- escaping ----

// Anything outside XML 1.0's Char production (controls, lone surrogates, U+FFFE/U+FFFF).
const ILLEGAL_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  // As a reference, so XML parsers' line-end normalisation keeps a CR intact.
  "\r": "&#xD;",
};
/**
 * Any character escapeXml might change: markup characters, CR, characters XML 1.0 cannot
 * carry, and every surrogate (pairs are legal, lone ones are not; the full pass decides).
 */
const NEEDS_WORK = /[^\t\n\u0020\u0021\u0023-\u0025\u0028-\u003B\u003D\u003F-\uD7FF\uE000-\uFFFD]/;

/** Escapes text/attribute content and drops characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  return text.replace(ILLEGAL_XML, "").replace(/[&<>"'\r]/g, (c) => ESCAPES[c]);
}
