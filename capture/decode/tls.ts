/**
 * The server name a TLS ClientHello asks for (SNI, RFC 6066 section 3), read
 * from the hello's first segment: a TLS record header, the handshake
 * header, the client's version, random, session id, cipher suites and
 * compression methods, then the extensions (RFC 8446 section 4.1.2). A name
 * past the segment's end (a large hello split over segments, its
 * extensions in a random order) stays unknown: no reassembly. Never throws.
 *
 * @module
 */

import { readU16 } from "./bytes.ts";
import { printableText } from "./http.ts";

/** The server_name extension's type, and its host_name entry's (RFC 6066). */
const SERVER_NAME_EXTENSION = 0;
const HOST_NAME = 0;
/** Characters of a server name kept at most (a DNS name's longest text). */
export const MAX_SERVER_NAME_CHARS = 255;

/**
 * The host name of the server_name extension of the ClientHello whose TLS
 * record starts at `bytes[offset]` (captured up to `end`), or "" when it
 * has none or the segment does not hold it whole.
 */
export function readTlsServerName(
  bytes: Uint8Array,
  offset: number,
  end: number,
): string {
  // The record's own length bounds the hello as the segment does.
  if (offset + 5 > end) return "";
  const recordEnd = Math.min(end, offset + 5 + readU16(bytes, offset + 3));
  // Record header (5), handshake type and length (4), version (2), random (32).
  let at = offset + 5 + 4 + 2 + 32;
  if (at + 1 > recordEnd) return "";
  at += 1 + bytes[at]!; // session id
  if (at + 2 > recordEnd) return "";
  at += 2 + readU16(bytes, at); // cipher suites
  if (at + 1 > recordEnd) return "";
  at += 1 + bytes[at]!; // compression methods
  if (at + 2 > recordEnd) return "";
  const extensionsEnd = Math.min(recordEnd, at + 2 + readU16(bytes, at));
  at += 2;
  while (at + 4 <= extensionsEnd) {
    const type = readU16(bytes, at);
    const length = readU16(bytes, at + 2);
    const data = at + 4;
    if (type === SERVER_NAME_EXTENSION) {
      return hostName(bytes, data, Math.min(data + length, extensionsEnd));
    }
    at = data + length;
  }
  return "";
}

/** The first host_name of a server_name extension's list at `bytes[at, end)`, or "". */
function hostName(bytes: Uint8Array, at: number, end: number): string {
  if (at + 2 > end) return "";
  const listEnd = Math.min(end, at + 2 + readU16(bytes, at));
  let entry = at + 2;
  while (entry + 3 <= listEnd) {
    const length = readU16(bytes, entry + 1);
    const name = entry + 3;
    if (name + length > listEnd) return "";
    if (bytes[entry] === HOST_NAME) {
      return printableText(bytes, name, name + length, MAX_SERVER_NAME_CHARS);
    }
    entry = name + length;
  }
  return "";
}
