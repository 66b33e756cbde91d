import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { base64Codes, sha1 } from "./sha1.ts";

const text = (value: string) => new TextEncoder().encode(value);
const hex = (bytes: Uint8Array) =>
  [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");

Deno.test("sha1() gives FIPS 180's example digests", () => {
  assert.equal(hex(sha1(text(""))), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  assert.equal(
    hex(sha1(text("abc"))),
    "a9993e364706816aba3e25717850c26c9cd0d89d",
  );
  // 56 bytes: the length no longer fits the first block.
  assert.equal(
    hex(sha1(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
  );
  assert.equal(
    hex(sha1(text("a".repeat(1_000_000)))),
    "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
  );
});

Deno.test("sha1() agrees with node:crypto on every length from 0 to 300 bytes", () => {
  let seed = 7;
  const out = new Uint8Array(20);
  for (let length = 0; length <= 300; length++) {
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      bytes[i] = seed >>> 24;
    }
    const expected = createHash("sha1").update(bytes).digest("hex");
    assert.equal(hex(sha1(bytes)), expected, `length ${length}`);
    // Hashing a prefix of a longer buffer is the same as hashing a copy.
    const longer = new Uint8Array(length + 5);
    longer.set(bytes);
    longer.fill(0xff, length);
    assert.equal(hex(sha1(longer, length)), expected, `prefix ${length}`);
    // Into a reused digest: the same bytes, in the array given.
    assert.equal(sha1(bytes, length, out), out);
    assert.equal(hex(out), expected, `into a reused digest, length ${length}`);
  }
});

Deno.test("base64Codes() writes RFC 4648 base64 with padding from the index given", () => {
  for (let length = 0; length <= 25; length++) {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
    const expected = btoa(String.fromCharCode(...bytes));
    const codes = [0x2a, 0x2a];
    assert.equal(base64Codes(bytes, codes, 2), 2 + expected.length);
    assert.equal(String.fromCharCode(...codes), `**${expected}`);
  }
});
