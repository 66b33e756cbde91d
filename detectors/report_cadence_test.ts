import assert from "node:assert/strict";
import {
  clearReportMark,
  isFinalReportDue,
  isGrowthReportDue,
  isRepeatReportDue,
  markReported,
  type ReportMark,
} from "./report_cadence.ts";

const S = 1_000_000;
const INTERVAL_US = 10 * S;

function unreported(): ReportMark {
  return { reportedCount: 0, lastReportUs: -Infinity };
}

Deno.test("isGrowthReportDue() is true for the first finding", () => {
  assert.equal(isGrowthReportDue(unreported(), 1, 0, INTERVAL_US), true);
});

Deno.test("isGrowthReportDue() repeats at once when the count doubled", () => {
  const mark = unreported();
  markReported(mark, 50, 0);
  assert.equal(isGrowthReportDue(mark, 99, 1, INTERVAL_US), false);
  assert.equal(isGrowthReportDue(mark, 100, 1, INTERVAL_US), true);
});

Deno.test("isGrowthReportDue() repeats after the interval only if the count grew", () => {
  const mark = unreported();
  markReported(mark, 50, 0);
  assert.equal(
    isGrowthReportDue(mark, 51, INTERVAL_US - 1, INTERVAL_US),
    false,
  );
  assert.equal(isGrowthReportDue(mark, 51, INTERVAL_US, INTERVAL_US), true);
  assert.equal(isGrowthReportDue(mark, 50, 100 * S, INTERVAL_US), false);
  assert.equal(isGrowthReportDue(mark, 40, 100 * S, INTERVAL_US), false);
});

Deno.test("isRepeatReportDue() repeats when the count doubled or after the interval", () => {
  const mark = unreported();
  assert.equal(isRepeatReportDue(mark, 150, 0, INTERVAL_US), true);
  markReported(mark, 150, 0);
  assert.equal(isRepeatReportDue(mark, 299, S, INTERVAL_US), false);
  assert.equal(isRepeatReportDue(mark, 300, S, INTERVAL_US), true);
  assert.equal(
    isRepeatReportDue(mark, 10, INTERVAL_US - 1, INTERVAL_US),
    false,
  );
  assert.equal(isRepeatReportDue(mark, 10, INTERVAL_US, INTERVAL_US), true);
});

Deno.test("markReported() and clearReportMark() set and reset the mark", () => {
  const mark = unreported();
  markReported(mark, 7, 3 * S);
  assert.deepEqual(mark, { reportedCount: 7, lastReportUs: 3 * S });
  clearReportMark(mark);
  assert.deepEqual(mark, { reportedCount: 0, lastReportUs: -Infinity });
  assert.equal(isGrowthReportDue(mark, 1, 3 * S, INTERVAL_US), true);
});

Deno.test("isFinalReportDue() is true only for an incident reported before that changed since", () => {
  assert.equal(isFinalReportDue(unreported(), 50, 5 * S), false);
  const mark = unreported();
  markReported(mark, 40, 5 * S);
  assert.equal(isFinalReportDue(mark, 40, 5 * S), false, "unchanged");
  assert.equal(isFinalReportDue(mark, 41, 5 * S), true, "grew");
  assert.equal(isFinalReportDue(mark, 30, 5 * S), true, "a window shrank");
  assert.equal(isFinalReportDue(mark, 40, 6 * S), true, "packets since");
  markReported(mark, 41, 6 * S);
  assert.equal(isFinalReportDue(mark, 41, 6 * S), false);
});
