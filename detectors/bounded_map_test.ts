import assert from "node:assert/strict";
import { BoundedMap } from "./bounded_map.ts";

Deno.test("BoundedMap evicts the least recently used entry when full", () => {
  const evicted: string[] = [];
  const map = new BoundedMap<string, number>(2, (key) => evicted.push(key));
  map.set("a", 1);
  map.set("b", 2);
  map.get("a"); // "b" is now the least recently used
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

Deno.test("BoundedMap.expireOldest() stops at the first live entry", () => {
  const map = new BoundedMap<string, number>(10);
  for (const [k, v] of [["a", 1], ["b", 5], ["c", 2]] as const) map.set(k, v);
  assert.equal(map.expireOldest((value) => value < 3), 1); // "c" is behind live "b"
  assert.deepEqual([...map.entries()].map(([k]) => k), ["b", "c"]);
});

Deno.test("BoundedMap stays at capacity under 1M distinct keys", () => {
  const map = new BoundedMap<number, number>(10_000);
  for (let i = 0; i < 1_000_000; i++) map.set(i, i);
  assert.equal(map.size, 10_000);
  assert.equal(map.evictions, 990_000);
  assert.equal(map.peek(999_999), 999_999);
});

Deno.test("BoundedMap rejects a non-positive capacity", () => {
  assert.throws(() => new BoundedMap(0), RangeError);
});
