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
