import assert from "node:assert/strict";
import { windowText } from "./alert.ts";

Deno.test("windowText() says minutes from one minute on, seconds below, rounded to two decimals", () => {
  assert.equal(windowText(600_000_000), "10 min");
  assert.equal(windowText(90_000_000), "1.5 min");
  assert.equal(windowText(100_000_000), "1.67 min");
  assert.equal(windowText(20_000_000), "20 s");
  assert.equal(windowText(1_234_567), "1.23 s");
});
