import assert from "node:assert/strict";
import { BoundedMap } from "./bounded_map.ts";

Deno.test("BoundedMap evicts the least recently used entry when full", () => {
  const evicted: string[] = [];
  const map = new BoundedMap<string, number>(2, (key) => evicted.push(key));
  assert.equal(map.oldest(), undefined);
  map.set("a", 1);
  map.set("b", 2);
  assert.equal(map.oldest(), 1);
  map.get("a"); // "b" is now the least recently used
  assert.equal(map.oldest(), 2, "oldest() names the next eviction");
  map.set("c", 3);
  assert.deepEqual([...map.entries()], [["a", 1], ["c", 3]]);
  assert.deepEqual(evicted, ["b"]);
  assert.deepEqual(map.stats(), { size: 2, capacity: 2, evictions: 1 });
});

Deno.test("BoundedMap.peek() does not refresh recency", () => {
  const map = new BoundedMap<string, number>(2);
  map.set("a", 1);
  map.set("b", 2);
  assert.equal(map.peek("a"), 1);
  map.set("c", 3);
  assert.equal(map.has("a"), false);
});

Deno.test("BoundedMap.set() of a present key replaces its value and refreshes it", () => {
  const map = new BoundedMap<string, number>(2);
  map.set("a", 1);
  map.set("b", 2);
  map.set("a", 10);
  map.set("c", 3); // evicts "b"
  assert.deepEqual([...map.entries()], [["a", 10], ["c", 3]]);
  assert.equal(map.evictions, 1);
});

Deno.test("BoundedMap.delete() frees the slot for reuse", () => {
  const map = new BoundedMap<number, string>(3);
  map.set(1, "a");
  map.set(2, "b");
  map.set(3, "c");
  assert.equal(map.delete(2), true);
  assert.equal(map.delete(2), false);
  map.set(4, "d"); // fits in the freed slot: no eviction
  assert.equal(map.evictions, 0);
  assert.deepEqual([...map.keys()], [1, 3, 4]);
  assert.deepEqual([...map.values()], ["a", "c", "d"]);
  map.delete(1);
  map.delete(4);
  map.delete(3);
  assert.equal(map.size, 0);
  assert.deepEqual([...map.entries()], []);
  map.set(5, "e");
  assert.deepEqual([...map.entries()], [[5, "e"]]);
});

Deno.test("BoundedMap.expireOldest() stops at the first live entry", () => {
  const map = new BoundedMap<string, number>(10);
  for (const [k, v] of [["a", 1], ["b", 5], ["c", 2]] as const) map.set(k, v);
  assert.equal(map.expireOldest((value) => value < 3), 1); // "c" is behind live "b"
  assert.deepEqual([...map.entries()].map(([k]) => k), ["b", "c"]);
});

Deno.test("BoundedMap.expireOldest() tolerates a callback that deletes the entry", () => {
  const map = new BoundedMap<string, number>(10);
  for (const [k, v] of [["a", 1], ["b", 2], ["c", 9]] as const) map.set(k, v);
  const removed = map.expireOldest((value, key) => {
    if (value === 1) map.delete(key);
    return value < 3;
  });
  assert.equal(removed, 2);
  assert.deepEqual([...map.keys()], ["c"]);
});

Deno.test("BoundedMap iteration survives deleting the entry being visited", () => {
  const map = new BoundedMap<number, number>(100);
  for (let i = 0; i < 10; i++) map.set(i, i * i);
  const seen: number[] = [];
  for (const [key] of map.entries()) {
    seen.push(key);
    if (key % 2 === 0) map.delete(key);
  }
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual([...map.keys()], [1, 3, 5, 7, 9]);
  for (const [key] of map.entries()) map.delete(key);
  assert.equal(map.size, 0);
});

Deno.test("BoundedMap.clear() empties the map and keeps the eviction count", () => {
  const map = new BoundedMap<number, number>(2);
  for (let i = 0; i < 5; i++) map.set(i, i);
  map.clear();
  assert.equal(map.size, 0);
  assert.equal(map.evictions, 3);
  map.set(7, 7);
  assert.deepEqual([...map.entries()], [[7, 7]]);
});

Deno.test("BoundedMap stays at capacity under 1M distinct keys and counts evictions", () => {
  const capacity = 100_000;
  let evicted = 0;
  const map = new BoundedMap<string, number>(capacity, () => evicted++);
  for (let i = 0; i < 1_000_000; i++) {
    map.set(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, i);
    if (i % 3 === 0) map.get(`10.0.0.${i & 255}`); // refreshes and misses
    assert.ok(map.size <= capacity);
  }
  assert.equal(map.size, capacity);
  assert.equal(map.evictions, 900_000);
  assert.equal(evicted, 900_000);
  assert.deepEqual(map.stats(), {
    size: capacity,
    capacity,
    evictions: 900_000,
  });
  assert.equal(map.peek("10.15.66.63"), 999_999);
});

Deno.test("BoundedMap evicts in LRU order after many deletions and refreshes", () => {
  // The churn that makes a Map's insertion-order iteration skip holes:
  // delete half the entries, refresh the rest, then overflow.
  const capacity = 100_000;
  const map = new BoundedMap<number, number>(capacity);
  for (let i = 0; i < capacity; i++) map.set(i, i);
  for (let i = 0; i < capacity; i += 2) map.delete(i);
  for (let i = 1; i < capacity; i += 2) map.get(i);
  for (let i = capacity; i < 3 * capacity; i++) map.set(i, i);
  assert.equal(map.size, capacity);
  assert.equal(map.evictions, 150_000);
  // Every odd survivor was refreshed before the new keys, so all are gone.
  assert.equal(map.has(capacity - 1), false);
  assert.deepEqual(
    [...map.keys()].slice(0, 2),
    [2 * capacity, 2 * capacity + 1],
  );
});

Deno.test("BoundedMap rejects a non-positive or fractional capacity", () => {
  assert.throws(() => new BoundedMap(0), RangeError);
  assert.throws(() => new BoundedMap(1.5), RangeError);
});
