import assert from "node:assert/strict";
import {
  ETHER_TYPE,
  ethernetFrame,
  type Ipv4Options,
  ipv4Packet,
  tcpSegment,
  udpDatagram,
} from "../frame_builder.ts";
import { LINK_TYPE } from "../pcap_record.ts";
import {
  assertPrefixesTruncated,
  decodeFrame,
  hex,
  MACS,
} from "./test_helpers.ts";

const UDP = udpDatagram(
  { src: "192.0.2.1", dst: "198.51.100.7", srcPort: 40000, dstPort: 9999 },
  new Uint8Array(24),
);

function frame(options: Partial<Ipv4Options>, payload: Uint8Array = UDP) {
  return ethernetFrame(
    { ...MACS, etherType: ETHER_TYPE.IPV4 },
    ipv4Packet(
      { src: "192.0.2.1", dst: "198.51.100.7", protocol: 17, ...options },
      payload,
    ),
  );
}

Deno.test("decodePacket() reads every IPv4 header field", () => {
  const { packet, anomalies } = decodeFrame(frame({ ttl: 57 }));
  assert.deepEqual(
    [
      packet.network,
      packet.srcAddress,
      packet.dstAddress,
      packet.ipProtocol,
      packet.ttl,
      packet.ipLength,
      packet.fragment,
      packet.laterFragment,
      packet.transport,
      packet.truncated,
      packet.anomaly,
    ],
    [
      "ipv4",
      "192.0.2.1",
      "198.51.100.7",
      17,
      57,
      20 + UDP.length,
      false,
      false,
      "udp",
      false,
      "",
    ],
  );
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() skips IPv4 options (IHL > 5)", () => {
  // IHL 6: one 4-byte option (NOP NOP NOP EOL), total length 20 + 4 + 8.
  const ip = hex(
    "46000020 00010000 4011 0000 c0000201 c6336407 01010100" +
      "9c40 270f 0008 0000",
  );
  const { packet } = decodeFrame(ip, { linkType: LINK_TYPE.IPV4 });
  assert.deepEqual(
    [packet.transport, packet.srcPort, packet.dstPort, packet.payloadLength],
    ["udp", 40000, 9999, 0],
  );
});

Deno.test("decodePacket() skips IPsec Authentication Headers to the protected protocol", () => {
  // AH: next UDP, payload length 4 → 24 bytes (12 fixed + 12 ICV).
  const ah = hex("11 04 0000 00000100 00000001" + "ab".repeat(12));
  const withAh = new Uint8Array(ah.length + UDP.length);
  withAh.set(ah);
  withAh.set(UDP, ah.length);
  const ahFrame = frame({ protocol: 51 }, withAh);
  const { packet, anomalies } = decodeFrame(ahFrame);
  assert.deepEqual(
    [packet.ipProtocol, packet.transport, packet.dstPort, packet.payloadLength],
    [17, "udp", 9999, 24],
  );
  assert.equal(anomalies.total(), 0);
  assert.ok(assertPrefixesTruncated(ahFrame).has("ipv4_ah_truncated"));
});

Deno.test("decodePacket() decodes the transport of a first fragment only", () => {
  const first = decodeFrame(frame({ moreFragments: true, id: 9 })).packet;
  assert.deepEqual(
    [
      first.fragment,
      first.laterFragment,
      first.fragmentId,
      first.transport,
      first.dstPort,
    ],
    [true, false, 9, "udp", 9999],
  );
  // No fragment: no datagram identification to share.
  assert.equal(decodeFrame(frame({ id: 9 })).packet.fragmentId, -1);
  for (const moreFragments of [true, false]) {
    const { packet, anomalies } = decodeFrame(
      frame({ fragmentOffset: 185, moreFragments }, new Uint8Array(40)),
    );
    assert.deepEqual(
      [
        packet.network,
        packet.fragment,
        packet.laterFragment,
        packet.transport,
        packet.ipProtocol,
        packet.srcPort,
        packet.anomaly,
      ],
      ["ipv4", true, true, "none", 17, -1, ""],
    );
    assert.equal(anomalies.total(), 0);
  }
  const dontFragment = decodeFrame(frame({ dontFragment: true })).packet;
  assert.equal(dontFragment.fragment, false);
});

Deno.test("decodePacket() counts a bad IPv4 version, header length or total length", () => {
  const good = frame({});
  const cases: [offset: number, value: number, anomaly: string][] = [
    [14, 0x55, "ipv4_bad_version"],
    [14, 0x44, "ipv4_bad_header_length"],
    [14, 0x4f, "ipv4_bad_total_length"], // 60-byte header, 52-byte packet
    [17, 19, "ipv4_bad_total_length"],
  ];
  for (const [offset, value, anomaly] of cases) {
    const bad = good.slice();
    bad[offset] = value;
    const { packet, anomalies } = decodeFrame(bad);
    assert.equal(packet.anomaly, anomaly);
    assert.equal(anomalies.count(anomaly), 1);
    assert.equal(packet.network, "ipv4");
    assert.equal(packet.transport, "none");
  }
});

Deno.test("decodePacket() marks an IPv4 header cut inside its options truncated", () => {
  const options = frame({});
  options[14] = 0x46; // 24-byte header, 22 bytes captured
  const { packet, anomalies } = decodeFrame(options, {
    capturedLength: 14 + 22,
  });
  assert.deepEqual(
    [packet.truncated, packet.anomaly, packet.srcAddress, packet.transport],
    [true, "", "192.0.2.1", "none"],
  );
  assert.equal(anomalies.cutCount("ipv4_header_truncated"), 1);
});

Deno.test("decodePacket() tells a snap-length cut from a total length beyond the frame", () => {
  const full = frame({});
  const cut = decodeFrame(full, { capturedLength: 44 });
  assert.deepEqual(
    [cut.packet.truncated, cut.packet.anomaly, cut.packet.transport],
    [true, "", "udp"],
  );
  assert.deepEqual(
    [cut.anomalies.cutCount("ipv4_truncated"), cut.anomalies.total()],
    [1, 0],
  );
  assert.equal(cut.packet.payloadLength, 24); // from the headers, not the capture
  const lying = full.slice();
  lying[16] = 0x01; // total length 256 + 52 in a 66-byte frame
  const { packet } = decodeFrame(lying);
  assert.deepEqual(
    [packet.truncated, packet.anomaly],
    [true, "ipv4_total_length_exceeds_frame"],
  );
});

Deno.test("decodePacket() takes a zero total length (TSO) from the frame", () => {
  const tso = frame(
    { protocol: 6 },
    tcpSegment({
      src: "192.0.2.1",
      dst: "198.51.100.7",
      srcPort: 1,
      dstPort: 2,
      flags: 0x18,
    }, new Uint8Array(100)),
  );
  tso[16] = 0;
  tso[17] = 0;
  const { packet, anomalies } = decodeFrame(tso);
  assert.deepEqual(
    [packet.ipLength, packet.transport, packet.payloadLength],
    [140, "tcp", 100],
  );
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() ignores Ethernet padding after the IPv4 total length", () => {
  const padded = new Uint8Array(frame({}).length + 10);
  padded.set(frame({}));
  const { packet, anomalies } = decodeFrame(padded);
  assert.deepEqual([packet.ipLength, packet.payloadLength], [52, 24]);
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() marks every cut IPv4 frame truncated", () => {
  const names = assertPrefixesTruncated(frame({}));
  assert.ok(names.has("ipv4_header_truncated"));
  assert.ok(names.has("udp_header_truncated"));
});
