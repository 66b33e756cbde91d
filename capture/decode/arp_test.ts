import assert from "node:assert/strict";
import { arpFrame, ETHER_TYPE, ethernetFrame } from "../frame_builder.ts";
import { LINK_TYPE } from "../pcap_record.ts";
import { assertPrefixesTruncated, decodeFrame, hex } from "./test_helpers.ts";

const REQUEST = {
  operation: 1,
  senderMac: "00:11:22:33:44:55",
  senderIp: "192.168.1.10",
  targetMac: "00:00:00:00:00:00",
  targetIp: "192.168.1.1",
};

Deno.test("decodePacket() reads an ARP request", () => {
  const { packet, anomalies } = decodeFrame(arpFrame(REQUEST));
  assert.deepEqual(
    [
      packet.network,
      packet.transport,
      packet.etherType,
      packet.arpOperation,
      packet.arpSenderMac,
      packet.arpTargetMac,
      packet.srcAddress,
      packet.dstAddress,
      packet.srcMac,
      packet.dstMac,
      packet.ipProtocol,
    ],
    [
      "arp",
      "none",
      0x0806,
      1,
      "00:11:22:33:44:55",
      "00:00:00:00:00:00",
      "192.168.1.10",
      "192.168.1.1",
      "00:11:22:33:44:55",
      "ff:ff:ff:ff:ff:ff",
      -1,
    ],
  );
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() reads an ARP reply in a VLAN and after Linux SLL", () => {
  const reply = {
    operation: 2,
    senderMac: "00:aa:bb:cc:dd:ee",
    senderIp: "10.1.2.3",
    targetMac: "00:11:22:33:44:55",
    targetIp: "10.1.2.4",
  };
  const body = arpFrame(reply).subarray(14);
  const tagged = ethernetFrame({
    srcMac: reply.senderMac,
    dstMac: reply.targetMac,
    etherType: ETHER_TYPE.ARP,
    vlanIds: [10, 20],
  }, body);
  const p = decodeFrame(tagged).packet;
  assert.deepEqual(
    [p.vlanId, p.arpOperation, p.srcAddress, p.arpSenderMac],
    [20, 2, "10.1.2.3", "00:aa:bb:cc:dd:ee"],
  );
  const sll = new Uint8Array(16 + body.length);
  sll.set(hex("0000 0001 0006 00aabbccddee 0000 0806"));
  sll.set(body, 16);
  const s = decodeFrame(sll, { linkType: LINK_TYPE.LINUX_SLL }).packet;
  assert.deepEqual(
    [s.network, s.arpOperation, s.dstAddress],
    ["arp", 2, "10.1.2.4"],
  );
});

Deno.test("decodePacket() counts ARP with other address sizes, keeping the operation", () => {
  // Hardware length 8 (e.g. a 64-bit EUI), protocol IPv4.
  const body = hex(
    "0001 0800 08 04 0001 0011223344556677 c0a80101 0000000000000000 c0a80102",
  );
  const frame = ethernetFrame({
    srcMac: "00:11:22:33:44:55",
    dstMac: "ff:ff:ff:ff:ff:ff",
    etherType: ETHER_TYPE.ARP,
  }, body);
  const { packet } = decodeFrame(frame);
  assert.deepEqual(
    [packet.network, packet.arpOperation, packet.srcAddress, packet.anomaly],
    ["arp", 1, "", "arp_unsupported_addresses"],
  );
});

Deno.test("decodePacket() marks every cut ARP frame truncated", () => {
  const names = assertPrefixesTruncated(arpFrame(REQUEST));
  assert.ok(names.has("arp_truncated"));
  // A hardware length larger than the packet.
  const long = arpFrame(REQUEST);
  long[18] = 200;
  const { packet } = decodeFrame(long);
  assert.deepEqual([packet.arpOperation, packet.anomaly], [1, "arp_truncated"]);
});
