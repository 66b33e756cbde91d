import assert from "node:assert/strict";
import { TwoGenerations } from "./two_generations.ts";

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
  generations.age(50); // back beyond it: both afresh
  assert.deepEqual([generations.now[0], generations.before[0]], [0, 0]);
  generations.now[0] = 1;
  generations.age(100); // two generations on: both afresh
  assert.deepEqual([generations.now[0], generations.before[0]], [0, 0]);
  assert.equal(generations.started, 4);
});
