/**
 * Big-endian reads on a Uint8Array for the decoders (no DataView: these
 * inline to a couple of loads). Callers check bounds first.
 *
 * @module
 */

/** Unsigned 16-bit big-endian value at `offset`; the caller has checked `offset + 2 <= end`. */
export function readU16(bytes: Uint8Array, offset: number): number {
  // Non-null: every caller checks that both bytes lie inside the capture.
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

/** Unsigned 32-bit big-endian value at `offset`; the caller has checked `offset + 4 <= end`. */
export function readU32(bytes: Uint8Array, offset: number): number {
  // Non-null: every caller checks that all four bytes lie inside the capture.
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) |
    (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

/** Bytes `from`–`to` in hex, two digits each, joined by `separator` ("0108…", or "01:08:…"); the caller has checked that they lie inside the capture. */
export function formatHex(
  bytes: Uint8Array,
  from: number,
  to: number,
  separator = "",
): string {
  let text = "";
  for (let i = from; i < to; i++) {
    // Non-null: within the checked bytes.
    text += (i === from ? "" : separator) +
      bytes[i]!.toString(16).padStart(2, "0");
  }
  return text;
}
