import assert from "node:assert/strict";
import {
  advanceBucket,
  previousBucketWeight,
  windowedCount,
} from "./time_buckets.ts";

const WINDOW_US = 1_000_000;

Deno.test("advanceBucket() is 0 within the window and for earlier times", () => {
  const clock = { bucketStartUs: 5 * WINDOW_US };
  assert.equal(advanceBucket(clock, 6 * WINDOW_US - 1, WINDOW_US), 0);
  assert.equal(advanceBucket(clock, 4 * WINDOW_US, WINDOW_US), 0);
  assert.equal(clock.bucketStartUs, 5 * WINDOW_US);
});

Deno.test("advanceBucket() is 1 at the next bucket, aligned to the window", () => {
  const clock = { bucketStartUs: 0 };
  assert.equal(advanceBucket(clock, WINDOW_US, WINDOW_US), 1);
  assert.equal(clock.bucketStartUs, WINDOW_US);
  assert.equal(
    advanceBucket(clock, 3 * WINDOW_US - 1, WINDOW_US),
    1,
  );
  assert.equal(clock.bucketStartUs, 2 * WINDOW_US);
});

Deno.test("advanceBucket() is 2 after a whole empty bucket and restarts at now", () => {
  const clock = { bucketStartUs: 0 };
  assert.equal(advanceBucket(clock, 2 * WINDOW_US, WINDOW_US), 2);
  assert.equal(clock.bucketStartUs, 2 * WINDOW_US);
  assert.equal(advanceBucket(clock, 9_999_999, WINDOW_US), 2);
  assert.equal(clock.bucketStartUs, 9_999_999);
});

Deno.test("previousBucketWeight() falls from 1 to 0 across the current bucket", () => {
  const clock = { bucketStartUs: WINDOW_US };
  assert.equal(previousBucketWeight(clock, WINDOW_US, WINDOW_US), 1);
  assert.equal(previousBucketWeight(clock, 1_250_000, WINDOW_US), 0.75);
  assert.equal(previousBucketWeight(clock, 2 * WINDOW_US, WINDOW_US), 0);
  assert.equal(previousBucketWeight(clock, 0, WINDOW_US), 1);
  assert.equal(previousBucketWeight(clock, 5 * WINDOW_US, WINDOW_US), 0);
});

Deno.test("windowedCount() adds the weighted previous bucket, rounded", () => {
  assert.equal(windowedCount(10, 100, 0.75), 85);
  assert.equal(windowedCount(10, 3, 0.5), 12);
  assert.equal(windowedCount(7, 0, 0.3), 7);
  assert.equal(windowedCount(7, 1_000, 0), 7);
});
