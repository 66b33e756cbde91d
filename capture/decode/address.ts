/**
 * Fast text forms of link and IP addresses read in place from a capture
 * buffer: table lookups and string concatenation, nothing else allocated.
 *
 * @module
 */

/** "00".."ff" by byte value. */
const HEX2: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

/** "0".."ff" by byte value (no leading zero). */
const HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16),
);

/** "0".."255" by byte value. */
const DEC: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => String(i),
);

/** Formats the 6 bytes at `offset` as "aa:bb:cc:dd:ee:ff"; the caller has checked `offset + 6 <= bytes.length`. */
export function formatMac(bytes: Uint8Array, offset: number): string {
  // Non-null: the caller checked the six bytes are present.
  return HEX2[bytes[offset]!]! + ":" + HEX2[bytes[offset + 1]!]! + ":" +
    HEX2[bytes[offset + 2]!]! + ":" + HEX2[bytes[offset + 3]!]! + ":" +
    HEX2[bytes[offset + 4]!]! + ":" + HEX2[bytes[offset + 5]!]!;
}

/** Formats the 4 bytes at `offset` as a dotted quad; the caller has checked `offset + 4 <= bytes.length`. */
export function formatIpv4(bytes: Uint8Array, offset: number): string {
  // Non-null: the caller checked the four bytes are present.
  return DEC[bytes[offset]!]! + "." + DEC[bytes[offset + 1]!]! + "." +
    DEC[bytes[offset + 2]!]! + "." + DEC[bytes[offset + 3]!]!;
}

/**
 * Formats the 16 bytes at `offset` as RFC 5952 text: lower case, no leading
 * zeros, the longest run (the first if tied) of two or more zero groups as
 * "::", and IPv4-mapped addresses as "::ffff:192.0.2.1" (section 5). The
 * caller has checked `offset + 16 <= bytes.length`.
 */
export function formatIpv6(bytes: Uint8Array, offset: number): string {
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
  if (
    bestStart === 0 && bestLength === 5 && bytes[offset + 10] === 0xff &&
    bytes[offset + 11] === 0xff
  ) {
    return "::ffff:" + formatIpv4(bytes, offset + 12);
  }
  let text = "";
  let needColon = false;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += "::";
      i += bestLength - 1;
      needColon = false;
      continue;
    }
    if (needColon) text += ":";
    const high = bytes[offset + i * 2]!;
    const low = bytes[offset + i * 2 + 1]!;
    text += high === 0 ? HEX[low]! : HEX[high]! + HEX2[low]!;
    needColon = true;
  }
  return text;
}
