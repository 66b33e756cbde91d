/**
 * Application hints from the first bytes of a TCP payload: HTTP requests and
 * responses, and TLS records (client/server hello). DNS is decoded by port
 * in dns.ts instead.
 *
 * @module
 */

import type { AppHint } from "../packet_record.ts";
import { isHttpRequestLine } from "./http.ts";

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** HTTP/1.x request methods (RFC 9110 section 9, plus PATCH, RFC 5789), each with its space. */
const HTTP_METHODS: readonly Uint8Array[] = [
  "GET ",
  "POST ",
  "HEAD ",
  "PUT ",
  "DELETE ",
  "OPTIONS ",
  "CONNECT ",
  "TRACE ",
  "PATCH ",
].map(ascii);

const HTTP_RESPONSE = ascii("HTTP/1.");

/** TLS record content types (RFC 8446 section 5.1; heartbeat RFC 6520). */
const TLS_CONTENT = {
  CHANGE_CIPHER_SPEC: 20,
  HANDSHAKE: 22,
  HEARTBEAT: 24,
} as const;

/** TLS handshake message types (RFC 8446 section 4). */
const TLS_HANDSHAKE = { CLIENT_HELLO: 1, SERVER_HELLO: 2 } as const;

function startsWith(
  bytes: Uint8Array,
  offset: number,
  end: number,
  prefix: Uint8Array,
): boolean {
  if (end - offset < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[offset + i] !== prefix[i]) return false;
  }
  return true;
}

/**
 * Classifies a TCP payload `bytes[offset, end)` by its first bytes: an HTTP
 * request method → "http_request", "HTTP/1." → "http_response", a TLS record
 * header (type 20–24, version 3.x) → "tls_client_hello"/"tls_server_hello"
 * for those handshakes or "tls" otherwise, anything else → "".
 */
export function appHint(
  bytes: Uint8Array,
  offset: number,
  end: number,
): AppHint {
  if (end - offset < 3) return "";
  // Non-null: three bytes are present (checked above).
  const first = bytes[offset]!;
  if (
    first >= TLS_CONTENT.CHANGE_CIPHER_SPEC && first <= TLS_CONTENT.HEARTBEAT
  ) {
    if (bytes[offset + 1] !== 3 || bytes[offset + 2]! > 4) return "";
    if (first === TLS_CONTENT.HANDSHAKE && end - offset >= 6) {
      const handshake = bytes[offset + 5];
      if (handshake === TLS_HANDSHAKE.CLIENT_HELLO) return "tls_client_hello";
      if (handshake === TLS_HANDSHAKE.SERVER_HELLO) return "tls_server_hello";
    }
    return "tls";
  }
  // Upper-case ASCII letters start every method and "HTTP/1.".
  if (first < 0x43 || first > 0x54) return "";
  if (startsWith(bytes, offset, end, HTTP_RESPONSE)) return "http_response";
  for (const method of HTTP_METHODS) {
    if (method[0] === first && startsWith(bytes, offset, end, method)) {
      return isHttpRequestLine(bytes, offset + method.length, end)
        ? "http_request"
        : "";
    }
  }
  return "";
}
