import assert from "node:assert/strict";
import { GROUP_ANSWER_US, RecentGroupQueries } from "./recent_group_queries.ts";

const ASKER = 0x0a000042; // 10.0.0.66 as an address key
const OTHER = 0x0a000043;

Deno.test("RecentGroupQueries takes unicast datagrams from the group's port to the asker's port, within 10 s, for answers", () => {
  const queries = new RecentGroupQueries();
  queries.note(ASKER, 51000, 1900, 1_000_000);
  // Three devices answer one M-SEARCH: the query stays.
  for (let i = 0; i < 3; i++) {
    assert.equal(queries.answers(ASKER, 51000, 1900, 1_500_000), true);
  }
  assert.equal(
    queries.answers(ASKER, 51000, 1900, 1_000_000 + GROUP_ANSWER_US),
    true,
  );
  assert.equal(
    queries.answers(ASKER, 51000, 1900, 1_000_001 + GROUP_ANSWER_US),
    false,
    "too late",
  );
  assert.equal(queries.answers(ASKER, 51000, 1901, 1_500_000), false);
  assert.equal(queries.answers(ASKER, 51001, 1900, 1_500_000), false);
  assert.equal(queries.answers(OTHER, 51000, 1900, 1_500_000), false);
  assert.equal(new RecentGroupQueries().answers(0, 0, 0, 0), false);
});
