import assert from "node:assert/strict";
import { formatUtcOffset } from "./time_zone.ts";

/** Runs `test` with `Date.prototype.getTimezoneOffset` answering `minutes`. */
function withOffset(minutes: number, test: () => void): void {
  const original = Date.prototype.getTimezoneOffset;
  Date.prototype.getTimezoneOffset = () => minutes;
  try {
    test();
  } finally {
    Date.prototype.getTimezoneOffset = original;
  }
}

Deno.test("formatUtcOffset() names local time by its offset from UTC", () => {
  withOffset(0, () => assert.equal(formatUtcOffset(0), "UTC"));
  withOffset(-60, () => assert.equal(formatUtcOffset(0), "UTC+01:00"));
  withOffset(330, () => assert.equal(formatUtcOffset(0), "UTC-05:30"));
  withOffset(-345, () => assert.equal(formatUtcOffset(0), "UTC+05:45"));
});
