import assert from "node:assert/strict";
import { AnomalyCounter } from "./anomalies.ts";
import { decodeInto, decodePacket } from "./decode/mod.ts";
import { packetBetween, rawRecord, V4, V6 } from "./decode/test_helpers.ts";
import {
  addressTextOf,
  DecodedPacket,
  frameToGroup,
  keptText,
  plainPacket,
} from "./decoded_packet.ts";
import { arpFrame, dnsMessage, tcpFrame, udpFrame } from "./frame_builder.ts";
import { emptyPacketRecord, publicPacketFields } from "./packet_record.ts";

const ENDS = {
  srcMac: "0a:1b:2c:3d:4e:5f",
  dstMac: "f0:e1:d2:c3:b4:a5",
  src: "192.168.200.7",
  dst: "203.0.113.254",
};
const SYN = { srcPort: 40000, dstPort: 443, flags: 0x02 };

Deno.test("DecodedPacket formats its IPv4 addresses and MACs from numbers when read", () => {
  const packet = decodePacket(
    rawRecord(tcpFrame(ENDS, SYN)),
    new AnomalyCounter(),
  );
  assert.equal(packet.srcAddress, "192.168.200.7");
  assert.equal(packet.dstAddress, "203.0.113.254");
  assert.equal(packet.srcMac, "0a:1b:2c:3d:4e:5f");
  assert.equal(packet.dstMac, "f0:e1:d2:c3:b4:a5");
  assert.equal(packet.srcAddressKey, 0xc0a8c807);
  // A second read gives the same string.
  assert.equal(packet.srcAddress, "192.168.200.7");
});

Deno.test("DecodedPacket reads its own addresses after the capture buffer is overwritten", () => {
  const raw = rawRecord(tcpFrame(ENDS, SYN));
  const packet = decodePacket(raw, new AnomalyCounter());
  raw.bytes.fill(0); // the reader's chunk moves on
  assert.deepEqual(
    [packet.srcMac, packet.dstMac, packet.srcAddress, packet.dstAddress],
    [ENDS.srcMac, ENDS.dstMac, ENDS.src, ENDS.dst],
  );
});

Deno.test("DecodedPacket: a reused record never shows the previous packet's addresses", () => {
  const anomalies = new AnomalyCounter();
  const record = new DecodedPacket();
  decodeInto(record, rawRecord(tcpFrame(ENDS, SYN)), anomalies);
  assert.equal(record.srcAddress, ENDS.src);
  decodeInto(
    record,
    rawRecord(udpFrame(V6, SYN, new Uint8Array(4))),
    anomalies,
  );
  assert.deepEqual(
    [record.srcAddress, record.dstAddress, record.srcMac],
    [V6.src, V6.dst, V6.srcMac],
  );
  // A frame cut inside its Ethernet header has no MACs or addresses at all.
  decodeInto(
    record,
    rawRecord(tcpFrame(V4, SYN), { capturedLength: 10 }),
    anomalies,
  );
  assert.deepEqual(
    [record.srcMac, record.dstMac, record.srcAddress, record.dstAddress],
    ["", "", "", ""],
  );
  assert.equal(record.srcAddressKey, -1);
});

Deno.test("DecodedPacket: ARP addresses and assigned text read back as written", () => {
  const packet = decodePacket(
    rawRecord(arpFrame({
      operation: 1,
      senderMac: ENDS.srcMac,
      senderIp: "10.9.8.7",
      targetMac: "00:00:00:00:00:00",
      targetIp: "10.9.8.1",
    })),
    new AnomalyCounter(),
  );
  assert.deepEqual(
    [packet.srcAddress, packet.dstAddress, packet.arpSenderMac],
    ["10.9.8.7", "10.9.8.1", ENDS.srcMac],
  );
  packet.srcAddress = "10.0.0.99";
  packet.dstMac = "aa:aa:aa:aa:aa:aa";
  assert.equal(packet.srcAddress, "10.0.0.99");
  assert.equal(packet.dstMac, "aa:aa:aa:aa:aa:aa");
});

Deno.test("DecodedPacket keeps its own DNS name after later packets are decoded", () => {
  const anomalies = new AnomalyCounter();
  const dns = (name: string, response = false) =>
    rawRecord(
      udpFrame(
        ENDS,
        { srcPort: response ? 53 : 40000, dstPort: response ? 40000 : 53 },
        dnsMessage({ id: 7, name, qtype: 1, response }),
      ),
    );
  const kept = decodePacket(dns("First.Example.COM", true), anomalies);
  const reused = new DecodedPacket();
  const long = `${"x".repeat(63)}.${"y".repeat(63)}.example.org`;
  decodeInto(reused, dns(long), anomalies);
  assert.equal(kept.dnsQname, "first.example.com");
  assert.equal(reused.dnsQname, long);
  decodeInto(reused, dns("b.c"), anomalies);
  assert.equal(reused.dnsQname, "b.c");
  decodeInto(reused, rawRecord(tcpFrame(ENDS, SYN)), anomalies);
  assert.equal(reused.dnsQname, "");
  decodeInto(reused, dns("d.e"), anomalies);
  reused.dnsQname = "set.by.hand";
  assert.equal(reused.dnsQname, "set.by.hand");
  assert.equal(plainPacket(kept).dnsQname, "first.example.com");
  assert.equal(
    JSON.parse(JSON.stringify(publicPacketFields(kept))).dnsQname,
    "first.example.com",
  );
  assert.equal(anomalies.total(), 0);
});

Deno.test("plainPacket() copies every field, the lazy ones too, as own properties", () => {
  const packet = decodePacket(
    rawRecord(tcpFrame(ENDS, SYN)),
    new AnomalyCounter(),
  );
  // The accessors are not own properties: a spread or JSON would drop them.
  assert.equal(Object.hasOwn({ ...packet }, "srcAddress"), false);
  const plain = plainPacket(packet);
  assert.deepEqual(
    Object.keys(plain).sort(),
    Object.keys(emptyPacketRecord()).sort(),
  );
  assert.equal(Object.getPrototypeOf(plain), Object.prototype);
  const json = JSON.parse(JSON.stringify(publicPacketFields(packet)));
  assert.deepEqual(
    [json.srcAddress, json.dstAddress, json.srcMac, json.dstMac],
    [ENDS.src, ENDS.dst, ENDS.srcMac, ENDS.dstMac],
  );
  assert.equal("srcAddressKey" in json, false);
});

Deno.test("keptText() keeps no text for IPv4, and addressTextOf() gives every address back", () => {
  for (
    const [src, dst] of [["10.1.2.3", "2001:db8::7"], ["fe80::1", "0.0.0.0"]]
  ) {
    const packet = packetBetween(src!, dst!);
    const srcKept = keptText(packet.srcAddressKey, packet, true);
    const dstKept = keptText(packet.dstAddressKey, packet, false);
    assert.equal(srcKept === "", src!.includes("."));
    assert.equal(dstKept === "", dst!.includes("."));
    assert.equal(addressTextOf(packet.srcAddressKey, srcKept), src);
    assert.equal(addressTextOf(packet.dstAddressKey, dstKept), dst);
  }
  assert.equal(addressTextOf(-1, ""), "");
});

Deno.test("frameToGroup() tells group, unicast and absent destination MACs, decoded or plain", () => {
  const frameTo = (dstMac: string) =>
    decodePacket(
      rawRecord(tcpFrame({ ...ENDS, dstMac }, SYN)),
      new AnomalyCounter(),
    );
  const broadcast = frameTo("ff:ff:ff:ff:ff:ff");
  assert.equal(frameToGroup(broadcast), true);
  assert.equal(frameToGroup(frameTo("01:00:5e:00:00:01")), true);
  assert.equal(frameToGroup(frameTo("33:33:00:00:00:01")), true);
  assert.equal(frameToGroup(frameTo(ENDS.dstMac)), false);
  assert.equal(frameToGroup(frameTo("02:00:00:00:00:01")), false);
  // Before and after its text is made, and once text is assigned.
  assert.equal(broadcast.dstMac, "ff:ff:ff:ff:ff:ff");
  assert.equal(frameToGroup(broadcast), true);
  broadcast.dstMac = "52:54:00:12:35:02";
  assert.equal(frameToGroup(broadcast), false);
  broadcast.dstMac = "";
  assert.equal(frameToGroup(broadcast), null);
  // A plain record reads its text.
  assert.equal(frameToGroup(emptyPacketRecord()), null);
  assert.equal(
    frameToGroup({ ...emptyPacketRecord(), dstMac: "FF:FF:FF:FF:FF:FF" }),
    true,
  );
  assert.equal(
    frameToGroup({ ...emptyPacketRecord(), dstMac: ENDS.dstMac }),
    false,
  );
});
