import assert from "node:assert/strict";
import { RecentAcks } from "./recent_acks.ts";

const PROBER = 0x0a000042; // 10.0.0.66 as an address key
const HOST = 0x0a000005;

Deno.test("RecentAcks matches the reset that answers a noted ACK, once", () => {
  const acks = new RecentAcks();
  acks.note(PROBER, 40000, HOST, 80, 0xdeadbeef);
  // The reset comes back the other way, its sequence number the ACK's
  // acknowledgment number (given as an unsigned or a signed 32-bit number).
  assert.equal(acks.answers(PROBER, 40000, HOST, 80, 0xdeadbeef | 0), true);
  assert.equal(acks.answers(PROBER, 40000, HOST, 80, 0xdeadbeef), false);
});

Deno.test("RecentAcks tells other tuples and other numbers apart", () => {
  const acks = new RecentAcks();
  acks.note(PROBER, 40000, HOST, 80, 1234);
  assert.equal(acks.answers(PROBER, 40000, HOST, 80, 1235), false);
  assert.equal(acks.answers(PROBER, 40001, HOST, 80, 1234), false);
  assert.equal(acks.answers(PROBER, 40000, HOST, 81, 1234), false);
  assert.equal(acks.answers(HOST, 80, PROBER, 40000, 1234), false);
  assert.equal(acks.answers(PROBER, 40000, HOST, 80, 1234), true);
  // Nothing noted: nothing answers, not even sequence number 0.
  assert.equal(new RecentAcks().answers(0, 0, 0, 0, 0), false);
});

Deno.test("RecentAcks keeps the last ACKs of a busy link, within its fixed size", () => {
  const acks = new RecentAcks(4); // 16 slots
  for (let port = 1; port <= 1000; port++) {
    acks.note(PROBER, 40000, HOST, port, port);
  }
  let answered = 0;
  for (let port = 1; port <= 1000; port++) {
    if (acks.answers(PROBER, 40000, HOST, port, port)) answered++;
  }
  // At most one per slot survives, and only the newest ones.
  assert.ok(answered > 0 && answered <= 16, `${answered}`);
  assert.equal(acks.answers(PROBER, 40000, HOST, 1, 1), false);
});
