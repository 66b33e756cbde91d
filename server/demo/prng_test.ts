import assert from "node:assert/strict";
import { Prng } from "./prng.ts";

Deno.test("Prng gives the same stream for the same seed and another for another seed", () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const first = Array.from({ length: 16 }, () => a.uint32());
  assert.deepEqual(Array.from({ length: 16 }, () => b.uint32()), first);
  assert.notDeepEqual(Array.from({ length: 16 }, () => c.uint32()), first);
});

Deno.test("Prng seeded with 0 is well mixed", () => {
  const prng = new Prng(0);
  const values = new Set(Array.from({ length: 1000 }, () => prng.uint32()));
  assert.equal(values.size, 1000);
});

Deno.test("Prng.int() stays within its inclusive bounds and reaches both", () => {
  const prng = new Prng(7);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const value = prng.int(3, 9);
    assert.ok(value >= 3 && value <= 9 && Number.isInteger(value));
    seen.add(value);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("Prng.next() is uniform enough: mean near 0.5 over 100 000 draws", () => {
  const prng = new Prng(1);
  let sum = 0;
  for (let i = 0; i < 100_000; i++) sum += prng.next();
  assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
});

Deno.test("Prng.weighted() follows the weights", () => {
  const prng = new Prng(3);
  const counts = { a: 0, b: 0 };
  for (let i = 0; i < 10_000; i++) {
    counts[prng.weighted([["a", 3], ["b", 1]] as const)]++;
  }
  assert.ok(Math.abs(counts.a / 10_000 - 0.75) < 0.03, JSON.stringify(counts));
});

Deno.test("Prng.fill() and string() draw from the stream; pick() rejects an empty array", () => {
  const prng = new Prng(9);
  assert.equal(prng.bytes(7).length, 7);
  assert.match(prng.string(20, "ab"), /^[ab]{20}$/);
  assert.throws(() => prng.pick([]), RangeError);
});
