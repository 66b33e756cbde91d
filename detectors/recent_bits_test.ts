import assert from "node:assert/strict";
import { PENDING_MARKS, RecentBits } from "./recent_bits.ts";

Deno.test("RecentBits remembers a hash for one to two generations of packet time", () => {
  const bits = new RecentBits(1 << 10, 1_000);
  bits.age(0);
  bits.mark(42);
  assert.equal(bits.has(42), true);
  assert.equal(bits.has(43), false);
  // The next generation still reads the one before.
  bits.age(1_500);
  assert.equal(bits.has(42), true);
  assert.equal(bits.generation, 2);
  // Two generations on, it is gone.
  bits.age(2_600);
  assert.equal(bits.has(42), false);
});

Deno.test("RecentBits forgets everything after a quiet spell of two generations or more", () => {
  const bits = new RecentBits(1 << 10, 1_000);
  bits.age(0);
  bits.mark(7);
  bits.age(10_000);
  assert.equal(bits.has(7), false);
});

Deno.test("RecentBits takes hashes modulo its size: one sharing a bit reads as marked", () => {
  const bits = new RecentBits(1 << 10, 1_000);
  bits.age(0);
  bits.mark(5);
  assert.equal(bits.has(5 + (1 << 10)), true);
  assert.throws(() => new RecentBits(1000, 1_000), RangeError);
});

Deno.test("RecentBits: time stepped back further than the memory reaches starts it afresh", () => {
  const bits = new RecentBits(64, 10);
  bits.age(1_000);
  bits.mark(5);
  bits.age(985); // back within reach: the generation goes on
  assert.ok(bits.has(5));
  // Back by more than three generations, for 64 calls in a row.
  for (let i = 0; i < 64; i++) bits.age(900);
  assert.ok(!bits.has(5));
});

Deno.test("RecentBits: marks held back land in the generation they were made in, however many", () => {
  const bits = new RecentBits(1 << 12, 1_000);
  bits.age(0);
  // More marks than the batch holds, with no read between them.
  for (let i = 0; i < PENDING_MARKS + 10; i++) bits.mark(i);
  bits.mark(4_000);
  bits.age(1_500); // a turn: the marks belong to the generation before it
  bits.age(2_600); // and are forgotten with it
  assert.equal(bits.has(4_000), false);
  bits.mark(4_001);
  bits.age(3_000); // no turn: still held back, read as marked
  assert.equal(bits.has(4_001), true);
  for (let i = 0; i < PENDING_MARKS + 10; i++) bits.mark(i);
  assert.equal(bits.has(0), true);
  assert.equal(bits.has(PENDING_MARKS + 9), true);
  assert.equal(bits.has(PENDING_MARKS + 10), false);
  // Held back across a clock stepped back: cleared with the rest.
  bits.mark(4_002);
  for (let i = 0; i < 64; i++) bits.age(-10_000);
  assert.equal(bits.has(4_002), false);
});
