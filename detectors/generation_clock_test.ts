import assert from "node:assert/strict";
import {
  GENERATION_TURN,
  GenerationClock,
  STEP_BACK_CALLS,
} from "./generation_clock.ts";

const { KEEP, SHIFT, CLEAR } = GENERATION_TURN;

Deno.test("GenerationClock: shifts after a generation, clears after two, keeps within reach of a step back, clears beyond it only when it lasts", () => {
  const clock = new GenerationClock(10);
  assert.equal(clock.turn(100), CLEAR); // the first generation
  assert.equal(clock.turn(105), KEEP);
  assert.equal(clock.turn(110), SHIFT);
  assert.equal(clock.turn(95), KEEP); // back within reach
  // Back beyond it, but forward again between (two clocks interleaved): kept.
  for (let i = 0; i < 2 * STEP_BACK_CALLS; i++) {
    assert.equal(clock.turn(i % 2 ? 112 : 50), KEEP);
  }
  // Back beyond it for STEP_BACK_CALLS calls in a row: both afresh.
  for (let i = 0; i < STEP_BACK_CALLS - 1; i++) {
    assert.equal(clock.turn(50), KEEP);
  }
  assert.equal(clock.turn(50), CLEAR);
  assert.equal(clock.turn(55), KEEP); // a generation from there
  assert.equal(clock.turn(100), CLEAR); // two generations on
  assert.equal(clock.started, 4);
});
