/**
 * Alerts as short text lines for the CLI summary.
 *
 * @module
 */

import type { Alert } from "../../detectors/alert.ts";

/** One line per alert: severity, kind, attacker → victim, MITRE, summary. */
export function formatAlertLines(alerts: Alert[]): string[] {
  const lines = [`alerts:      ${alerts.length}`];
  for (const alert of alerts) {
    const who = `${alert.attacker || "(many)"} → ${alert.victim || "(many)"}`;
    lines.push(
      `  ${alert.severity.padEnd(8)} ${
        alert.kind.padEnd(11)
      } ${who}  ${alert.mitre.id} ${alert.mitre.name}: ${alert.summary}`,
    );
  }
  return lines;
}
