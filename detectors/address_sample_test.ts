import assert from "node:assert/strict";
import { AddressSample } from "./address_sample.ts";
import { udpPacket } from "./test_packets.ts";

const packet = udpPacket({
  atUs: 0,
  src: "192.0.2.1",
  dst: "198.51.100.1",
  srcPort: 53,
  dstPort: 80,
});

Deno.test("AddressSample counts distinct addresses, keeps the first samples, and clears", () => {
  const sample = new AddressSample(4_096, 3);
  const keys = [0xc0000201, 0xc0000202, 0xc0000203, 0xc0000204];
  assert.equal(sample.add(keys[0]!, packet, true), true);
  assert.equal(sample.add(keys[0]!, packet, true), false); // seen
  for (const key of keys.slice(1)) sample.add(key, packet, true);
  assert.equal(sample.bitsSet, 4);
  assert.equal(sample.estimate(), 4);
  assert.deepEqual(sample.samples(), ["192.0.2.1", "192.0.2.2", "192.0.2.3"]);
  sample.clear();
  assert.equal(sample.bitsSet, 0);
  assert.deepEqual(sample.samples(), []);
  assert.equal(sample.add(keys[3]!, packet, true), true); // its bit cleared too
});

Deno.test("AddressSample estimates many addresses within a few per cent", () => {
  const sample = new AddressSample(4_096, 20);
  for (let i = 0; i < 3_000; i++) sample.add(0x0a000000 + i, packet, true);
  const estimate = sample.estimate();
  assert.ok(Math.abs(estimate - 3_000) < 150, `${estimate}`);
  assert.equal(sample.samples().length, 20);
});
