import assert from "node:assert/strict";
import { floodAttacker, FloodSources } from "./flood_sources.ts";
import { udpPacket } from "./test_packets.ts";

/** The sources of `counts` packets from each of the given IPv4 sources, and their total. */
function sourcesOf(counts: Record<string, number>) {
  const sources = new FloodSources();
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
      sources.add(packet);
      total++;
    }
  }
  return { sources, total };
}

Deno.test("FloodSources names the top source with its certain share; a dominant one is the attacker", () => {
  const { sources, total } = sourcesOf({ "10.0.0.1": 90, "10.0.0.2": 10 });
  const leader = sources.leader(total);
  assert.deepEqual(leader, { count: 90, share: 0.9, text: "10.0.0.1" });
  const attacker = floodAttacker(leader, true);
  assert.equal(attacker, "10.0.0.1");
  assert.deepEqual(sources.fromText(attacker, leader, true, total), {
    from: "from 10.0.0.1",
    sources: 2,
  });
  assert.equal(floodAttacker(leader, false), "");
  assert.deepEqual(sources.distinct.samples(), ["10.0.0.1", "10.0.0.2"]);
});

Deno.test("a dominant source that can only be spoofed is told as spoofed; one packet a source names none", () => {
  const { sources, total } = sourcesOf({ "224.0.0.1": 50 });
  const leader = sources.leader(total);
  assert.equal(floodAttacker(leader, true), "");
  assert.equal(
    sources.fromText("", leader, true, total).from,
    "from 224.0.0.1, a spoofed source",
  );
  const spoofed: Record<string, number> = {};
  for (let i = 0; i < 300; i++) spoofed[`10.1.${i >>> 8}.${i & 255}`] = 1;
  const many = sourcesOf(spoofed);
  const none = many.sources.leader(many.total);
  assert.equal(none.text, "");
  assert.match(
    many.sources.fromText("", none, false, many.total).from,
    /^from about \d+ sources$/,
  );
});

Deno.test("a full source map says more than its estimate; clear forgets every source", () => {
  const spoofed: Record<string, number> = {};
  for (let i = 0; i < 60_000; i++) {
    spoofed[`${11 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.7`] = 1;
  }
  const { sources, total } = sourcesOf(spoofed);
  assert.equal(sources.distinct.isFull(), true);
  const text = sources.fromText("", sources.leader(total), false, total).from;
  assert.match(text, /^from more than \d+ sources$/);
  sources.clear();
  assert.equal(sources.distinct.isFull(), false);
  assert.equal(sources.leader(0).count, 0);
  assert.deepEqual(sources.distinct.samples(), []);
});
