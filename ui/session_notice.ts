/**
 * What the page says when the sensor's session changed under it: after a
 * restart (found on reconnecting), or a new session another client began.
 *
 * @module
 */

import { formatClockUs } from "./format.ts";

/** What the page knew when the session changed. */
export interface SessionChange {
  /** True when the new session was found on reconnecting (the sensor restarted, or a session began while the page was cut off). */
  restarted: boolean;
  /** When the new session began, ms since the epoch. */
  startedMs: number;
  /** Alerts the page held (or counted) of the previous session. */
  previousAlerts: number;
  /** When this page exported the previous session's report, ms (null: it did not). */
  reportedMs: number | null;
}

/** The notice's sentence (times in the page's local 24-hour form). */
export function sessionChangeText(change: SessionChange): string {
  const began = formatClockUs(change.startedMs * 1000).slice(0, 8);
  const what = change.restarted
    ? `The sensor restarted: a new session began at ${began}`
    : `Another client started a new session at ${began}`;
  const lost =
    "the previous session's alerts and packets are no longer on the sensor";
  const count = change.previousAlerts;
  const alertsWord = count === 1 ? "alert was" : "alerts were";
  const exported = count === 0
    ? ""
    : change.reportedMs === null
    ? ` Its ${count} ${alertsWord} not exported from this page.`
    : ` This page exported its report at ${
      formatClockUs(change.reportedMs * 1000).slice(0, 8)
    }; alerts after that were not exported.`;
  return `${what}; ${lost}.${exported}`;
}
