/**
 * Alerts as short text lines for the CLI summary.
 *
 * @module
 */

import type { Alert } from "../../detectors/alert.ts";

/** One line per alert: severity, kind, attacker → victim, MITRE, summary, when. */
export function formatAlertLines(alerts: Alert[]): string[] {
  return [
    `alerts:      ${alerts.length}`,
    ...alerts.map((alert) => `  ${formatAlertLine(alert)}`),
  ];
}

/**
 * One alert: severity, kind, attacker → victim, MITRE, summary, and the
 * span of its activity in UTC. No attacker is "(unattributed)" (spoofed or
 * many sources), no victim "(many)".
 */
export function formatAlertLine(alert: Alert): string {
  const who = `${alert.attacker || "(unattributed)"} → ${
    alert.victim || "(many)"
  }`;
  return `${alert.severity.padEnd(8)} ${
    alert.kind.padEnd(11)
  } ${who}  ${alert.mitre.id} ${alert.mitre.name}: ${alert.summary} [${
    formatSpanUtc(alert.firstSeenUs, alert.lastSeenUs)
  }]`;
}

/** "2026-12-07 16:11:15Z → 16:11:20Z" (the end's date too when it differs); one time when both are the same second. */
export function formatSpanUtc(firstUs: number, lastUs: number): string {
  const first = utcText(firstUs);
  const last = utcText(lastUs);
  if (first === last) return `${first}Z`;
  const sameDay = first.slice(0, 10) === last.slice(0, 10);
  return `${first}Z → ${sameDay ? last.slice(11) : last}Z`;
}

/** "YYYY-MM-DD HH:MM:SS" in UTC; "????-??-?? ??:??:??" for a time outside what a Date holds. */
function utcText(us: number): string {
  const date = new Date(Math.floor(us / 1000));
  if (Number.isNaN(date.getTime())) return "????-??-?? ??:??:??";
  return date.toISOString().slice(0, 19).replace("T", " ");
}
