import assert from "node:assert/strict";
import { AlertAcks, MAX_ACK_NOTE_LENGTH } from "./alert_acks.ts";
import { sampleAlert } from "./test_alerts.ts";

Deno.test("AlertAcks decorates acknowledged alerts only, and forgets on reopen and clear", () => {
  const acks = new AlertAcks();
  const plain = sampleAlert("port_scan-1");
  assert.equal(acks.decorate(plain), plain);
  acks.acknowledge(plain, "known pentest", 1_000);
  assert.deepEqual(acks.decorate(plain).acknowledged, {
    atMs: 1_000,
    note: "known pentest",
  });
  assert.equal(
    plain.acknowledged,
    undefined,
    "the alert itself is not changed",
  );
  assert.equal(acks.reopen("port_scan-1"), true);
  assert.equal(acks.reopen("port_scan-1"), false);
  assert.equal(acks.decorate(plain), plain);
  acks.acknowledge(plain, "x".repeat(MAX_ACK_NOTE_LENGTH + 10), 2_000);
  assert.equal(
    acks.decorate(plain).acknowledged!.note.length,
    MAX_ACK_NOTE_LENGTH,
  );
  acks.clear();
  assert.equal(acks.size, 0);
});

Deno.test("AlertAcks: an escalation withdraws the acknowledgement; an update without one keeps it", () => {
  const acks = new AlertAcks();
  acks.acknowledge(sampleAlert("port_scan-1"), "", 1_000);
  const updated = acks.onEvent({
    type: "updated",
    alert: sampleAlert("port_scan-1"),
  });
  assert.equal(updated.reopened, false);
  assert.ok(updated.event.alert.acknowledged);
  const escalated = acks.onEvent({
    type: "updated",
    alert: sampleAlert("port_scan-1", "high"),
    escalatedFrom: "medium",
  });
  assert.equal(escalated.reopened, true);
  assert.equal(escalated.event.alert.acknowledged, undefined);
  assert.equal(escalated.event.escalatedFrom, "medium");
  assert.equal(acks.size, 0);
});

Deno.test("AlertAcks: an alert released after its acknowledgement and back (a new incident under its id) is open again", () => {
  const acks = new AlertAcks();
  const scan = sampleAlert("port_scan-1");
  acks.acknowledge(scan, "", 1_000);
  const released = acks.onEvent({
    type: "released",
    alert: { ...scan, state: "released" },
  });
  assert.ok(
    released.event.alert.acknowledged,
    "still acknowledged when it ends",
  );
  const back = acks.onEvent({ type: "updated", alert: scan });
  assert.equal(back.reopened, true);
  assert.equal(back.event.alert.acknowledged, undefined);
  // Acknowledged after it ended: open again once it comes back.
  acks.acknowledge({ ...scan, state: "released" }, "", 2_000);
  assert.equal(acks.onEvent({ type: "updated", alert: scan }).reopened, true);
});
