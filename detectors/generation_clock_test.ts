import assert from "node:assert/strict";
import {
  GENERATION_TURN,
  GenerationClock,
  MAX_TOUCHED_SLOTS,
  STEP_BACK_CALLS,
  TouchedSlots,
  turnInterleaved,
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

Deno.test("TouchedSlots turns a memory exactly as walking it whole does, listed or past its list", () => {
  // A deterministic generator: the same sequence every run.
  let seed = 12345;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const SLOTS = 1 << 14;
  for (const writesPerGeneration of [0, 3, 100, MAX_TOUCHED_SLOTS + 50]) {
    const walked = new Uint32Array(2 * SLOTS);
    const listed = new Uint32Array(2 * SLOTS);
    const touched = new TouchedSlots();
    for (let generation = 0; generation < 40; generation++) {
      // Some generations sparse, some past the list, whatever the level.
      const writes = generation % 7 === 3
        ? MAX_TOUCHED_SLOTS + 10
        : writesPerGeneration;
      for (let w = 0; w < writes; w++) {
        const at = Math.floor(random() * SLOTS) << 1;
        if (listed[at] === 0) touched.note(at);
        listed[at]!++;
        walked[at]!++;
      }
      const turn = random() < 0.1
        ? GENERATION_TURN.CLEAR
        : random() < 0.2
        ? GENERATION_TURN.KEEP
        : GENERATION_TURN.SHIFT;
      turnInterleaved(walked, turn);
      touched.turn(listed, turn);
      assert.deepEqual(listed, walked, `generation ${generation}`);
    }
  }
});
