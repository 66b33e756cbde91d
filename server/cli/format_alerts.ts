/**
 * Alerts as short text lines for the CLI summary.
 *
 * @module
 */

import type { Alert } from "../../detectors/alert.ts";

/** One line per alert: severity, kind, attacker → victim, MITRE, summary. */
export function formatAlertLines(alerts: Alert[]): string[] {
  return [
    `alerts:      ${alerts.length}`,
    ...alerts.map((alert) => `  ${formatAlertLine(alert)}`),
  ];
}

/** One alert: severity, kind, attacker → victim, MITRE, summary. */
export function formatAlertLine(alert: Alert): string {
  const who = `${alert.attacker || "(many)"} → ${alert.victim || "(many)"}`;
  return `${alert.severity.padEnd(8)} ${
    alert.kind.padEnd(11)
  } ${who}  ${alert.mitre.id} ${alert.mitre.name}: ${alert.summary}`;
}
