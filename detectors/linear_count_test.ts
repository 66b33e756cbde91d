import assert from "node:assert/strict";
import { linearCount, linearEstimate } from "./linear_count.ts";

Deno.test("linearEstimate() is 0 for an empty map, −m·ln(zero/m) between, m·ln m when full", () => {
  assert.equal(linearEstimate(0, 4096), 0);
  assert.equal(linearEstimate(1, 4096), 1);
  assert.equal(linearEstimate(2048, 4096), Math.round(4096 * Math.LN2));
  assert.equal(linearEstimate(4096, 4096), Math.round(4096 * Math.log(4096)));
});

Deno.test("linearCount() counts the set bits of the map and agrees with linearEstimate()", () => {
  const bits = new Uint32Array(128); // 4 096 bits
  assert.equal(linearCount(bits, 4096), 0);
  let set = 0;
  for (let i = 0; i < 4096; i += 3) {
    bits[i >>> 5]! |= 1 << (i & 31);
    set++;
  }
  assert.equal(linearCount(bits, 4096), linearEstimate(set, 4096));
  bits.fill(0xffffffff);
  assert.equal(linearCount(bits, 4096), linearEstimate(4096, 4096));
});
