import assert from "node:assert/strict";
import { EventQueue } from "./event_queue.ts";
import { Prng } from "./prng.ts";

Deno.test("EventQueue pops by time, equal times in insertion order", () => {
  const queue = new EventQueue<string>();
  queue.push(30, "c");
  queue.push(10, "a1");
  queue.push(20, "b");
  queue.push(10, "a2");
  queue.push(10, "a3");
  const out: string[] = [];
  for (let entry = queue.pop(); entry; entry = queue.pop()) {
    out.push(entry.value);
  }
  assert.deepEqual(out, ["a1", "a2", "a3", "b", "c"]);
  assert.equal(queue.peekTimeUs(), Infinity);
});

Deno.test("EventQueue sorts 10 000 random times like Array.prototype.sort", () => {
  const prng = new Prng(5);
  const queue = new EventQueue<number>();
  const times = Array.from({ length: 10_000 }, () => prng.int(0, 1000));
  times.forEach((t, i) => queue.push(t, i));
  assert.equal(queue.size, 10_000);
  const popped: number[] = [];
  for (let entry = queue.pop(); entry; entry = queue.pop()) {
    popped.push(entry.value);
  }
  const expected = times.map((t, i) => [t, i] as const).sort((a, b) =>
    a[0] - b[0] || a[1] - b[1]
  ).map(([, i]) => i);
  assert.deepEqual(popped, expected);
});
