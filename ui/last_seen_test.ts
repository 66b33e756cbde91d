import assert from "node:assert/strict";
import { formatAge, lastSeenText } from "./last_seen.ts";

Deno.test("formatAge() rounds down to one unit", () => {
  assert.equal(formatAge(3.9), "3 s");
  assert.equal(formatAge(59.9), "59 s");
  assert.equal(formatAge(60), "1 min");
  assert.equal(formatAge(3_599), "59 min");
  assert.equal(formatAge(7_200), "2 h");
  assert.equal(formatAge(3 * 86_400), "3 d");
  // A packet stamped a little ahead of this clock is "0 s", not negative.
  assert.equal(formatAge(-2), "0 s");
});

Deno.test("lastSeenText() counts from now in a live session, from the capture's end in a replay", () => {
  const lastSeenUs = 1_000_000_000;
  assert.equal(
    lastSeenText(lastSeenUs, { nowUs: lastSeenUs + 3_200_000 }),
    "last seen 3 s ago",
  );
  assert.equal(
    lastSeenText(lastSeenUs, { captureEndUs: lastSeenUs + 125_000_000 }),
    "last seen 2 min before the capture's end",
  );
});
