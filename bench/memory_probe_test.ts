import assert from "node:assert/strict";
import { MemoryProbe } from "./memory_probe.ts";

/** A small deterministic generator (mulberry32) for repeatable layouts. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("MemoryProbe chases through every cache line once per cycle", () => {
  for (const seed of [1, 2, 3]) {
    const lines = 1024;
    const probe = new MemoryProbe(lines * 64, seeded(seed));
    const visited = new Set<number>();
    for (let reads = 1; reads <= lines; reads++) {
      visited.add(probe.lineAfter(reads));
    }
    assert.equal(visited.size, lines);
    assert.equal(probe.lineAfter(lines), 0);
    assert.notEqual(probe.lineAfter(1), 0);
  }
});

Deno.test("MemoryProbe.latencyNs measures a positive time per read", () => {
  const probe = new MemoryProbe(1 << 20);
  const ns = probe.latencyNs(100_000, 1_000);
  assert.ok(Number.isFinite(ns) && ns > 0, `got ${ns}`);
});

Deno.test("MemoryProbe refuses sizes that are not whole cache lines", () => {
  for (const size of [0, 63, 100, 64.5, -64, 2 ** 33]) {
    assert.throws(() => new MemoryProbe(size), RangeError);
  }
});
