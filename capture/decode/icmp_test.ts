import assert from "node:assert/strict";
import {
  icmpFrame,
  ipv4Packet,
  ipv6Packet,
  tcpSegment,
  udpDatagram,
} from "../frame_builder.ts";
import {
  assertPrefixesTruncated,
  decodeFrame,
  hex,
  V4,
  V6,
} from "./test_helpers.ts";

Deno.test("decodePacket() reads ICMP echo type, code, id and sequence", () => {
  const frame = icmpFrame(
    V4,
    { type: 8, id: 0x1234, seq: 7 },
    new Uint8Array(56),
  );
  const { packet, anomalies } = decodeFrame(frame);
  assert.deepEqual(
    [
      packet.transport,
      packet.icmpType,
      packet.icmpCode,
      packet.icmpId,
      packet.icmpSeq,
      packet.payloadLength,
      packet.srcPort,
      packet.quotedProtocol,
    ],
    ["icmp", 8, 0, 0x1234, 7, 56, -1, -1],
  );
  assert.equal(anomalies.total(), 0);
  const reply = decodeFrame(icmpFrame(V4, { type: 0, id: 1, seq: 2 })).packet;
  assert.deepEqual([reply.icmpType, reply.icmpId, reply.icmpSeq], [0, 1, 2]);
});

Deno.test("decodePacket() reads ICMPv6 echo", () => {
  const frame = icmpFrame(V6, { type: 129, id: 99, seq: 3 });
  const { packet } = decodeFrame(frame);
  assert.deepEqual(
    [
      packet.network,
      packet.transport,
      packet.icmpType,
      packet.icmpId,
      packet.icmpSeq,
    ],
    ["ipv6", "icmpv6", 129, 99, 3],
  );
  const ns =
    decodeFrame(icmpFrame(V6, { type: 135 }, new Uint8Array(16))).packet;
  assert.deepEqual([ns.icmpType, ns.icmpId, ns.quotedProtocol], [135, -1, -1]);
});

Deno.test("decodePacket() reads the UDP header quoted by a port unreachable", () => {
  const probe = ipv4Packet(
    { src: "10.0.0.2", dst: "10.0.0.9", protocol: 17 },
    udpDatagram({
      src: "10.0.0.2",
      dst: "10.0.0.9",
      srcPort: 33434,
      dstPort: 161,
    }, new Uint8Array(4)),
  );
  const frame = icmpFrame(V4, { type: 3, code: 3 }, probe);
  const { packet, anomalies } = decodeFrame(frame);
  assert.deepEqual(
    [
      packet.transport,
      packet.icmpType,
      packet.icmpCode,
      packet.quotedProtocol,
      packet.quotedDstAddress,
      packet.quotedDstPort,
      packet.srcPort,
      packet.icmpId,
    ],
    ["icmp", 3, 3, 17, "10.0.0.9", 161, -1, -1],
  );
  assert.equal(anomalies.total(), 0);
  // RFC 792 quotes only 8 bytes of the datagram: the ports are in them.
  const short = icmpFrame(V4, { type: 11 }, probe.subarray(0, 28));
  const s = decodeFrame(short).packet;
  assert.deepEqual([s.icmpType, s.quotedProtocol, s.quotedDstPort], [
    11,
    17,
    161,
  ]);
  assertPrefixesTruncated(frame);
});

Deno.test("decodePacket() reads the TCP header quoted by an ICMPv6 error behind extension headers", () => {
  const segment = tcpSegment({
    src: "2001:db8::2",
    dst: "2001:db8::80",
    srcPort: 40000,
    dstPort: 8080,
    flags: 2,
  });
  // Quoted packet: IPv6 → destination options (8 bytes) → TCP.
  const quoted = ipv6Packet(
    { src: "2001:db8::2", dst: "2001:db8::80", nextHeader: 60 },
    new Uint8Array([...hex("06 00 0104 00000000"), ...segment]),
  );
  for (const type of [1, 2, 3, 4]) {
    const frame = icmpFrame(V6, { type, code: 4 }, quoted);
    const { packet } = decodeFrame(frame);
    assert.deepEqual(
      [
        packet.transport,
        packet.icmpType,
        packet.quotedProtocol,
        packet.quotedDstAddress,
        packet.quotedDstPort,
      ],
      ["icmpv6", type, 6, "2001:db8::80", 8080],
    );
  }
});

Deno.test("decodePacket() leaves the quoted port out for a quoted later fragment", () => {
  const fragment = ipv4Packet(
    { src: "10.0.0.2", dst: "10.0.0.9", protocol: 17, fragmentOffset: 100 },
    new Uint8Array(8).fill(0x35),
  );
  const { packet } = decodeFrame(
    icmpFrame(V4, { type: 11, code: 1 }, fragment),
  );
  assert.deepEqual([packet.quotedProtocol, packet.quotedDstPort], [17, -1]);
});

Deno.test("decodePacket() counts an ICMP error without a quoted header", () => {
  const { packet, anomalies } = decodeFrame(
    icmpFrame(V4, { type: 3, code: 1 }, hex("4500")),
  );
  assert.deepEqual([packet.anomaly, packet.truncated, packet.quotedProtocol], [
    "icmp_quote_too_short",
    false,
    -1,
  ]);
  assert.equal(anomalies.count("icmp_quote_too_short"), 1);
});

Deno.test("decodePacket() marks every cut ICMP and ICMPv6 frame truncated", () => {
  for (const ends of [V4, V6]) {
    const frame = icmpFrame(ends, {
      type: ends === V4 ? 8 : 128,
      id: 1,
      seq: 1,
    });
    assert.ok(assertPrefixesTruncated(frame).has("icmp_header_truncated"));
  }
});
