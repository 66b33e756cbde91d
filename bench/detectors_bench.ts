/**
 * `deno bench bench/detectors_bench.ts`: micro-benchmarks of the detector
 * building blocks whose speed the unit tests no longer assert (tests check
 * behaviour; speed is measured here).
 *
 * @module
 */

import { BoundedMap } from "../detectors/bounded_map.ts";
import { NumericKeyMap } from "../detectors/numeric_key_map.ts";
import { CidrSet } from "../detectors/cidr.ts";

const KEYS = Array.from(
  { length: 1_000_000 },
  (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
);

Deno.bench("BoundedMap: 1M inserts at capacity 100 000 (LRU eviction)", () => {
  const map = new BoundedMap<string, number>(100_000);
  for (let i = 0; i < KEYS.length; i++) map.set(KEYS[i]!, i);
});

Deno.bench("BoundedMap: 1M get/set with deletions (churn)", () => {
  const map = new BoundedMap<number, number>(100_000);
  for (let i = 0; i < 1_000_000; i++) {
    map.set(i, i);
    if (i % 2 === 1) map.get(i - 1);
    if (i % 3 === 0) map.delete(i - 2);
  }
});

const HOME_NET = new CidrSet([
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "fc00::/7",
]);

Deno.bench("CidrSet: 1M IPv4 lookups", () => {
  let inside = 0;
  for (let i = 0; i < KEYS.length; i++) {
    if (HOME_NET.has(KEYS[i]!)) inside++;
  }
  if (inside !== KEYS.length) throw new Error("every key is in 10.0.0.0/8");
});

// Composite keys: a fresh template-literal key must be flattened and hashed
// on every lookup; a numeric key built from the same parts is hashed inline.
const PAIRS = 100_000;
const ADDRESS_TEXT = Array.from(
  { length: PAIRS },
  (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
);
const BY_TEXT = new Map<string, number>();
const BY_NUMBER = new Map<number, number>();
for (let i = 0; i < PAIRS; i++) {
  BY_TEXT.set(`${ADDRESS_TEXT[i]}|${80 + (i & 1)}`, i);
  BY_NUMBER.set((0x0a000000 + i) * 65536 + 80 + (i & 1), i);
}

Deno.bench("Map.get: 1M fresh `${address}|${port}` string keys", () => {
  let found = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const j = i % PAIRS;
    if (BY_TEXT.get(`${ADDRESS_TEXT[j]}|${80 + (j & 1)}`) !== undefined) {
      found++;
    }
  }
  if (found !== 1_000_000) throw new Error("every key is present");
});

Deno.bench("Map.get: 1M numeric address × 65536 + port keys", () => {
  let found = 0;
  for (let i = 0; i < 1_000_000; i++) {
    const j = i % PAIRS;
    if (BY_NUMBER.get((0x0a000000 + j) * 65536 + 80 + (j & 1)) !== undefined) {
      found++;
    }
  }
  if (found !== 1_000_000) throw new Error("every key is present");
});

// The same lookups in the table the hot path uses: two numeric key words
// (address keys, or address key × 65536 + port), open addressing.
const BY_WORDS = new NumericKeyMap<number>(PAIRS);
for (let i = 0; i < PAIRS; i++) {
  BY_WORDS.set(0x0a000000 + i, 80 + (i & 1), 0, i);
}

Deno.bench("NumericKeyMap.peek: 1M lookups by (address key, port)", () => {
  let found = 0;
  for (let n = 0; n < 1_000_000; n++) {
    const i = n % PAIRS;
    if (BY_WORDS.peek(0x0a000000 + i, 80 + (i & 1), 0) === i) found++;
  }
  if (found !== 1_000_000) throw new Error("every key is present");
});
