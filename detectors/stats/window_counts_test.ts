import assert from "node:assert/strict";
import {
  WINDOW_BYTES,
  WINDOW_EXTRA_BYTES,
  WINDOW_PACKETS,
  WindowCounts,
} from "./window_counts.ts";

Deno.test("WindowCounts sums a sliding window of seconds and drops records that left it", () => {
  const counts = new WindowCounts();
  counts.add(100, 30, 1, 500, 200);
  counts.add(100, 30, 1, 0, 0);
  counts.add(110, 30, 1, 10, 0);
  assert.equal(counts.recordCount, 2);
  assert.equal(counts.sum(110, 30, WINDOW_PACKETS), 3);
  assert.equal(counts.sum(110, 30, WINDOW_BYTES), 510);
  assert.equal(counts.sum(110, 30, WINDOW_EXTRA_BYTES), 200);
  assert.equal(counts.sum(129, 30, WINDOW_PACKETS), 3); // seconds 100 … 129
  assert.equal(counts.sum(130, 30, WINDOW_PACKETS), 1); // 100 left the window
  assert.equal(counts.sum(105, 5, WINDOW_PACKETS), 0);
  counts.add(131, 30, 4, 0, 0); // drops the record of second 100
  assert.equal(counts.recordCount, 2);
  assert.equal(counts.sum(131, 30, WINDOW_PACKETS), 5);
});

Deno.test("WindowCounts files late seconds in order and ignores those outside the window", () => {
  const counts = new WindowCounts();
  counts.add(10, 30, 1, 0, 0);
  counts.add(20, 30, 1, 0, 0);
  counts.add(15, 30, 5, 0, 0); // late, new record between
  counts.add(10, 30, 2, 0, 0); // late, existing record
  counts.add(5, 30, 7, 0, 0); // late, new first record
  counts.add(-25, 30, 99, 0, 0); // older than 20 − 30: ignored
  assert.equal(counts.recordCount, 4);
  assert.equal(counts.sum(20, 30, WINDOW_PACKETS), 16);
  assert.equal(counts.sum(15, 30, WINDOW_PACKETS), 15);
  assert.equal(counts.sum(14, 30, WINDOW_PACKETS), 10);
  assert.equal(counts.sum(14, 5, WINDOW_PACKETS), 3);
});

Deno.test("WindowCounts keeps at most windowSeconds records", () => {
  const counts = new WindowCounts();
  for (let second = 0; second < 1_000; second++) {
    counts.add(second, 30, 1, 0, 0);
  }
  assert.equal(counts.recordCount, 30);
  assert.equal(counts.sum(999, 30, WINDOW_PACKETS), 30);
});

Deno.test("WindowCounts stays exact across compactions and clears", () => {
  const counts = new WindowCounts();
  const added: number[] = []; // the second of every packet added
  const add = (second: number) => {
    counts.add(second, 30, 1, 10, 1);
    added.push(second);
  };
  // A busy entry: every second for 200 s, and now and then a late second.
  for (let second = 0; second < 200; second++) {
    add(second);
    if (second % 7 === 0 && second > 3) add(second - 3);
    const expected = added.filter((s) => s > second - 30).length;
    assert.equal(
      counts.sum(second, 30, WINDOW_PACKETS),
      expected,
      `at ${second}`,
    );
    assert.equal(counts.sum(second, 30, WINDOW_BYTES), 10 * expected);
    assert.ok(counts.recordCount <= 30);
  }
  counts.clear();
  assert.equal(counts.recordCount, 0);
  assert.equal(counts.sum(199, 30, WINDOW_PACKETS), 0);
  counts.add(500, 30, 2, 20, 0);
  assert.equal(counts.recordCount, 1);
  assert.equal(counts.sum(500, 30, WINDOW_BYTES), 20);
  // Cleared many times over, it never keeps more than it holds.
  for (let round = 0; round < 100; round++) {
    counts.add(1_000 + round, 30, 1, 0, 0);
    counts.clear();
  }
  assert.equal(counts.recordCount, 0);
  assert.equal(counts.sum(1_099, 30, WINDOW_PACKETS), 0);
});

Deno.test("WindowCounts matches a plain list of every addition, for any window ending at or after the newest second", () => {
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  const windowSeconds = 10;
  const counts = new WindowCounts();
  const added: { second: number; packets: number; bytes: number }[] = [];
  let newest = 1_000;
  for (let i = 0; i < 5_000; i++) {
    const r = random();
    // Mostly the newest second, sometimes a later one, now and then a late one.
    const second = r < 0.7
      ? newest
      : r < 0.9
      ? newest + 1 + Math.floor(random() * 3)
      : newest - Math.floor(random() * 14);
    const packets = 1 + Math.floor(random() * 3);
    const bytes = Math.floor(random() * 1_500);
    counts.add(second, windowSeconds, packets, bytes, 0);
    if (second > newest - windowSeconds) added.push({ second, packets, bytes });
    newest = Math.max(newest, second);
    for (const end of [newest, newest + 3]) {
      for (const seconds of [1, 4, windowSeconds]) {
        const inWindow = added.filter((a) =>
          a.second > end - seconds && a.second <= end
        );
        assert.equal(
          counts.sum(end, seconds, WINDOW_PACKETS),
          inWindow.reduce((sum, a) => sum + a.packets, 0),
          `packets, addition ${i}, window ${seconds} s ending ${end}`,
        );
        assert.equal(
          counts.sum(end, seconds, WINDOW_BYTES),
          inWindow.reduce((sum, a) => sum + a.bytes, 0),
        );
      }
    }
    assert.ok(counts.recordCount <= windowSeconds);
  }
});
