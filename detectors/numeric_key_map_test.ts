import assert from "node:assert/strict";
import { hashKey, homePosition, NumericKeyMap } from "./numeric_key_map.ts";
import { BoundedMap } from "./bounded_map.ts";

Deno.test("NumericKeyMap evicts the least recently used entry when full", () => {
  const evicted: string[] = [];
  const map = new NumericKeyMap<string>(2, (value) => evicted.push(value));
  map.set(1, 0, 0, "a");
  map.set(2, 0, 0, "b");
  map.get(1, 0, 0); // "b" is now the least recently used
  map.set(3, 0, 0, "c");
  assert.deepEqual([...map.values()], ["a", "c"]);
  assert.deepEqual(evicted, ["b"]);
  assert.deepEqual(map.stats(), { size: 2, capacity: 2, evictions: 1 });
  assert.equal(map.peek(2, 0, 0), undefined);
});

Deno.test("NumericKeyMap tells keys apart by every word, up to 2^53", () => {
  const map = new NumericKeyMap<string>(10);
  const big = 2 ** 53 - 1;
  map.set(big, 1, 2, "big");
  map.set(1, big, 2, "middle");
  map.set(1, 2, big, "last");
  map.set(0, 0, 0, "zero");
  map.set(2 ** 32, 0, 0, "2^32");
  assert.equal(map.peek(big, 1, 2), "big");
  assert.equal(map.peek(1, big, 2), "middle");
  assert.equal(map.peek(1, 2, big), "last");
  assert.equal(map.peek(0, 0, 0), "zero");
  assert.equal(map.peek(2 ** 32, 0, 0), "2^32");
  assert.equal(map.peek(1, 0, 0), undefined);
  assert.equal(map.size, 5);
});

Deno.test("NumericKeyMap.peek() does not refresh recency; set() of a present key does", () => {
  const map = new NumericKeyMap<number>(2);
  map.set(1, 1, 1, 1);
  map.set(2, 2, 2, 2);
  assert.equal(map.peek(1, 1, 1), 1);
  map.set(3, 3, 3, 3);
  assert.equal(map.has(1, 1, 1), false);
  map.set(2, 2, 2, 20);
  map.set(4, 4, 4, 4); // evicts 3
  assert.deepEqual([...map.values()], [20, 4]);
});

Deno.test("NumericKeyMap.expireOldest() stops at the first live entry", () => {
  const map = new NumericKeyMap<number>(10);
  for (let i = 0; i < 6; i++) map.set(i, 0, 0, i);
  assert.equal(map.expireOldest((value) => value < 3), 3);
  assert.deepEqual([...map.values()], [3, 4, 5]);
  assert.equal(map.expireOldest(() => false), 0);
  map.clear();
  assert.equal(map.size, 0);
  map.set(7, 0, 0, 7);
  assert.deepEqual([...map.values()], [7]);
});

Deno.test("NumericKeyMap matches BoundedMap over 200,000 random operations with collisions and deletions", () => {
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const evictedNumeric: string[] = [];
  const evictedReference: string[] = [];
  const numeric = new NumericKeyMap<string>(
    1000,
    (value) => evictedNumeric.push(value),
  );
  const reference = new BoundedMap<string, string>(
    1000,
    (key) => evictedReference.push(key),
  );
  for (let i = 0; i < 200_000; i++) {
    // Few distinct keys in a narrow range: long probe runs, many shifts.
    const a = Math.floor(random() * 40) * 2 ** 32 + 7;
    const b = Math.floor(random() * 40);
    const key = `${a} ${b} 0`;
    const op = random();
    if (op < 0.45) {
      numeric.set(a, b, 0, key);
      reference.set(key, key);
    } else if (op < 0.7) {
      assert.equal(numeric.get(a, b, 0), reference.get(key));
    } else if (op < 0.85) {
      assert.equal(numeric.peek(a, b, 0), reference.peek(key));
    } else if (op < 0.99) {
      assert.equal(numeric.delete(a, b, 0), reference.delete(key));
    } else {
      const cut = random();
      const limit = Math.floor(cut * 40) * 2 ** 32;
      numeric.expireOldest((value) => Number(value.split(" ")[0]) < limit);
      reference.expireOldest((value) => Number(value.split(" ")[0]) < limit);
    }
    assert.equal(numeric.size, reference.size);
  }
  assert.deepEqual([...numeric.values()], [...reference.values()]);
  assert.deepEqual(evictedNumeric, evictedReference);
  assert.ok(evictedNumeric.length > 0, "the test should have filled the map");
});

Deno.test("NumericKeyMap.add() inserts an absent key; oldest() names the next eviction", () => {
  const evicted: string[] = [];
  const map = new NumericKeyMap<string>(2, (value) => evicted.push(value));
  assert.equal(map.oldest(), undefined);
  map.add(1, 2, 3, "a");
  map.add(4, 5, 6, "b");
  assert.equal(map.oldest(), "a");
  map.get(1, 2, 3);
  assert.equal(map.oldest(), "b");
  map.add(7, 8, 9, "c");
  assert.deepEqual(evicted, ["b"]);
  assert.deepEqual([...map.values()], ["a", "c"]);
  assert.equal(map.peek(7, 8, 9), "c");
});

Deno.test("NumericKeyMap.peek() and add() take the caller's hashKey() of the key", () => {
  const map = new NumericKeyMap<string>(4);
  const hash = hashKey(7, 8, 9);
  map.add(7, 8, 9, "x", hash);
  assert.equal(map.peek(7, 8, 9, hash), "x");
  assert.equal(map.peek(7, 8, 9), "x");
  assert.equal(map.get(7, 8, 9), "x");
});

Deno.test("NumericKeyMap.add() keeps a stamp beside each entry for expireOldest(), across growth and reused slots", () => {
  const map = new NumericKeyMap<string>(100);
  // 40 entries grow the slot arrays twice past their first 16.
  for (let i = 0; i < 40; i++) map.add(i, 0, 0, `v${i}`, undefined, 1000 + i);
  map.delete(5, 0, 0);
  map.set(99, 0, 0, "set"); // reuses slot 5; set() stamps 0
  const seen: string[] = [];
  map.expireOldest((value, stamp) => {
    seen.push(`${value}@${stamp}`);
    return stamp < 1003;
  });
  assert.deepEqual(seen, ["v0@1000", "v1@1001", "v2@1002", "v3@1003"]);
  for (const value of map.values()) map.delete(Number(value.slice(1)), 0, 0);
  map.delete(99, 0, 0);
  assert.equal(map.size, 0);
  map.add(1, 1, 1, "again");
  map.expireOldest((_, stamp) => {
    assert.equal(
      stamp,
      0,
      "an entry added without a stamp has 0, not a slot's old one",
    );
    return false;
  });
});
Deno.test("NumericKeyMap.spare() hands back evicted, deleted and expired values only when recycling", () => {
  const plain = new NumericKeyMap<{ n: number }>(1);
  plain.set(1, 0, 0, { n: 1 });
  plain.set(2, 0, 0, { n: 2 });
  assert.equal(plain.spare(), undefined);

  const map = new NumericKeyMap<{ n: number }>(2, undefined, { recycle: true });
  const one = { n: 1 };
  const two = { n: 2 };
  const three = { n: 3 };
  map.set(1, 0, 0, one);
  map.set(2, 0, 0, two);
  assert.equal(map.spare(), undefined);
  map.set(3, 0, 0, three); // evicts 1
  assert.equal(map.spare(), one);
  assert.equal(map.spare(), undefined);
  map.delete(2, 0, 0);
  assert.equal(map.spare(), two);
  map.expireOldest(() => true);
  assert.equal(map.spare(), three);
  assert.equal(map.size, 0);
  // At most 64 spares are kept.
  const big = new NumericKeyMap<number[]>(200, undefined, { recycle: true });
  for (let i = 0; i < 200; i++) big.set(i, 0, 0, [i]);
  big.clear(); // clear() keeps no spares
  assert.equal(big.spare(), undefined);
  for (let i = 0; i < 100; i++) big.set(i, 1, 0, [i]);
  for (let i = 0; i < 100; i++) big.delete(i, 1, 0);
  let spares = 0;
  while (big.spare() !== undefined) spares++;
  assert.equal(spares, 64);
});

Deno.test("NumericKeyMap.clear() empties the index too: refilled maps find their keys", () => {
  const map = new NumericKeyMap<number>(8);
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 8; i++) map.set(round * 8 + i, 0, 0, i);
    assert.equal(map.size, 8);
    assert.equal(map.get(round * 8 + 3, 0, 0), 3);
    assert.equal(map.has((round - 1) * 8 + 3, 0, 0), false);
    map.clear();
    assert.equal(map.size, 0);
  }
});

Deno.test("NumericKeyMap.evictOldest() evicts as a full map's insert would, counted and handed to onEvict", () => {
  const evicted: string[] = [];
  const map = new NumericKeyMap<string>(3, (value) => evicted.push(value), {
    recycle: true,
  });
  assert.equal(map.evictOldest(), false, "nothing to evict");
  map.set(1, 0, 0, "one");
  map.set(2, 0, 0, "two");
  map.get(1, 0, 0); // two is now the oldest
  assert.equal(map.evictOldest(), true);
  assert.deepEqual(evicted, ["two"]);
  assert.equal(map.evictions, 1);
  assert.equal(map.size, 1);
  assert.equal(map.peek(2, 0, 0), undefined);
  assert.equal(map.spare(), "two");
});

Deno.test("NumericKeyMap.deleteValue() removes a key only while it holds that value", () => {
  const map = new NumericKeyMap<{ name: string }>(4);
  const first = { name: "first" };
  const second = { name: "second" };
  map.set(1, 2, 3, first);
  assert.equal(map.deleteValue(1, 2, 3, second), false);
  assert.equal(map.peek(1, 2, 3), first);
  assert.equal(map.deleteValue(1, 2, 4, first), false, "another key");
  assert.equal(map.deleteValue(1, 2, 3, first), true);
  assert.equal(map.size, 0);
  assert.equal(map.deleteValue(1, 2, 3, first), false, "gone");
});

Deno.test("NumericKeyMap.setStamped adds a key or updates its value and stamp in place", () => {
  const map = new NumericKeyMap<number>(2);
  map.setStamped(1, 2, 3, 10, 100);
  map.setStamped(4, 5, 6, 20, 200);
  // Updated: a new value and stamp, and the most recently used now.
  map.setStamped(1, 2, 3, 11, 300);
  assert.equal(map.size, 2);
  assert.equal(map.peek(1, 2, 3), 11);
  assert.equal(map.expireOldest((_, stamp) => stamp < 250), 1);
  assert.deepEqual([map.peek(4, 5, 6), map.peek(1, 2, 3)], [undefined, 11]);
  // Full: a new key evicts the least recently used.
  map.setStamped(7, 8, 9, 30, 400);
  map.setStamped(10, 11, 12, 40, 500);
  assert.deepEqual([map.peek(1, 2, 3), map.evictions], [undefined, 1]);
});

Deno.test("NumericKeyMap: an eviction's callback may look up the map while a key is being inserted", () => {
  const big = 2 ** 52 + 7; // key words and stamps beyond small integers
  const seen: (string | undefined)[] = [];
  const map: NumericKeyMap<string> = new NumericKeyMap<string>(2, () => {
    seen.push(map.peek(1, 0, 0), map.get(big, 2, 3));
  });
  map.set(1, 0, 0, "a");
  map.add(big, 2, 3, "b", hashKey(big, 2, 3), 1e15);
  map.get(1, 0, 0); // "b" is the least recently used
  map.setStamped(big + 1, 2 ** 40, 65_535, "c", 2e15); // evicts "b"
  assert.deepEqual(seen, ["a", undefined]);
  assert.equal(map.peek(big + 1, 2 ** 40, 65_535), "c");
  assert.equal(map.peek(1, 0, 0), "a");
  const stamps: number[] = [];
  map.expireOldest((_value, stamp) => (stamps.push(stamp), true));
  assert.deepEqual(stamps, [0, 2e15]);
  // And a plain set() whose eviction looks up another key.
  map.set(5, 5, 5, "d");
  map.set(6, 6, 6, "e");
  map.set(big, big, big, "f");
  assert.deepEqual([...map.values()], ["e", "f"]);
  assert.equal(map.get(big, big, big), "f");
  assert.equal(map.has(6, 6, 6), true);
  assert.equal(map.delete(6, 6, 6), true);
  assert.equal(map.has(6, 6, 6), false);
});

Deno.test("NumericKeyMap homes keys by the top bits of their hash times a secret odd number: hashes that share their low bits spread over the index", () => {
  // 4,096 hashes alike in their low 16 bits, in an index of 2^16 positions:
  // a low-bits home would put them all at one position (a run every lookup
  // walks); multiplied by any odd number they land on 4,096 distinct ones.
  const homes = new Set<number>();
  for (let i = 0; i < 4_096; i++) {
    homes.add(homePosition((0x1234 + i * 65_536) | 0, 16));
  }
  assert.equal(homes.size, 4_096);
  for (const home of homes) assert.ok(home >= 0 && home < 65_536);
});

Deno.test("NumericKeyMap: stampOf gives a key's stamp, NaN when absent", () => {
  const map = new NumericKeyMap<string>(4);
  map.add(1, 2, 3, "a", hashKey(1, 2, 3), 1_700_000_000_123_456);
  map.set(4, 5, 6, "b");
  assert.equal(map.stampOf(1, 2, 3), 1_700_000_000_123_456);
  assert.equal(map.stampOf(4, 5, 6), 0);
  assert.ok(Number.isNaN(map.stampOf(7, 8, 9)));
  map.delete(1, 2, 3);
  assert.ok(Number.isNaN(map.stampOf(1, 2, 3)));
});
