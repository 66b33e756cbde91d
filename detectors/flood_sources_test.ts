import assert from "node:assert/strict";
import { addressKey } from "../capture/decode/address_key.ts";
import { AddressSample } from "./address_sample.ts";
import { floodAttacker, floodFromText, floodLeader } from "./flood_sources.ts";
import { TopKeys } from "./top_keys.ts";
import { udpPacket } from "./test_packets.ts";

/** A summary and map of `counts` packets from each of the given IPv4 sources. */
function sourcesOf(counts: Record<string, number>) {
  const top = new TopKeys(4);
  const distinct = new AddressSample(4_096, 20);
  let total = 0;
  for (const [address, count] of Object.entries(counts)) {
    const packet = udpPacket({
      atUs: 0,
      src: address,
      dst: "192.0.2.1",
      srcPort: 1,
      dstPort: 9,
    });
    for (let i = 0; i < count; i++) {
      top.add(addressKey(address));
      distinct.add(addressKey(address), packet, true);
      total++;
    }
  }
  return { top, distinct, total };
}

Deno.test("floodLeader names the top source with its certain share; a dominant one is the attacker", () => {
  const { top, distinct, total } = sourcesOf({
    "10.0.0.1": 90,
    "10.0.0.2": 10,
  });
  const leader = floodLeader(top, total);
  assert.deepEqual(leader, { count: 90, share: 0.9, text: "10.0.0.1" });
  const attacker = floodAttacker(leader, true);
  assert.equal(attacker, "10.0.0.1");
  assert.deepEqual(floodFromText(attacker, leader, true, distinct, total), {
    from: "from 10.0.0.1",
    sources: 2,
  });
  assert.equal(floodAttacker(leader, false), "");
});

Deno.test("a dominant source that can only be spoofed is told as spoofed; one packet a source names none", () => {
  const { top, distinct, total } = sourcesOf({ "224.0.0.1": 50 });
  const leader = floodLeader(top, total);
  assert.equal(floodAttacker(leader, true), "");
  assert.equal(
    floodFromText("", leader, true, distinct, total).from,
    "from 224.0.0.1, a spoofed source",
  );
  const spoofed: Record<string, number> = {};
  for (let i = 0; i < 300; i++) spoofed[`10.1.${i >>> 8}.${i & 255}`] = 1;
  const many = sourcesOf(spoofed);
  const none = floodLeader(many.top, many.total);
  assert.equal(none.text, "");
  assert.match(
    floodFromText("", none, false, many.distinct, many.total).from,
    /^from about \d+ sources$/,
  );
});

Deno.test("a full source map says more than its estimate", () => {
  const distinct = new AddressSample(64, 4);
  const packet = udpPacket({
    atUs: 0,
    src: "10.0.0.1",
    dst: "192.0.2.1",
    srcPort: 1,
    dstPort: 9,
  });
  for (let i = 0; i < 5_000; i++) distinct.add(i + 1, packet, true);
  assert.equal(distinct.isFull(), true);
  const top = new TopKeys(4);
  const text =
    floodFromText("", floodLeader(top, 5_000), false, distinct, 5_000).from;
  assert.match(text, /^from more than \d+ sources$/);
});
