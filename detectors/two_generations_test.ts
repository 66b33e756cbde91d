import assert from "node:assert/strict";
import { STEP_BACK_CALLS, TwoGenerations } from "./two_generations.ts";

Deno.test("TwoGenerations: shifts after a generation, clears after two, keeps within reach of a step back, clears beyond it", () => {
  const generations = new TwoGenerations(() => new Uint32Array(2), 10);
  generations.age(100);
  generations.now[0] = 7;
  generations.age(105); // the same generation
  assert.deepEqual([generations.now[0], generations.before[0]], [7, 0]);
  generations.age(110); // the next: the current array becomes the one before
  assert.deepEqual([generations.now[0], generations.before[0]], [0, 7]);
  generations.now[0] = 3;
  generations.age(95); // back within reach
  assert.deepEqual([generations.now[0], generations.before[0]], [3, 7]);
  // Back beyond it, and back again, but each time between them forward
  // again (two clocks interleaved): kept.
  for (let i = 0; i < 2 * STEP_BACK_CALLS; i++) {
    generations.age(i % 2 ? 112 : 50);
  }
  assert.deepEqual([generations.now[0], generations.before[0]], [3, 7]);
  // Back beyond it for STEP_BACK_CALLS calls in a row: both afresh.
  for (let i = 0; i < STEP_BACK_CALLS - 1; i++) generations.age(50);
  assert.deepEqual([generations.now[0], generations.before[0]], [3, 7]);
  generations.age(50);
  assert.deepEqual([generations.now[0], generations.before[0]], [0, 0]);
  generations.now[0] = 1;
  generations.age(100); // two generations on: both afresh
  assert.deepEqual([generations.now[0], generations.before[0]], [0, 0]);
  assert.equal(generations.started, 4);
});
