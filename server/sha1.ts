/**
 * SHA-1 (FIPS 180-4) of a short byte string, synchronously and without
 * allocating per call beyond the result: Community ID hashes 16 to 40 bytes
 * per flow record, and `node:crypto`'s createHash/update/digest (three calls
 * into the runtime each) cost more than the hash itself. Not for anything
 * that needs SHA-1's (broken) collision resistance: Community ID only needs
 * the same hash as other tools.
 *
 * @module
 */

/** Message schedule, reused by every call. */
const schedule = new Int32Array(80);
/** The padded message, grown when a longer one comes. */
let padded = new Uint8Array(128);

/** The 20-byte SHA-1 digest of `bytes` (`length` bytes from the start; all by default). */
export function sha1(bytes: Uint8Array, length = bytes.length): Uint8Array {
  const blocks = Math.floor((length + 8) / 64) + 1;
  const size = blocks * 64;
  if (padded.length < size) padded = new Uint8Array(size);
  for (let i = 0; i < length; i++) padded[i] = bytes[i]!;
  padded.fill(0, length, size);
  padded[length] = 0x80;
  // The length in bits, big-endian, in the last 8 bytes (a safe integer).
  const bits = length * 8;
  const high = Math.floor(bits / 0x1_0000_0000);
  writeUint32(padded, size - 8, high);
  writeUint32(padded, size - 4, bits >>> 0);

  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  const w = schedule;
  for (let block = 0; block < size; block += 64) {
    for (let i = 0; i < 16; i++) {
      const at = block + i * 4;
      w[i] = (padded[at]! << 24) | (padded[at + 1]! << 16) |
        (padded[at + 2]! << 8) | padded[at + 3]!;
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
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e +
        0x5a827999 + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 20; i < 40; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 +
        w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 40; i < 60; i++) {
      const t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e +
        (0x8f1bbcdc | 0) + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (let i = 60; i < 80; i++) {
      const t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e +
        (0xca62c1d6 | 0) + w[i]!) | 0;
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
  const digest = new Uint8Array(20);
  writeUint32(digest, 0, h0);
  writeUint32(digest, 4, h1);
  writeUint32(digest, 8, h2);
  writeUint32(digest, 12, h3);
  writeUint32(digest, 16, h4);
  return digest;
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

const BASE64 =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Standard base64 (RFC 4648, with padding) of `bytes`. */
export function base64(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += BASE64[n >>> 18]! + BASE64[(n >>> 12) & 63]! +
      BASE64[(n >>> 6) & 63]! + BASE64[n & 63]!;
  }
  const left = bytes.length - i;
  if (left === 1) {
    const n = bytes[i]! << 16;
    out += BASE64[n >>> 18]! + BASE64[(n >>> 12) & 63]! + "==";
  } else if (left === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += BASE64[n >>> 18]! + BASE64[(n >>> 12) & 63]! +
      BASE64[(n >>> 6) & 63]! + "=";
  }
  return out;
}
