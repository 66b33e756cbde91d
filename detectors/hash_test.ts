import assert from "node:assert/strict";
import { fmix32, fnv1a } from "./hash.ts";

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
