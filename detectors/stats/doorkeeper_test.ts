import assert from "node:assert/strict";
import { Doorkeeper } from "./doorkeeper.ts";
import { fnv1a } from "../hash.ts";

Deno.test("Doorkeeper admits a key on its second sighting", () => {
  const door = new Doorkeeper(16, 1000);
  assert.equal(door.seen(fnv1a("10.0.0.1")), false);
  assert.equal(door.seen(fnv1a("10.0.0.1")), true);
  assert.equal(door.seen(fnv1a("10.0.0.2")), false);
});

Deno.test("Doorkeeper forgets everything after resetAfter new keys", () => {
  const door = new Doorkeeper(16, 100);
  door.seen(fnv1a("keep"));
  for (let i = 0; i < 99; i++) door.seen(fnv1a(`k${i}`));
  assert.equal(door.seen(fnv1a("keep")), false, "the bitmap was cleared");
});

Deno.test("Doorkeeper false positives stay rare at its fill level", () => {
  const door = new Doorkeeper(20, 1 << 17);
  for (let i = 0; i < 100_000; i++) {
    door.seen(fnv1a(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
  }
  let falsePositives = 0;
  for (let i = 0; i < 10_000; i++) {
    if (door.seen(fnv1a(`172.16.${(i >> 8) & 255}.${i & 255}`))) {
      falsePositives++;
    }
  }
  assert.ok(falsePositives < 1_500, `${falsePositives} of 10 000`);
});
