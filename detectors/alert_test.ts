import assert from "node:assert/strict";
import { elapsedText, windowText } from "./alert.ts";

Deno.test("windowText() says minutes from one minute on, seconds below, rounded to two decimals", () => {
  assert.equal(windowText(600_000_000), "10 min");
  assert.equal(windowText(90_000_000), "1.5 min");
  assert.equal(windowText(100_000_000), "1.67 min");
  assert.equal(windowText(20_000_000), "20 s");
  assert.equal(windowText(1_234_567), "1.23 s");
});

Deno.test("elapsedText() never says 0 s: milliseconds under a tenth of a second, seconds to a tenth above", () => {
  assert.equal(elapsedText(0), "under 1 ms");
  assert.equal(elapsedText(999), "under 1 ms");
  assert.equal(elapsedText(4_400), "4 ms");
  assert.equal(elapsedText(99_000), "99 ms");
  assert.equal(elapsedText(100_000), "0.1 s");
  assert.equal(elapsedText(2_460_000), "2.5 s");
  assert.equal(elapsedText(600_000_000), "600 s");
});
