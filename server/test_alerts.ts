/**
 * An alert for tests of the server's alert handling (acknowledgements, the
 * stream's queues), without running a detector.
 *
 * @module
 */

import type { Alert } from "../detectors/alert.ts";

/** A port scan alert from 10.0.0.1 to 10.0.0.2 with id `id`, engaged at packet time 0. */
export function sampleAlert(
  id: string,
  severity: Alert["severity"] = "medium",
): Alert {
  return {
    id,
    kind: "port_scan",
    state: "engaged",
    severity,
    title: "Port scan",
    summary: "",
    description: "",
    recommendation: "",
    mitre: {
      id: "T1046",
      name: "Network Service Discovery",
      tactic: "Discovery",
    },
    attacker: "10.0.0.1",
    victim: "10.0.0.2",
    domain: "",
    firstSeenUs: 0,
    lastSeenUs: 0,
    findings: 1,
    evidence: {},
  };
}
