import assert from "node:assert/strict";
import { alertRecommendations } from "./report.ts";
import { sampleAlert } from "./test_alerts.ts";
import type { Alert } from "../detectors/alert.ts";

/** A DNS tunnel alert with ATT&CK technique `id`. */
function dnsTunnel(alertId: string, id: string, name: string): Alert {
  return {
    ...sampleAlert(alertId),
    kind: "dns_tunnel",
    title: "DNS tunnelling",
    mitre: { id, name, tactic: "Command and Control" },
  };
}

Deno.test("alertRecommendations() names every technique among a kind's alerts once, and the kind's own for alerts no longer listed", () => {
  const alerts = [
    dnsTunnel("dns_tunnel-1", "T1071.004", "Application Layer Protocol: DNS"),
    dnsTunnel("dns_tunnel-2", "T1571", "Non-Standard Port"),
    dnsTunnel("dns_tunnel-3", "T1571", "Non-Standard Port"),
  ];
  const reasons = alertRecommendations(
    { total: 5, bySeverity: {}, byKind: { dns_tunnel: 3, port_scan: 2 } },
    alerts,
  ).map((recommendation) => recommendation.reason);
  assert.deepEqual(reasons, [
    "3 DNS tunnelling alerts (T1071.004 Application Layer Protocol: DNS; T1571 Non-Standard Port)",
    "2 Port scan alerts (T1046 Network Service Discovery)",
  ]);
});
