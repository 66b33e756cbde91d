import assert from "node:assert/strict";
import { ClientQueue } from "./client_queue.ts";
import type { SensorEvent } from "./events.ts";
import type { PacketRow } from "./packet_row.ts";
import { sampleAlert } from "./test_alerts.ts";

function rows(count: number): PacketRow[] {
  return Array.from({ length: count }, (_, n) => ({
    n,
    timestampUs: 0,
    src: "10.0.0.1",
    dst: "10.0.0.2",
    srcPort: 1,
    dstPort: 2,
    protocol: "Other TCP",
    length: 60,
    flags: "S",
    info: "",
  }));
}

function alert(id: number): SensorEvent {
  return {
    type: "status",
    state: "running",
    sessionId: `s${id}`,
    mode: "demo",
    message: "",
    droppedByKernel: 0,
    cleared: false,
  };
}

Deno.test("ClientQueue drops the oldest packet batches and reports the loss", async () => {
  const queue = new ClientQueue({ maxPacketBatches: 2 });
  for (let id = 1; id <= 5; id++) {
    queue.push({ id, event: { type: "packet", rows: rows(10), skipped: 3 } });
  }
  assert.equal(queue.size, 2);
  assert.equal(queue.droppedRows, 30);
  const first = await queue.next(0);
  assert.equal(first?.id, 4);
  assert.ok(first?.event.type === "packet");
  if (first?.event.type === "packet") {
    assert.equal(first.event.lost, 39, "3 batches of 10 rows + 3 skipped");
    assert.equal(first.event.skipped, 3 + 39);
  }
  const second = await queue.next(0);
  assert.equal(second?.id, 5);
  if (second?.event.type === "packet") {
    assert.equal(second.event.lost, undefined);
  }
});

Deno.test("ClientQueue never drops alert or status events, and keeps only the newest stats", async () => {
  const queue = new ClientQueue({ maxPacketBatches: 1 });
  for (let id = 1; id <= 100; id++) queue.push({ id, event: alert(id) });
  for (let id = 101; id <= 110; id++) {
    queue.push({
      id,
      event: {
        type: "stats",
        stats: {} as never,
        packets: id,
        alerts: 0,
      },
    });
  }
  assert.equal(queue.size, 101);
  const ids: number[] = [];
  for (let item = await queue.next(0); item; item = await queue.next(0)) {
    ids.push(item.id);
  }
  assert.deepEqual(
    ids.slice(0, 100),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
  assert.equal(ids[100], 110);
});

Deno.test("ClientQueue drops rows, stats and losses from before a clear when the cleared status is queued", () => {
  const queue = new ClientQueue({ maxPacketBatches: 2 });
  for (let id = 1; id <= 4; id++) {
    queue.push({ id, event: { type: "packet", rows: rows(10), skipped: 0 } });
  }
  queue.push({
    id: 5,
    event: { type: "stats", stats: {} as never, packets: 40, alerts: 0 },
  });
  queue.push({ id: 6, event: { ...alert(6), cleared: true } as SensorEvent });
  queue.push({ id: 7, event: { type: "packet", rows: rows(2), skipped: 0 } });
  const ids: number[] = [];
  let lost = 0;
  for (let item = queue.take(); item; item = queue.take()) {
    ids.push(item.id);
    if (item.event.type === "packet") lost += item.event.lost ?? 0;
  }
  assert.deepEqual(ids, [6, 7]);
  assert.equal(
    lost,
    0,
    "the rows lost before the clear are not reported after it",
  );
  assert.equal(queue.droppedRows, 20, "the client's own count keeps them");
});

Deno.test("ClientQueue flags a client that falls too far behind on alerts", () => {
  const queue = new ClientQueue({ maxAlertEvents: 3 });
  for (let id = 1; id <= 3; id++) queue.push({ id, event: alert(id) });
  assert.equal(queue.overflowed, false);
  queue.push({ id: 4, event: alert(4) });
  assert.equal(queue.overflowed, true);
});

Deno.test("ClientQueue counts only what is queued: a client that reads every acknowledgement is never cut off", () => {
  const queue = new ClientQueue({ maxAlertEvents: 3 });
  const ack = (id: number): SensorEvent => ({
    type: "ack",
    alert: {
      ...sampleAlert("port_scan-1"),
      // Acknowledged and reopened in turn, as an analyst might.
      ...(id % 2 === 1 ? { acknowledged: { atMs: id, note: "" } } : {}),
    },
  });
  for (let id = 1; id <= 20_000; id++) {
    queue.push({ id, event: ack(id) });
    assert.equal(queue.take()?.id, id);
  }
  assert.equal(queue.overflowed, false);
  // The limit still holds for acknowledgements left unread.
  for (let id = 1; id <= 3; id++) queue.push({ id, event: ack(id) });
  assert.equal(queue.overflowed, false);
  queue.push({ id: 4, event: ack(4) });
  assert.equal(queue.overflowed, true);
});

Deno.test("ClientQueue.next waits, wakes on push, and times out empty", async () => {
  const queue = new ClientQueue();
  assert.equal(await queue.next(10), undefined);
  const waiting = queue.next(5_000);
  queue.push({ id: 9, event: alert(9) });
  assert.equal((await waiting)?.id, 9);
});
