import assert from "node:assert/strict";
import { SecondRing } from "./second_ring.ts";

Deno.test("SecondRing sums the last seconds and clears buckets as time moves on", () => {
  const ring = new SecondRing(5, 2);
  ring.add(100, 0, 1);
  ring.add(100, 1, 60);
  ring.add(101, 0, 2);
  ring.add(103, 0, 4);
  assert.equal(ring.sum(103, 5, 0), 7);
  assert.equal(ring.sum(103, 3, 0), 6); // 101 … 103
  assert.equal(ring.valueAt(100, 1), 60);
  assert.equal(ring.valueAt(102, 0), 0);
  ring.add(105, 0, 8); // 100 leaves the ring (slots 101 … 105)
  assert.equal(ring.valueAt(100, 0), 0);
  assert.equal(ring.valueAt(100, 1), 0);
  assert.equal(ring.sum(105, 5, 0), 14);
  assert.equal(ring.add(100, 0, 1), false, "too old for the ring");
  assert.equal(ring.add(102, 0, 1), true, "late but inside the ring");
  assert.equal(ring.sum(105, 5, 0), 15);
  ring.add(1_000, 0, 3); // a jump clears everything
  assert.equal(ring.sum(1_000, 5, 0), 3);
  assert.equal(ring.sum(1_010, 5, 0), 0, "window past the latest second");
  assert.equal(ring.lastSecond, 1_000);
});

Deno.test("SecondRing keeps Unix seconds apart when many additions go to the latest one", () => {
  const ring = new SecondRing(300, 2);
  const start = 1_733_300_000; // beyond the small-integer range
  for (let s = start; s < start + 400; s++) {
    for (let i = 0; i < 3; i++) {
      ring.add(s, 0, 1);
      ring.add(s, 1, s - start);
    }
  }
  assert.equal(ring.valueAt(start + 399, 0), 3);
  assert.equal(ring.valueAt(start + 399, 1), 3 * 399);
  assert.equal(ring.valueAt(start + 100, 1), 300);
  assert.equal(ring.valueAt(start + 99, 0), 0, "left the ring");
  assert.equal(ring.sum(start + 399, 300, 0), 900);
  assert.equal(ring.add(start + 250, 0, 2), true, "late but inside");
  assert.equal(ring.valueAt(start + 250, 0), 5);
  ring.add(start + 399, 0, 1); // the latest second again, after a late one
  assert.equal(ring.valueAt(start + 399, 0), 4);
});
