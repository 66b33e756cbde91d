import assert from "node:assert/strict";
import { sessionChangeText } from "./session_notice.ts";
import { formatClockUs } from "./format.ts";

const STARTED_MS = Date.UTC(2026, 11, 7, 13, 17, 47);
const clock = (ms: number) => formatClockUs(ms * 1000).slice(0, 8);

Deno.test("sessionChangeText() says the sensor restarted and that unexported alerts are gone", () => {
  assert.equal(
    sessionChangeText({
      restarted: true,
      startedMs: STARTED_MS,
      previousAlerts: 21,
      reportedMs: null,
    }),
    `The sensor restarted: a new session began at ${
      clock(STARTED_MS)
    }; the previous session's alerts and packets are no longer on the sensor. Its 21 alerts were not exported from this page.`,
  );
});

Deno.test("sessionChangeText() says when this page exported the report, and says nothing of alerts when there were none", () => {
  const reportedMs = STARTED_MS - 60_000;
  assert.equal(
    sessionChangeText({
      restarted: false,
      startedMs: STARTED_MS,
      previousAlerts: 1,
      reportedMs,
    }),
    `Another client started a new session at ${
      clock(STARTED_MS)
    }; the previous session's alerts and packets are no longer on the sensor. This page exported its report at ${
      clock(reportedMs)
    }; alerts after that were not exported.`,
  );
  assert.match(
    sessionChangeText({
      restarted: true,
      startedMs: STARTED_MS,
      previousAlerts: 0,
      reportedMs: null,
    }),
    /no longer on the sensor\.$/,
  );
});
