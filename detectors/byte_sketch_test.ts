import assert from "node:assert/strict";
import { ByteSketch } from "./byte_sketch.ts";
import { hashKey } from "./numeric_key_map.ts";

Deno.test("ByteSketch never underestimates, and is exact for most keys when not crowded", () => {
  const sketch = new ByteSketch(12); // 4096 blocks, 16 384 counters per row
  const bytesOf = (key: number) => (key % 13) * 1500;
  for (let key = 0; key < 1_000; key++) {
    for (let i = 0; i < key % 13; i++) {
      // add() returns what estimate() would return right after it.
      const added = sketch.add(hashKey(key, 1, 0), 0, 1500);
      assert.equal(added, sketch.estimate(hashKey(key, 1, 0), 0));
    }
  }
  let exact = 0;
  for (let key = 0; key < 1_000; key++) {
    const estimate = sketch.estimate(hashKey(key, 1, 0), 0);
    assert.ok(estimate >= bytesOf(key), `key ${key}: ${estimate}`);
    if (estimate === bytesOf(key)) exact++;
  }
  // 1 000 keys over 4 096 blocks: 989 exact (blocked rows share their block).
  assert.ok(exact > 970, `${exact} exact`);
  assert.equal(sketch.estimate(hashKey(1e9, 1, 0), 0), 0);
  assert.equal(sketch.byteLength, 4096 * 64);
});

Deno.test("ByteSketch keeps its two channels apart", () => {
  const sketch = new ByteSketch(4);
  const key = hashKey(7, 8, 0);
  sketch.add(key, 0, 5_000);
  sketch.add(key, 1, 300);
  sketch.add(key, 1, 200);
  assert.deepEqual([sketch.estimate(key, 0), sketch.estimate(key, 1)], [
    5_000,
    500,
  ]);
});

Deno.test("ByteSketch halves its counters and saturates at 2^32 - 1", () => {
  const sketch = new ByteSketch(4);
  const key = hashKey(1, 2, 3);
  sketch.add(key, 0, 10_001);
  sketch.halve();
  assert.equal(sketch.estimate(key, 0), 5_000);
  sketch.halve(2);
  assert.equal(sketch.estimate(key, 0), 1_250);
  sketch.halve(32);
  assert.equal(sketch.estimate(key, 0), 0);
  for (let i = 0; i < 3; i++) sketch.add(key, 1, 2 ** 31);
  assert.equal(sketch.estimate(key, 1), 2 ** 32 - 1);
});

Deno.test("ByteSketch rejects a block count out of range", () => {
  for (const log2Blocks of [-1, 17, 2.5, NaN]) {
    assert.throws(
      () => new ByteSketch(log2Blocks),
      RangeError,
      `log2Blocks ${log2Blocks}`,
    );
  }
});
