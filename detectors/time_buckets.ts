/**
 * Two-bucket sliding windows over packet time: counts go into the current
 * bucket, which starts every `windowUs`; a count over the window ending now
 * is the current bucket plus the previous one weighted by the part of it
 * still inside the window. Two numbers per count, so a window needs no list
 * of events, at the cost of assuming events spread evenly over the previous
 * bucket.
 *
 * The owner keeps `bucketStartUs` and a current and previous value for each
 * count; {@linkcode advanceBucket} says how many buckets passed, so how to
 * move them: none (keep), one (current becomes previous, current 0) or two
 * and more (both 0).
 *
 * @module
 */

/** The part of a two-bucket window's owner that {@linkcode advanceBucket} moves. */
export interface BucketClock {
  /** Start of the current bucket, µs of packet time. */
  bucketStartUs: number;
}

/**
 * Moves `clock` to the bucket that contains `nowUs` and returns how many
 * buckets passed: 0 (counts stay), 1 (the current counts become the previous
 * ones) or 2 for two and more (a whole bucket passed without events: all
 * counts are 0, and the new bucket starts at `nowUs`). A timestamp that goes
 * backwards keeps the current bucket.
 */
export function advanceBucket(
  clock: BucketClock,
  nowUs: number,
  windowUs: number,
): number {
  const elapsedUs = nowUs - clock.bucketStartUs;
  if (elapsedUs < windowUs) return 0;
  if (elapsedUs < 2 * windowUs) {
    clock.bucketStartUs += windowUs;
    return 1;
  }
  clock.bucketStartUs = nowUs;
  return 2;
}

/** Weight (0–1) of the previous bucket: the part of it still inside the window ending at `nowUs`. */
export function previousBucketWeight(
  clock: BucketClock,
  nowUs: number,
  windowUs: number,
): number {
  return 1 -
    Math.min(1, Math.max(0, (nowUs - clock.bucketStartUs) / windowUs));
}

/** A count over the window: `current` plus `previous` × `weight` (from {@linkcode previousBucketWeight}), rounded. */
export function windowedCount(
  current: number,
  previous: number,
  weight: number,
): number {
  return current + Math.round(previous * weight);
}
