import assert from "node:assert/strict";
import { type ScheduledFrame, Scheduler, type Session } from "./scheduler.ts";

function frame(tag: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array([tag]);
}

function tags(frames: ScheduledFrame[]): string[] {
  return frames.map((f) => `${f.timestampUs}:${f.label}:${f.bytes[0]}`);
}

/** Two sessions whose frames interleave, one with an out-of-sequence answer. */
function setUp(scheduler: Scheduler): void {
  scheduler.start("a", function* () {
    yield { atUs: 10, bytes: frame(1) };
    yield { atUs: 30, bytes: frame(2) };
    yield { atUs: 50, bytes: frame(3) };
  });
  scheduler.start("b", function* (session: Session) {
    yield { atUs: 20, bytes: frame(4) };
    session.emit(45, frame(5));
    yield { atUs: 40, bytes: frame(6) };
  });
  scheduler.at(35, (atUs) => {
    scheduler.start("c", function* () {
      yield { atUs, bytes: frame(7) };
    });
  });
}

Deno.test("Scheduler merges scripts, emitted frames and actions in time order", () => {
  const scheduler = new Scheduler(0);
  setUp(scheduler);
  assert.equal(scheduler.runningSessions, 2);
  const out: ScheduledFrame[] = [];
  scheduler.runUntil(1_000, out);
  assert.deepEqual(tags(out), [
    "10:a:1",
    "20:b:4",
    "30:a:2",
    "35:c:7",
    "40:b:6",
    "45:b:5",
    "50:a:3",
  ]);
  assert.equal(scheduler.runningSessions, 0);
  assert.equal(scheduler.pending, 0);
});

Deno.test("Scheduler.runUntil() gives the same frames however the time is cut", () => {
  const whole: ScheduledFrame[] = [];
  const one = new Scheduler(0);
  setUp(one);
  one.runUntil(1_000, whole);
  const pieces: ScheduledFrame[] = [];
  const two = new Scheduler(0);
  setUp(two);
  for (const untilUs of [1, 20, 21, 35, 36, 45, 1_000]) {
    const before = pieces.length;
    two.runUntil(untilUs, pieces);
    for (const f of pieces.slice(before)) assert.ok(f.timestampUs < untilUs);
  }
  assert.deepEqual(tags(pieces), tags(whole));
});

Deno.test("Scheduler never goes back in time: late frames are clamped to now", () => {
  const scheduler = new Scheduler(0);
  const out: ScheduledFrame[] = [];
  scheduler.runUntil(100, out);
  scheduler.start("late", function* (session: Session) {
    session.emit(50, frame(1));
    yield { atUs: 10, bytes: frame(2) };
  });
  scheduler.runUntil(200, out);
  assert.deepEqual(tags(out), ["100:late:1", "100:late:2"]);
  assert.equal(scheduler.nowUs, 200);
});
