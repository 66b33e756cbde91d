import assert from "node:assert/strict";
import { ListLookups, MAX_REASON_BYTES } from "./list_lookups.ts";

const NAME = "2.0.0.127.dnsbl.example.net";
const ZONE = "dnsbl.example.net";

Deno.test("ListLookups excuses a TXT lookup after the same client's address lookup of the same name, within a minute or two", () => {
  const lists = new ListLookups(600_000_000);
  assert.equal(lists.excusesReason(1, NAME, ZONE, 0), false);
  lists.noteAddress(1, NAME, ZONE, 1_000_000);
  assert.equal(lists.excusesReason(1, NAME, ZONE, 2_000_000), true);
  // Another client, or another name: no.
  assert.equal(lists.excusesReason(2, NAME, ZONE, 2_000_000), false);
  assert.equal(
    lists.excusesReason(1, "3.0.0.127.dnsbl.example.net", ZONE, 2_000_000),
    false,
  );
  // Three minutes on, the address lookup is forgotten.
  assert.equal(lists.excusesReason(1, NAME, ZONE, 181_000_000), false);
});

Deno.test("ListLookups excuses no TXT lookup under a zone whose TXT answer to that client was longer than a reason, for the rest of the window", () => {
  const lists = new ListLookups(600_000_000);
  lists.noteAddress(1, NAME, ZONE, 0);
  lists.noteReasonAnswer(1, ZONE, MAX_REASON_BYTES, 10);
  assert.equal(lists.excusesReason(1, NAME, ZONE, 20), true);
  lists.noteReasonAnswer(1, ZONE, MAX_REASON_BYTES + 1, 30);
  assert.equal(lists.excusesReason(1, NAME, ZONE, 40), false);
  // A new window starts afresh.
  lists.noteAddress(1, NAME, ZONE, 700_000_000);
  assert.equal(lists.excusesReason(1, NAME, ZONE, 700_000_010), true);
});
