import assert from "node:assert/strict";
import { TopKeys } from "./top_keys.ts";

Deno.test("TopKeys counts held keys exactly and names the leader", () => {
  const top = new TopKeys(3);
  assert.equal(top.leader(), -1);
  assert.equal(top.add(7), 0, "a new key takes a slot");
  assert.equal(top.added, true);
  top.setText(0, "seven");
  assert.equal(top.add(7), 0, "a held key is counted");
  assert.equal(top.added, false);
  assert.equal(top.add(9), 1);
  assert.equal(top.slotOf(9), 1);
  assert.equal(top.slotOf(8), -1);
  assert.equal(top.countAt(0), 2);
  const leader = top.leader();
  assert.equal(top.keyAt(leader), 7);
  assert.equal(top.textAt(leader), "seven");
  assert.equal(top.guaranteedAt(leader), 2);
  assert.equal(top.size, 2);
});

Deno.test("TopKeys: a new key takes the smallest counter and inherits it as its error", () => {
  const top = new TopKeys(2);
  for (let i = 0; i < 5; i++) top.add(1);
  top.add(2);
  top.add(2);
  const slot = top.add(3); // replaces key 2 (count 2)
  assert.equal(slot, 1);
  assert.equal(top.added, true);
  assert.equal(top.countAt(1), 3);
  assert.equal(top.keyAt(1), 3);
  assert.equal(top.textAt(1), "", "the old key's text goes with it");
  assert.equal(top.guaranteedAt(1), 1, "count 3 less error 2");
  assert.equal(top.keyAt(top.leader()), 1);
});

Deno.test("TopKeys holds any key above 1/capacity of a stream among many others", () => {
  const top = new TopKeys(4);
  let heavy = 0;
  for (let i = 0; i < 10_000; i++) {
    if (i % 3 === 0) {
      top.add(-1);
      heavy++;
    } else {
      top.add(i);
    }
  }
  const leader = top.leader();
  assert.equal(top.keyAt(leader), -1);
  assert.ok(top.guaranteedAt(leader) <= heavy);
  assert.ok(top.guaranteedAt(leader) >= heavy - 10_000 / 4);
});

Deno.test("TopKeys: clear forgets every key; capacity is checked", () => {
  const top = new TopKeys(2);
  top.add(1);
  top.clear();
  assert.equal(top.size, 0);
  assert.equal(top.leader(), -1);
  assert.equal(top.add(5), 0);
  assert.throws(() => new TopKeys(0), /capacity must be a positive integer/);
  assert.throws(() => new TopKeys(1.5), /capacity must be a positive integer/);
});
