import assert from "node:assert/strict";
import { fmix32, fnv1a, polyHash } from "./hash.ts";

Deno.test("fnv1a() matches the published FNV-1a 32-bit test vectors", () => {
  assert.equal(fnv1a(""), 0x811c9dc5);
  assert.equal(fnv1a("a"), 0xe40c292c);
  assert.equal(fnv1a("foobar"), 0xbf9cf968);
});

Deno.test("fmix32() matches MurmurHash3's finalizer and is unsigned", () => {
  assert.equal(fmix32(0), 0);
  assert.equal(fmix32(1), 0x514e28b7);
  assert.equal(fmix32(0xffffffff), 0x81f16f39);
  for (const text of ["10.0.0.1", "10.0.0.2", "2001:db8::1"]) {
    const mixed = fmix32(fnv1a(text));
    assert.ok(mixed >= 0 && mixed <= 0xffffffff && Number.isInteger(mixed));
  }
});

Deno.test("polyHash() is Java's String.hashCode seeded with the length, unsigned, and disagrees with fnv1a() on fnv1a's collisions", () => {
  // Seeded with the length: h = len × 31^len + Σ code × 31^(len−1−i).
  assert.equal(polyHash(""), 0);
  assert.equal(polyHash("a"), 31 + 97);
  assert.equal(polyHash("ab"), 2 * 31 * 31 + 97 * 31 + 98);
  const long = "x".repeat(1000);
  assert.ok(polyHash(long) >= 0 && polyHash(long) < 2 ** 32);
  // Among 200 000 domain-like names, no pair collides in both hashes.
  const seen = new Map<number, string>();
  let fnvCollisions = 0;
  for (let i = 0; i < 200_000; i++) {
    const name = `host${i}.example${i % 97}.com`;
    const fnv = fnv1a(name);
    const other = seen.get(fnv);
    if (other !== undefined) {
      fnvCollisions++;
      assert.notEqual(polyHash(other), polyHash(name), `${other} ${name}`);
    }
    seen.set(fnv, name);
  }
  assert.ok(fnvCollisions > 0, "the names include fnv1a collisions"); // 5 of them
});
