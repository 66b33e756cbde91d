import assert from "node:assert/strict";
import type { Alert } from "../../detectors/alert.ts";
import { formatAlertLine, formatSpanUtc } from "./format_alerts.ts";

const T0 = Date.UTC(2004, 8, 2, 16, 51, 53) * 1000;

Deno.test("formatSpanUtc() gives the activity's span in UTC, the date once", () => {
  assert.equal(formatSpanUtc(T0, T0 + 400_000), "2004-09-02 16:51:53Z");
  assert.equal(
    formatSpanUtc(T0, T0 + 17_000_000),
    "2004-09-02 16:51:53Z → 16:52:10Z",
  );
  assert.equal(
    formatSpanUtc(T0, T0 + 9 * 3_600_000_000),
    "2004-09-02 16:51:53Z → 2004-09-03 01:51:53Z",
  );
  assert.equal(
    formatSpanUtc(Number.MAX_VALUE, Number.MAX_VALUE),
    "????-??-?? ??:??:??Z",
  );
});

Deno.test("formatAlertLine() names no attacker as unattributed, and says when", () => {
  const alert = {
    severity: "high",
    kind: "icmp_flood",
    attacker: "",
    victim: "",
    mitre: { id: "T1498", name: "Network Denial of Service" },
    summary: "received 1000 echo requests",
    firstSeenUs: T0,
    lastSeenUs: T0 + 2_000_000,
  } as unknown as Alert;
  assert.equal(
    formatAlertLine(alert),
    "high     icmp_flood  (unattributed) → (many)  T1498 Network Denial of Service: received 1000 echo requests [2004-09-02 16:51:53Z → 16:51:55Z]",
  );
});
