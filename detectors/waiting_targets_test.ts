import assert from "node:assert/strict";
import { TargetFilter, TimedRing } from "./waiting_targets.ts";

Deno.test("TimedRing: requests leave oldest first, across growth, with their times", () => {
  const waiting = new TimedRing<number>(100);
  assert.equal(waiting.oldestUs, Infinity);
  for (let i = 0; i < 40; i++) waiting.push(1000 + i, i * 10);
  // Shift some, so the ring wraps before it grows again.
  for (let i = 0; i < 10; i++) assert.equal(waiting.shift(), 1000 + i);
  for (let i = 40; i < 70; i++) waiting.push(1000 + i, i * 10);
  assert.equal(waiting.size, 60);
  const seen: [number | undefined, number][] = [];
  while (waiting.size > 0) {
    const timeUs = waiting.oldestUs;
    seen.push([waiting.shift(), timeUs]);
  }
  assert.deepEqual(
    seen,
    Array.from({ length: 60 }, (_, i) => [1010 + i, (10 + i) * 10]),
  );
});

Deno.test("TimedRing: cancel blanks every request for a target tagged with the MAC given, which then leaves as undefined", () => {
  const waiting = new TimedRing<string>(8);
  for (const target of ["a", "b", "a", "c"]) waiting.push(target, 1);
  assert.equal(waiting.cancel("a", "m1"), 0, "not answered yet");
  assert.equal(waiting.cancel("a", ""), 0);
  assert.equal(waiting.tag("a", "", "m1"), 2);
  assert.equal(waiting.tag("b", "", "m2"), 1);
  assert.equal(waiting.tag("b", "m1", "m3"), 0, "tagged from another tag");
  assert.equal(waiting.cancel("b", "m1"), 0, "another MAC answered it");
  assert.equal(waiting.cancel("a", "m1"), 2);
  assert.equal(waiting.cancel("z", "m1"), 0);
  assert.deepEqual(
    [waiting.shift(), waiting.shift(), waiting.shift(), waiting.shift()],
    [undefined, "b", undefined, "c"],
  );
});

Deno.test("TimedRing: full at its limit", () => {
  const waiting = new TimedRing<number>(3);
  waiting.push(1, 0);
  waiting.push(2, 0);
  assert.equal(waiting.full, false);
  waiting.push(3, 0);
  assert.equal(waiting.full, true);
  waiting.shift();
  assert.equal(waiting.full, false);
});

Deno.test("TargetFilter: passes over targets no request waits for, and counts each one held", () => {
  const filter = new TargetFilter();
  assert.equal(filter.mayHoldAddress(0x0a000001), false);
  filter.add(0x0a000001);
  filter.add(0xc0a80101); // above 2^31
  filter.add("fd00::1");
  filter.add("fd00::1");
  assert.equal(filter.total, 4);
  assert.ok(filter.mayHoldAddress(0x0a000001));
  assert.ok(filter.mayHoldAddress(0xc0a80101));
  assert.ok(filter.mayHoldText("fd00::1"));
  // Of 1000 other addresses, few share a bucket with the three held.
  let passed = 0;
  for (let i = 2; i < 1002; i++) {
    if (!filter.mayHoldAddress(0x0a000000 + i)) passed++;
  }
  assert.ok(passed > 990, `${passed} of 1000 passed over`);
  filter.remove("fd00::1", 2);
  filter.remove(0x0a000001);
  filter.remove(0xc0a80101);
  assert.equal(filter.total, 0);
  assert.equal(filter.mayHoldText("fd00::1"), false);
});
