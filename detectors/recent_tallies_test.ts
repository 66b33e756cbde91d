import assert from "node:assert/strict";
import { PENDING_ADDITIONS, RecentTallies } from "./recent_tallies.ts";

Deno.test("RecentTallies: counts over this generation and the one before, then forgets", () => {
  const tallies = new RecentTallies(16, 10);
  tallies.age(0);
  tallies.add(3);
  tallies.add(3);
  tallies.add(4);
  assert.equal(tallies.count(3), 2);
  assert.equal(tallies.count(4), 1);
  assert.equal(tallies.count(5), 0);
  tallies.age(10); // a new generation: the old one still counts
  tallies.add(3);
  assert.equal(tallies.count(3), 3);
  tallies.age(20); // two generations on: the first is gone
  assert.equal(tallies.count(3), 1);
  tallies.age(45); // more than a generation of silence: all afresh
  assert.equal(tallies.count(3), 0);
});

Deno.test("RecentTallies: hashes sharing a slot add up (never less than the truth); time going back keeps the generation", () => {
  const tallies = new RecentTallies(16, 10);
  tallies.age(100);
  tallies.add(1);
  tallies.add(17);
  assert.equal(tallies.count(1), 2);
  tallies.age(95);
  assert.equal(tallies.count(17), 2);
});

Deno.test("RecentTallies: a slot count is a power of two", () => {
  assert.throws(() => new RecentTallies(12, 10), /not a power of two/);
  assert.throws(() => new RecentTallies(0, 10), /not a power of two/);
});

Deno.test("RecentTallies: time stepped back further than the memory reaches starts it afresh", () => {
  const tallies = new RecentTallies(16, 10);
  tallies.age(1_000);
  tallies.add(3);
  tallies.age(985); // back within reach: the generation goes on
  assert.equal(tallies.count(3), 1);
  // Back by more than three generations, for 64 calls in a row.
  for (let i = 0; i < 64; i++) tallies.age(900);
  assert.equal(tallies.count(3), 0);
  tallies.add(3);
  tallies.age(905); // and it ages from there
  assert.equal(tallies.count(3), 1);
  tallies.age(910);
  tallies.age(920);
  assert.equal(tallies.count(3), 0);
});

Deno.test("RecentTallies: lanes of one slot count apart, and turn generations together", () => {
  const tallies = new RecentTallies(16, 10, 2);
  tallies.age(0);
  tallies.add(3, 0);
  tallies.add(3, 1);
  tallies.add(3, 1);
  assert.deepEqual([tallies.count(3, 0), tallies.count(3, 1)], [1, 2]);
  assert.deepEqual([tallies.count(4, 0), tallies.count(4, 1)], [0, 0]);
  tallies.age(10);
  tallies.add(3, 0);
  assert.deepEqual([tallies.count(3, 0), tallies.count(3, 1)], [2, 2]);
  tallies.age(20);
  assert.deepEqual([tallies.count(3, 0), tallies.count(3, 1)], [1, 0]);
});

Deno.test("RecentTallies: additions held back count in the generation they were made in, however many", () => {
  const tallies = new RecentTallies(16, 10, 2);
  tallies.age(0);
  for (let i = 0; i < PENDING_ADDITIONS + 5; i++) tallies.add(3, 1);
  tallies.add(4, 0);
  tallies.age(10); // a turn: they belong to the generation before it
  tallies.add(4, 0);
  assert.deepEqual(
    [tallies.count(3, 1), tallies.count(3, 0), tallies.count(4, 0)],
    [PENDING_ADDITIONS + 5, 0, 2],
  );
  tallies.add(5);
  tallies.age(20); // and are forgotten with it
  assert.deepEqual([tallies.count(3, 1), tallies.count(4, 0)], [0, 1]);
  assert.equal(tallies.count(5), 1);
  tallies.add(5);
  tallies.age(100); // after a quiet spell: all afresh, held back ones too
  assert.equal(tallies.count(5), 0);
});
