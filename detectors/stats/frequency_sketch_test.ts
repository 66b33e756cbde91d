import assert from "node:assert/strict";
import { FrequencySketch } from "./frequency_sketch.ts";
import { hashKey } from "../numeric_key_map.ts";

Deno.test("FrequencySketch counts sightings and never underestimates", () => {
  const sketch = new FrequencySketch(12, 1 << 30);
  for (let key = 0; key < 2_000; key++) {
    for (let i = 0; i < key % 7; i++) {
      // add() returns what estimate() would return right after it.
      const added = sketch.add(hashKey(key, 0, 0));
      assert.equal(added, sketch.estimate(hashKey(key, 0, 0)));
    }
  }
  let exact = 0;
  for (let key = 0; key < 2_000; key++) {
    const estimate = sketch.estimate(hashKey(key, 0, 0));
    assert.ok(estimate >= key % 7, `key ${key}: ${estimate}`);
    if (estimate === key % 7) exact++;
  }
  // 2 000 keys in 4 rows of 4 096 counters: most estimates are exact.
  assert.ok(exact > 1_900, `${exact} exact`);
  assert.equal(sketch.estimate(hashKey(1e9, 0, 0)), 0);
});

Deno.test("FrequencySketch halves its counters after resetAfter additions and saturates at 255", () => {
  const sketch = new FrequencySketch(8, 1_000);
  const key = hashKey(42, 7, 0);
  for (let i = 0; i < 300; i++) sketch.add(key);
  assert.equal(sketch.estimate(key), 255);
  for (let i = 0; i < 699; i++) sketch.add(hashKey(1_000 + i, 0, 0));
  // The 1 000th addition halves every counter; add() reports the halved estimate.
  const halved = sketch.add(hashKey(1_699, 0, 0));
  assert.equal(halved, sketch.estimate(hashKey(1_699, 0, 0)));
  // The 1 000th addition halved every counter.
  assert.ok(sketch.estimate(key) <= 128 && sketch.estimate(key) >= 127);
});

Deno.test("FrequencySketch halving keeps every counter's own bits (no carry from its neighbour)", () => {
  // 4 rows of 256 counters crowded by 2 000 keys; the 2 001st addition halves.
  const sketch = new FrequencySketch(8, 2_001);
  const keys = Array.from({ length: 2_000 }, (_, i) => hashKey(i, 7, 0));
  for (const key of keys) sketch.add(key);
  const before = keys.map((key) => sketch.estimate(key));
  sketch.add(hashKey(999_999, 7, 0));
  keys.forEach((key, i) => {
    const after = sketch.estimate(key);
    // The last addition may have raised this key's estimate by one.
    assert.ok(
      after >= before[i]! >> 1 && after <= (before[i]! + 1) >> 1,
      `key ${i}: ${before[i]} → ${after}`,
    );
  });
});

Deno.test("FrequencySketch.add(hash, n) counts like n single additions, saturates, and counts halvings", () => {
  const batched = new FrequencySketch(12, 1 << 30);
  const single = new FrequencySketch(12, 1 << 30);
  for (let key = 0; key < 2_000; key++) {
    const hash = hashKey(key, 3, 0);
    const n = key % 9;
    if (n > 0) batched.add(hash, n);
    for (let i = 0; i < n; i++) single.add(hash);
  }
  for (let key = 0; key < 2_000; key++) {
    const hash = hashKey(key, 3, 0);
    assert.equal(batched.estimate(hash), single.estimate(hash), `key ${key}`);
  }
  const key = hashKey(7, 7, 7);
  assert.equal(batched.add(key, 250), 250);
  assert.equal(batched.add(key, 8), 255);

  // Batched sightings move the halving clock by their number.
  const sketch = new FrequencySketch(8, 100);
  assert.equal(sketch.generation, 0);
  sketch.add(key, 99);
  assert.equal(sketch.generation, 0);
  assert.equal(sketch.add(key, 1), 50); // the 100th sighting halves 100
  assert.equal(sketch.generation, 1);
});
