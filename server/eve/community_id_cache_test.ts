import assert from "node:assert/strict";
import { CommunityIdCache } from "./community_id_cache.ts";

Deno.test("CommunityIdCache makes an ID once per flow key and again once the slot was taken", () => {
  const cache = new CommunityIdCache(1); // two slots
  let made = 0;
  const make = (id: string) => () => {
    made++;
    return id;
  };
  assert.equal(cache.get(1, 2, 17, make("a")), "a");
  assert.equal(cache.get(1, 2, 17, make("x")), "a");
  assert.equal(made, 1);
  // Another protocol is another flow.
  assert.equal(cache.get(1, 2, 6, make("b")), "b");
  assert.equal(made, 2);
  // Many flows through two slots: each answer is its own flow's.
  for (let i = 0; i < 50; i++) {
    assert.equal(cache.get(100 + i, 200 + i, 17, make(`id${i}`)), `id${i}`);
    assert.equal(cache.get(100 + i, 200 + i, 17, make("wrong")), `id${i}`);
  }
});
