import { xorshift32 } from "../../capture/decode/test_helpers.ts";
import assert from "node:assert/strict";
import { QuantileSketch } from "./quantile_sketch.ts";

/** Deterministic xorshift32 in [0, 1). */
function random(seed: number): () => number {
  const next = xorshift32(seed);
  return () => next() / 2 ** 32;
}

/** Exact value of rank ⌊q·(n − 1)⌋, the rank the sketch answers for. */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const QUANTILES = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

function assertWithinRelativeError(
  sketch: QuantileSketch,
  values: number[],
  alpha: number,
): void {
  const sorted = [...values].sort((a, b) => a - b);
  for (const q of QUANTILES) {
    const exact = exactQuantile(sorted, q);
    const estimate = sketch.quantile(q)!;
    const error = Math.abs(estimate - exact) / exact;
    assert.ok(
      error <= alpha * (1 + 1e-9),
      `q=${q}: estimate ${estimate} vs exact ${exact} (relative error ${error})`,
    );
  }
}

Deno.test("QuantileSketch is within 1 % of exact quantiles for log-normal latencies", () => {
  const next = random(42);
  const sketch = new QuantileSketch();
  const values: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    // Box-Muller: log-normal around 30 ms (in µs) with a long tail.
    const u = next() || 1e-12;
    const v = next();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    const value = Math.round(30_000 * Math.exp(normal));
    values.push(Math.max(1, value));
    sketch.add(values[i]!);
  }
  assertWithinRelativeError(sketch, values, 0.01);
  assert.equal(sketch.count, values.length);
  assert.equal(sketch.min, Math.min(...values));
  assert.equal(sketch.max, Math.max(...values));
  assert.equal(sketch.sum, values.reduce((a, b) => a + b, 0));
});

Deno.test("QuantileSketch keeps its error bound for uniform values over 6 decades and other α", () => {
  for (const alpha of [0.01, 0.02, 0.05]) {
    const next = random(7);
    const sketch = new QuantileSketch({ relativeAccuracy: alpha });
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const value = 10 ** (next() * 6); // 1 µs … 1 s
      values.push(value);
      sketch.add(value);
    }
    assertWithinRelativeError(sketch, values, alpha);
  }
});

Deno.test("QuantileSketch answers single values and small sets exactly up to the bucket", () => {
  const sketch = new QuantileSketch();
  assert.equal(sketch.quantile(0.5), null);
  assert.equal(sketch.min, null);
  assert.equal(sketch.mean, null);
  sketch.add(30_107);
  // One value: min and max clamp the answer to the exact value.
  assert.equal(sketch.quantile(0), 30_107);
  assert.equal(sketch.quantile(0.5), 30_107);
  assert.equal(sketch.quantile(1), 30_107);
  for (const value of [10, 20, 30, 40]) sketch.add(value);
  assert.equal(sketch.quantile(0), 10);
  assert.equal(sketch.quantile(1), 30_107);
  const median = sketch.quantile(0.5)!;
  assert.ok(Math.abs(median - 30) / 30 <= 0.01, `median ${median}`);
});

Deno.test("QuantileSketch counts zero and sub-minimum values in a low bucket answering 0", () => {
  const sketch = new QuantileSketch();
  for (let i = 0; i < 60; i++) sketch.add(0);
  for (let i = 0; i < 40; i++) sketch.add(1_000);
  assert.equal(sketch.quantile(0.5), 0);
  const p99 = sketch.quantile(0.99)!;
  assert.ok(Math.abs(p99 - 1_000) / 1_000 <= 0.01);
  assert.equal(sketch.min, 0);
});

Deno.test("QuantileSketch clamps values above maxValue into the top bucket", () => {
  const sketch = new QuantileSketch({ maxValue: 1_000 });
  sketch.add(10);
  sketch.add(1e12);
  assert.equal(sketch.max, 1e12);
  const top = sketch.quantile(1)!;
  assert.ok(top <= 1e12);
  assert.ok(
    sketch.bucketCapacity <=
      Math.ceil(Math.log(1_000) / Math.log(1.01 / 0.99)) + 1,
  );
});

Deno.test("QuantileSketch memory stays within the documented bucket bound", () => {
  const sketch = new QuantileSketch();
  for (let exponent = 0; exponent <= 12; exponent += 0.01) {
    sketch.add(10 ** exponent);
  }
  const gamma = 1.01 / 0.99;
  const bound = Math.ceil(Math.log(3.6e9) / Math.log(gamma)) + 1;
  assert.ok(
    sketch.bucketCapacity <= bound,
    `${sketch.bucketCapacity} > ${bound}`,
  );
});

Deno.test("QuantileSketch.merge equals one sketch fed every value", () => {
  const next = random(3);
  const a = new QuantileSketch();
  const b = new QuantileSketch();
  const whole = new QuantileSketch();
  const values: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const value = i % 2 === 0 ? 100 + next() * 100 : 50_000 + next() * 1e6;
    values.push(value);
    (i % 3 === 0 ? a : b).add(value);
    whole.add(value);
  }
  a.merge(b);
  assert.equal(a.count, whole.count);
  for (const q of QUANTILES) assert.equal(a.quantile(q), whole.quantile(q));
  assertWithinRelativeError(a, values, 0.01);
  a.clear();
  assert.equal(a.count, 0);
  assert.equal(a.quantile(0.5), null);
  assert.throws(
    () => a.merge(new QuantileSketch({ relativeAccuracy: 0.02 })),
    RangeError,
  );
});

Deno.test("QuantileSketch rejects bad options and quantiles", () => {
  assert.throws(() => new QuantileSketch({ relativeAccuracy: 0 }), RangeError);
  assert.throws(() => new QuantileSketch({ relativeAccuracy: 1 }), RangeError);
  assert.throws(() => new QuantileSketch({ minValue: 0 }), RangeError);
  const sketch = new QuantileSketch();
  sketch.add(1);
  assert.throws(() => sketch.quantile(1.5), RangeError);
});
