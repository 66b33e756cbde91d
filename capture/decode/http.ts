/**
 * What an HTTP/1.x message's first segment says: a request's method,
 * target, Host and User-Agent headers, a response's status code. Only the captured
 * bytes of that one segment are read (no reassembly): a Host header in a
 * later segment stays unknown. Never throws; text outside printable ASCII
 * is written `\xHH`.
 *
 * @module
 */

import type { PacketRecord } from "../packet_record.ts";

/** Characters of a request target kept at most; a longer one is cut and ends with "…". */
export const MAX_HTTP_URI_CHARS = 512;
/** Characters of a Host header kept at most (a DNS name's longest text). */
export const MAX_HTTP_HOST_CHARS = 255;
/** Characters of a User-Agent header kept at most; a longer one is cut and ends with "…". */
export const MAX_HTTP_USER_AGENT_CHARS = 512;

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const COLON = 0x3a;

/**
 * Sets `record.httpMethod` and `httpUri` from the request line of an HTTP
 * request starting at `bytes[offset]` (its method, as `appHint` found it)
 * and captured up to `end` ({@linkcode readHttpHost} reads its Host).
 */
export function readHttpRequest(
  record: Pick<PacketRecord, "httpMethod" | "httpUri">,
  bytes: Uint8Array,
  offset: number,
  end: number,
): void {
  const methodEnd = indexOfByte(bytes, offset, end, SPACE);
  if (methodEnd < 0) return;
  const uriStart = methodEnd + 1;
  const uriEnd = targetEnd(bytes, uriStart, end);
  record.httpMethod = printableText(bytes, offset, methodEnd, 16);
  record.httpUri = printableText(bytes, uriStart, uriEnd, MAX_HTTP_URI_CHARS);
}

/**
 * Whether the request line whose target starts at `bytes[at]` (after a
 * method and its space, captured up to `end`) is HTTP's: its target
 * followed by " HTTP/…", or cut by the segment's end before the line ends
 * (a long target). RTSP's and SIP's requests (the same methods, "RTSP/1.0"
 * and "SIP/2.0"), and lines with no version (a Redis inline command, "GET
 * key"), are not.
 */
export function isHttpRequestLine(
  bytes: Uint8Array,
  at: number,
  end: number,
): boolean {
  const i = targetEnd(bytes, at, end);
  if (i < end && bytes[i] !== SPACE) return false; // the line ended
  // Cut before the version: a long target, taken as HTTP's.
  if (end - (i + 1) < HTTP_VERSION.length) return true;
  if (i === at) return false;
  for (let k = 0; k < HTTP_VERSION.length; k++) {
    if (bytes[i + 1 + k] !== HTTP_VERSION[k]) return false;
  }
  return true;
}

/** "HTTP/" as character codes. */
const HTTP_VERSION = [..."HTTP/"].map((c) => c.charCodeAt(0));

/** Where the request target starting at `bytes[start]` ends: its space, the line's end, or `end`. */
function targetEnd(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (
    i < end && bytes[i] !== SPACE && bytes[i] !== CR && bytes[i] !== LF
  ) i++;
  return i;
}

/**
 * The value of the first Host header of an HTTP request starting at
 * `bytes[offset]` and captured up to `end`: the header lines after the
 * request line, up to the blank line; "" when the segment holds none whole.
 */
export function readHttpHost(
  bytes: Uint8Array,
  offset: number,
  end: number,
): string {
  return readHttpHeader(bytes, offset, end, HOST, MAX_HTTP_HOST_CHARS);
}

/** The value of the first User-Agent header of an HTTP request, as {@linkcode readHttpHost} reads the Host. */
export function readHttpUserAgent(
  bytes: Uint8Array,
  offset: number,
  end: number,
): string {
  return readHttpHeader(
    bytes,
    offset,
    end,
    USER_AGENT,
    MAX_HTTP_USER_AGENT_CHARS,
  );
}

/** Header names in lower case, as character codes. */
const HOST = [..."host"].map((c) => c.charCodeAt(0));
const USER_AGENT = [..."user-agent"].map((c) => c.charCodeAt(0));

/** The value of the first header named `name` (lower case) of the request at `bytes[offset]`, or "". */
function readHttpHeader(
  bytes: Uint8Array,
  offset: number,
  end: number,
  name: readonly number[],
  maxChars: number,
): string {
  let line = indexOfByte(bytes, offset, end, LF);
  while (line >= 0) {
    const start = line + 1;
    // A blank line ends the headers.
    if (start >= end || bytes[start] === CR || bytes[start] === LF) return "";
    const next = indexOfByte(bytes, start, end, LF);
    if (isHeaderNamed(bytes, start, end, name)) {
      // A header cut by the segment's end is not the whole value.
      if (next < 0) return "";
      let valueStart = start + name.length + 1;
      while (
        valueStart < next &&
        (bytes[valueStart] === SPACE || bytes[valueStart] === TAB)
      ) valueStart++;
      let valueEnd = next;
      while (
        valueEnd > valueStart &&
        (bytes[valueEnd - 1] === CR || bytes[valueEnd - 1] === SPACE ||
          bytes[valueEnd - 1] === TAB)
      ) valueEnd--;
      return printableText(bytes, valueStart, valueEnd, maxChars);
    }
    line = next;
  }
  return "";
}

/** The status code of an HTTP/1.x response starting at `bytes[offset]` ("HTTP/1.1 404 Not Found" → 404), or -1. */
export function readHttpStatus(
  bytes: Uint8Array,
  offset: number,
  end: number,
): number {
  // "HTTP/1.x " is 9 bytes; three digits follow.
  const at = offset + 9;
  if (at + 3 > end || bytes[at - 1] !== SPACE) return -1;
  let status = 0;
  for (let i = at; i < at + 3; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 9) return -1;
    status = status * 10 + digit;
  }
  const after = at + 3 < end ? bytes[at + 3] : SPACE;
  return after === SPACE || after === CR || after === LF ? status : -1;
}

/** Whether the header line at `start` is `name` and a colon (any case). */
function isHeaderNamed(
  bytes: Uint8Array,
  start: number,
  end: number,
  name: readonly number[],
): boolean {
  const length = name.length;
  if (start + length + 1 > end || bytes[start + length] !== COLON) return false;
  for (let i = 0; i < length; i++) {
    const byte = bytes[start + i]!;
    const wanted = name[i]!;
    // A letter in either case (bit 0x20 set is lower case); "-" exactly.
    if (byte !== wanted && (wanted < 0x61 || (byte | 0x20) !== wanted)) {
      return false;
    }
  }
  return true;
}

function indexOfByte(
  bytes: Uint8Array,
  from: number,
  end: number,
  value: number,
): number {
  for (let i = from; i < end; i++) if (bytes[i] === value) return i;
  return -1;
}

/**
 * `bytes[start, end)` as text: printable ASCII as it is, a backslash and
 * any other byte as `\xHH` (so an escape in the text reads as the byte it
 * stands for, never as the characters "\x1b"), at most `maxChars`
 * characters (a longer text is cut between escapes and ends with "…").
 */
export function printableText(
  bytes: Uint8Array,
  start: number,
  end: number,
  maxChars: number,
): string {
  // Printable and short, as host names and most targets are: the same text
  // as last time comes from the cache, without a new string.
  const length = end - start;
  if (length <= maxChars && length <= MAX_CACHED_CHARS) {
    let hash = 0x811c9dc5;
    let printable = true;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (!isPlain(byte)) {
        printable = false;
        break;
      }
      hash = Math.imul(hash ^ byte, 0x01000193);
    }
    if (printable) {
      const slot = (hash ^ (hash >>> 16)) & (TEXT_CACHE_SLOTS - 1);
      const cached = textCache[slot]!;
      if (
        textCacheHash[slot] === hash && cached.length === length &&
        sameText(cached, bytes, start)
      ) return cached;
      let text = "";
      for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i]!);
      textCache[slot] = text;
      textCacheHash[slot] = hash;
      return text;
    }
  }
  // Whole when it fits; else up to the last whole character or escape that
  // leaves room for "…".
  let width = 0;
  for (let i = start; i < end && width <= maxChars; i++) {
    width += isPlain(bytes[i]!) ? 1 : 4;
  }
  const limit = width <= maxChars ? maxChars : maxChars - 1;
  const codes: number[] = [];
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!;
    if (isPlain(byte)) {
      if (codes.length + 1 > limit) break;
      codes.push(byte);
    } else {
      if (codes.length + 4 > limit) break;
      codes.push(0x5c, 0x78, HEX_DIGITS[byte >> 4]!, HEX_DIGITS[byte & 15]!);
    }
  }
  const text = String.fromCharCode(...codes);
  return width <= maxChars ? text : `${text}…`;
}

/** Whether `byte` is written as itself: printable ASCII but the backslash. */
function isPlain(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f && byte !== 0x5c;
}

/** Texts of {@linkcode printableText} kept for reuse: one per slot, by hash. */
const TEXT_CACHE_SLOTS = 256;
/** Longest text kept there. */
const MAX_CACHED_CHARS = 128;
const textCache: string[] = new Array<string>(TEXT_CACHE_SLOTS).fill("");
const textCacheHash = new Int32Array(TEXT_CACHE_SLOTS);

function sameText(text: string, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== bytes[start + i]) return false;
  }
  return true;
}

/** "0123456789abcdef" as character codes. */
const HEX_DIGITS = [..."0123456789abcdef"].map((c) => c.charCodeAt(0));
