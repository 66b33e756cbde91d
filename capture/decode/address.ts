/**
 * Fast text forms of link and IP addresses read in place from a capture
 * buffer.
 *
 * Each format has a small direct-mapped cache (a fixed number of slots,
 * indexed by a hash of the address bytes; a new address overwrites its
 * slot). Traffic repeats the same hosts, so most packets get the string they
 * had before without allocating, and downstream maps keyed by these strings
 * see the same flat string with its hash already computed. A miss builds the
 * string from character codes in one allocation.
 *
 * @module
 */

import { ipv4AddressKey } from "./address_key.ts";

/** Hex digit character codes. */
const HEX_DIGITS: readonly number[] = Array.from(
  "0123456789abcdef",
  (char) => char.charCodeAt(0),
);

const COLON = 0x3a;
const DOT = 0x2e;
const ZERO = 0x30;

/** Longest text built from codes: a full IPv6 address is 39 characters. */
const MAX_TEXT_LENGTH = 48;

/** Reused character-code buffer for the variable-length formats. */
const codes = new Uint16Array(MAX_TEXT_LENGTH);

/** One reused plain array per text length, so `apply` gets an array of exactly that length. */
const codesByLength: number[][] = Array.from(
  { length: MAX_TEXT_LENGTH + 1 },
  (_, length) => new Array<number>(length).fill(0),
);

/** `codes[0, length)` as one flat string. */
function codesToString(length: number): string {
  // Non-null: lengths stay within MAX_TEXT_LENGTH by construction.
  const args = codesByLength[length]!;
  for (let i = 0; i < length; i++) args[i] = codes[i]!;
  // Faster than spreading, and than resizing one array (it reallocates).
  return String.fromCharCode.apply(null, args);
}

/** Knuth's multiplicative hash of a 32-bit key to `bits` bits. */
function slotOf(key: number, bits: number): number {
  return Math.imul(key, 0x9e3779b1) >>> (32 - bits);
}

const MAC_CACHE_BITS = 10;
const macKeyHigh = new Int32Array(1 << MAC_CACHE_BITS).fill(-1);
const macKeyLow = new Int32Array(1 << MAC_CACHE_BITS).fill(-1);
const macText: string[] = new Array(1 << MAC_CACHE_BITS).fill("");

/** The first three of the 6 MAC bytes at `offset` as one number (for {@linkcode formatMacWords}). */
export function macHighWord(bytes: Uint8Array, offset: number): number {
  // Non-null: the caller checked the six bytes are present.
  return (bytes[offset]! << 16) | (bytes[offset + 1]! << 8) |
    bytes[offset + 2]!;
}

/** Whether `mac` ("aa:bb:…") is a group address: multicast or broadcast (the low bit of its first byte). */
export function isGroupMac(mac: string): boolean {
  // The low bit of the second hex digit: "0"–"9" are 48–57, whose low bit
  // is the digit's; "a"–"f" (97–102) and "A"–"F" (65–70) stand for 10–15,
  // whose low bit is the opposite of theirs.
  const digit = mac.charCodeAt(1);
  return digit <= 57 ? (digit & 1) === 1 : (digit & 1) === 0;
}

/** The last three of the 6 MAC bytes at `offset` as one number. */
export function macLowWord(bytes: Uint8Array, offset: number): number {
  // Non-null: the caller checked the six bytes are present.
  return (bytes[offset + 3]! << 16) | (bytes[offset + 4]! << 8) |
    bytes[offset + 5]!;
}

/** Formats the 6 bytes at `offset` as "aa:bb:cc:dd:ee:ff"; the caller has checked `offset + 6 <= bytes.length`. */
export function formatMac(bytes: Uint8Array, offset: number): string {
  return formatMacWords(macHighWord(bytes, offset), macLowWord(bytes, offset));
}

/** Formats a MAC given as its {@linkcode macHighWord} and {@linkcode macLowWord}. */
export function formatMacWords(high: number, low: number): string {
  const slot = slotOf(low ^ Math.imul(high, 0x01000193), MAC_CACHE_BITS);
  if (macKeyHigh[slot] === high && macKeyLow[slot] === low) {
    return macText[slot]!;
  }
  const text = String.fromCharCode(
    HEX_DIGITS[high >> 20]!,
    HEX_DIGITS[(high >> 16) & 15]!,
    COLON,
    HEX_DIGITS[(high >> 12) & 15]!,
    HEX_DIGITS[(high >> 8) & 15]!,
    COLON,
    HEX_DIGITS[(high >> 4) & 15]!,
    HEX_DIGITS[high & 15]!,
    COLON,
    HEX_DIGITS[low >> 20]!,
    HEX_DIGITS[(low >> 16) & 15]!,
    COLON,
    HEX_DIGITS[(low >> 12) & 15]!,
    HEX_DIGITS[(low >> 8) & 15]!,
    COLON,
    HEX_DIGITS[(low >> 4) & 15]!,
    HEX_DIGITS[low & 15]!,
  );
  macKeyHigh[slot] = high;
  macKeyLow[slot] = low;
  macText[slot] = text;
  return text;
}

const IPV4_CACHE_BITS = 12;
const ipv4Key = new Float64Array(1 << IPV4_CACHE_BITS).fill(-1);
const ipv4Text: string[] = new Array(1 << IPV4_CACHE_BITS).fill("");

/** Writes the dotted quad of the 32-bit `address` into `codes` from `at`; returns the new length. */
function writeIpv4Codes(address: number, at: number): number {
  let length = at;
  for (let shift = 24; shift >= 0; shift -= 8) {
    if (shift < 24) codes[length++] = DOT;
    const value = (address >>> shift) & 0xff;
    if (value >= 100) {
      codes[length++] = ZERO + ((value / 100) | 0);
      codes[length++] = ZERO + (((value / 10) | 0) % 10);
    } else if (value >= 10) {
      codes[length++] = ZERO + ((value / 10) | 0);
    }
    codes[length++] = ZERO + (value % 10);
  }
  return length;
}

/** Formats the 4 bytes at `offset` as a dotted quad; the caller has checked `offset + 4 <= bytes.length`. */
export function formatIpv4(bytes: Uint8Array, offset: number): string {
  return formatIpv4Key(ipv4AddressKey(bytes, offset));
}

/** Formats an IPv4 address given as an unsigned 32-bit number (its address key) as a dotted quad. */
export function formatIpv4Key(address: number): string {
  const slot = slotOf(address, IPV4_CACHE_BITS);
  if (ipv4Key[slot] === address) return ipv4Text[slot]!;
  const text = codesToString(writeIpv4Codes(address, 0));
  ipv4Key[slot] = address;
  ipv4Text[slot] = text;
  return text;
}

const IPV6_CACHE_BITS = 10;
/** Four 32-bit words per slot. */
const ipv6Key = new Int32Array(4 << IPV6_CACHE_BITS);
const ipv6Used = new Uint8Array(1 << IPV6_CACHE_BITS);
const ipv6Text: string[] = new Array(1 << IPV6_CACHE_BITS).fill("");

function readWord(bytes: Uint8Array, offset: number): number {
  // Non-null: the caller checked the sixteen bytes are present.
  return (bytes[offset]! << 24) | (bytes[offset + 1]! << 16) |
    (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
}

/** Whether the IPv6 address at `offset` (its first two bytes present) is link-local unicast, fe80::/10. */
export function isLinkLocalAt(bytes: Uint8Array, offset: number): boolean {
  // Non-null: the caller checked that the bytes are present.
  return bytes[offset] === 0xfe && (bytes[offset + 1]! & 0xc0) === 0x80;
}

/**
 * Formats the 16 bytes at `offset` as RFC 5952 text: lower case, no leading
 * zeros, the longest run (the first if tied) of two or more zero groups as
 * "::", and IPv4-mapped addresses as "::ffff:192.0.2.1" (section 5). The
 * caller has checked `offset + 16 <= bytes.length`.
 */
export function formatIpv6(bytes: Uint8Array, offset: number): string {
  const w0 = readWord(bytes, offset);
  const w1 = readWord(bytes, offset + 4);
  const w2 = readWord(bytes, offset + 8);
  const w3 = readWord(bytes, offset + 12);
  const slot = slotOf(
    w3 ^ Math.imul(w2, 0x01000193) ^ Math.imul(w1, 0x0100_01b3) ^
      Math.imul(w0, 0x27d4_eb2d),
    IPV6_CACHE_BITS,
  );
  const at = slot * 4;
  if (
    ipv6Used[slot] === 1 && ipv6Key[at] === w0 && ipv6Key[at + 1] === w1 &&
    ipv6Key[at + 2] === w2 && ipv6Key[at + 3] === w3
  ) {
    return ipv6Text[slot]!;
  }
  const text = buildIpv6(bytes, offset);
  ipv6Key[at] = w0;
  ipv6Key[at + 1] = w1;
  ipv6Key[at + 2] = w2;
  ipv6Key[at + 3] = w3;
  ipv6Used[slot] = 1;
  ipv6Text[slot] = text;
  return text;
}

/** Writes `word` (signed or not) big-endian at `offset`; the caller checked the four bytes are there. */
export function writeWord(
  bytes: Uint8Array,
  offset: number,
  word: number,
): void {
  bytes[offset] = word >>> 24;
  bytes[offset + 1] = word >>> 16;
  bytes[offset + 2] = word >>> 8;
  bytes[offset + 3] = word;
}

/** Scratch bytes of {@linkcode formatIpv6Words}. */
const wordBytes = new Uint8Array(16);

/** Formats the IPv6 address whose 32-bit words, most significant first, are `w0`–`w3` (as {@linkcode formatIpv6} does its bytes). */
export function formatIpv6Words(
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): string {
  writeWord(wordBytes, 0, w0);
  writeWord(wordBytes, 4, w1);
  writeWord(wordBytes, 8, w2);
  writeWord(wordBytes, 12, w3);
  return formatIpv6(wordBytes, 0);
}

function buildIpv6(bytes: Uint8Array, offset: number): string {
  // Longest run of zero 16-bit groups (RFC 5952 section 4.2.3).
  let bestStart = -1;
  let bestLength = 1; // a single zero group is never shortened (4.2.2)
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const at = offset + i * 2;
    // Non-null: the caller checked the sixteen bytes are present.
    if ((bytes[at]! | bytes[at + 1]!) === 0) {
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart + 1;
      }
    } else {
      runStart = -1;
    }
  }
  let length = 0;
  const mapped = bestStart === 0 && bestLength === 5 &&
    bytes[offset + 10] === 0xff && bytes[offset + 11] === 0xff;
  const groups = mapped ? 6 : 8;
  let needColon = false;
  for (let i = 0; i < groups; i++) {
    if (i === bestStart) {
      codes[length++] = COLON;
      codes[length++] = COLON;
      i += bestLength - 1;
      needColon = false;
      continue;
    }
    if (needColon) codes[length++] = COLON;
    const group = (bytes[offset + i * 2]! << 8) | bytes[offset + i * 2 + 1]!;
    if (group >= 0x1000) codes[length++] = HEX_DIGITS[group >> 12]!;
    if (group >= 0x100) codes[length++] = HEX_DIGITS[(group >> 8) & 15]!;
    if (group >= 0x10) codes[length++] = HEX_DIGITS[(group >> 4) & 15]!;
    codes[length++] = HEX_DIGITS[group & 15]!;
    needColon = true;
  }
  if (mapped) {
    // "::ffff" so far; the IPv4 address follows (section 5).
    codes[length++] = COLON;
    length = writeIpv4Codes(ipv4AddressKey(bytes, offset + 12), length);
  }
  return codesToString(length);
}
