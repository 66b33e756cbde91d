/**
 * The server name a TLS ClientHello asks for (SNI, RFC 6066 section 3), read
 * from the hello's first segment: a TLS record header, the handshake
 * header, the client's version, random, session id, cipher suites and
 * compression methods, then the extensions (RFC 8446 section 4.1.2). A hello
 * split over several TLS records in the segment (a way around filters that
 * read the first record only) is read joined. A name past the segment's
 * end (a large hello split over segments, its extensions in a random
 * order) stays unknown: no reassembly across segments. Never throws.
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

/** A TLS record's content type for handshake messages. */
const HANDSHAKE_RECORD = 22;
/** Bytes of handshake records joined at most (a hello's segment as the decoder keeps it: `MAX_APP_BYTES`). */
const MAX_JOINED_BYTES = 4_096;
/** The handshake records of a segment, joined: one buffer, reused. */
const joined = new Uint8Array(MAX_JOINED_BYTES);

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
  if (offset + 5 > end) return "";
  const recordEnd = offset + 5 + readU16(bytes, offset + 3);
  // Another handshake record after the first: the hello goes on in it.
  if (recordEnd < end && bytes[recordEnd] === HANDSHAKE_RECORD) {
    const length = joinHandshakeRecords(bytes, offset, end);
    return serverNameOf(joined, 0, length);
  }
  // The record's own length bounds the hello as the segment does.
  return serverNameOf(bytes, offset + 5, Math.min(end, recordEnd));
}

/** Copies the payloads of the handshake records from `bytes[offset]` on, in a row, into {@linkcode joined}; their length. */
function joinHandshakeRecords(
  bytes: Uint8Array,
  offset: number,
  end: number,
): number {
  let length = 0;
  let at = offset;
  while (at + 5 <= end && bytes[at] === HANDSHAKE_RECORD) {
    const payloadEnd = Math.min(end, at + 5 + readU16(bytes, at + 3));
    for (let i = at + 5; i < payloadEnd && length < MAX_JOINED_BYTES; i++) {
      joined[length++] = bytes[i]!;
    }
    at = payloadEnd;
  }
  return length;
}

/** The server name of the ClientHello handshake message at `bytes[at]`, up to `end`. */
function serverNameOf(bytes: Uint8Array, start: number, end: number): string {
  // Handshake type and length (4), version (2), random (32).
  let at = start + 4 + 2 + 32;
  if (at + 1 > end) return "";
  at += 1 + bytes[at]!; // session id
  if (at + 2 > end) return "";
  at += 2 + readU16(bytes, at); // cipher suites
  if (at + 1 > end) return "";
  at += 1 + bytes[at]!; // compression methods
  if (at + 2 > end) return "";
  const extensionsEnd = Math.min(end, at + 2 + readU16(bytes, at));
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
