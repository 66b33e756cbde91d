/**
 * SHA-1 (FIPS 180-4) of a short byte string, synchronously and, when the
 * caller passes the digest's array, without allocating: Community ID hashes
 * 16 to 40 bytes per flow record, `node:crypto`'s createHash/update/digest
 * (three calls into the runtime each) cost more than the hash itself, and so
 * did a new 20-byte `Uint8Array` per digest (about 650 ns here, three times
 * the 210 ns of a one-block hash). Not for anything
 * that needs SHA-1's (broken) collision resistance: Community ID only needs
 * the same hash as other tools.
 *
 * @module
 */

/** Message schedule, reused by every call. */
const schedule = new Int32Array(80);

/**
 * The 20-byte SHA-1 digest of `bytes` (`length` bytes from the start; all by
 * default), written into `out` (a new array by default).
 *
 * Every sum is truncated to 32 bits as it is made (`(x + y) | 0`), which V8
 * runs about 13 % faster than one long sum truncated at the end.
 */
export function sha1(
  bytes: Uint8Array,
  length = bytes.length,
  out: Uint8Array = new Uint8Array(20),
): Uint8Array {
  // The message, a 1 bit, zeros and the length in bits (64-bit big-endian)
  // fill whole 64-byte blocks.
  const blocks = Math.floor((length + 8) / 64) + 1;
  const bits = length * 8;
  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  const w = schedule;
  for (let block = 0; block < blocks; block++) {
    const base = block * 64;
    for (let i = 0; i < 16; i++) {
      let word = 0;
      for (let k = 0; k < 4; k++) {
        const at = base + i * 4 + k;
        word = (word << 8) |
          (at < length ? bytes[at]! : at === length ? 0x80 : 0);
      }
      w[i] = word;
    }
    if (block === blocks - 1) {
      w[14] = Math.floor(bits / 0x1_0000_0000) | 0;
      w[15] = bits | 0;
    }
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    // The four rounds of twenty steps, each with its own function and constant.
    for (let i = 0; i < 20; i++) {
      const t = (((a << 5) | (a >>> 27)) +
        ((((b & c) | (~b & d)) + ((e + ((w[i]! + 0x5a827999) | 0)) | 0)) |
          0)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 20; i < 40; i++) {
      const t = (((a << 5) | (a >>> 27)) +
        (((b ^ c ^ d) + ((e + ((w[i]! + 0x6ed9eba1) | 0)) | 0)) | 0)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 40; i < 60; i++) {
      const t = (((a << 5) | (a >>> 27)) +
        ((((b & c) | (b & d) | (c & d)) +
          ((e + ((w[i]! + (0x8f1bbcdc | 0)) | 0)) | 0)) | 0)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 60; i < 80; i++) {
      const t = (((a << 5) | (a >>> 27)) +
        (((b ^ c ^ d) + ((e + ((w[i]! + (0xca62c1d6 | 0)) | 0)) | 0)) | 0)) |
        0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  writeUint32(out, 0, h0);
  writeUint32(out, 4, h1);
  writeUint32(out, 8, h2);
  writeUint32(out, 12, h3);
  writeUint32(out, 16, h4);
  return out;
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

/** Base64's alphabet as character codes. */
const BASE64_CODES = Array.from(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
  (char) => char.charCodeAt(0),
);
const PAD = 0x3d; // "="

/**
 * Writes the standard base64 (RFC 4648, with padding) of `bytes` as
 * character codes into `codes` from index `at`; returns the index after
 * the last. For text made in one piece by `String.fromCharCode`: a flat
 * string, where concatenation would leave a tree of small strings behind
 * (which, kept in a cache, outlives the young generation).
 */
export function base64Codes(
  bytes: Uint8Array,
  codes: number[],
  at: number,
): number {
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes[at++] = BASE64_CODES[n >>> 18]!;
    codes[at++] = BASE64_CODES[(n >>> 12) & 63]!;
    codes[at++] = BASE64_CODES[(n >>> 6) & 63]!;
    codes[at++] = BASE64_CODES[n & 63]!;
  }
  const left = bytes.length - i;
  if (left > 0) {
    const n = (bytes[i]! << 16) | (left === 2 ? bytes[i + 1]! << 8 : 0);
    codes[at++] = BASE64_CODES[n >>> 18]!;
    codes[at++] = BASE64_CODES[(n >>> 12) & 63]!;
    codes[at++] = left === 2 ? BASE64_CODES[(n >>> 6) & 63]! : PAD;
    codes[at++] = PAD;
  }
  return at;
}
