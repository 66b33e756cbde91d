import assert from "node:assert/strict";
import { tcpFrame, tcpSegment } from "../frame_builder.ts";
import { TCP_FLAGS_FRAGMENTED, TCP_HEADER_FRAGMENTED } from "./tcp.ts";
import { TCP_FLAGS } from "../packet_record.ts";
import {
  assertPrefixesTruncated,
  decodeFrame,
  firstFragmentFrame,
  V4,
  V6,
} from "./test_helpers.ts";

Deno.test("decodePacket() reads every TCP header field", () => {
  const frame = tcpFrame(V4, {
    srcPort: 51000,
    dstPort: 443,
    flags: TCP_FLAGS.SYN | TCP_FLAGS.ECE | TCP_FLAGS.CWR,
    seq: 0xfffffff0,
    ack: 0x80000001,
    window: 29200,
  });
  const { packet, anomalies } = decodeFrame(frame);
  assert.deepEqual(
    [
      packet.transport,
      packet.srcPort,
      packet.dstPort,
      packet.tcpFlags,
      packet.tcpSeq,
      packet.tcpAck,
      packet.tcpWindow,
      packet.payloadLength,
      packet.app,
    ],
    ["tcp", 51000, 443, 0xc2, 0xfffffff0, 0x80000001, 29200, 0, ""],
  );
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() reads TCP over IPv6 with a payload", () => {
  const payload = new TextEncoder().encode("hello, world");
  const frame = tcpFrame(V6, {
    srcPort: 1,
    dstPort: 2,
    flags: TCP_FLAGS.PSH | TCP_FLAGS.ACK,
  }, payload);
  const { packet } = decodeFrame(frame);
  assert.deepEqual(
    [packet.network, packet.transport, packet.tcpFlags, packet.payloadLength],
    ["ipv6", "tcp", 0x18, 12],
  );
});

Deno.test("decodePacket() takes the TCP payload length from the IP header, not the capture", () => {
  const frame = tcpFrame(V4, {
    srcPort: 80,
    dstPort: 40000,
    flags: TCP_FLAGS.ACK,
  }, new Uint8Array(1400));
  const { packet, anomalies } = decodeFrame(frame, { capturedLength: 96 });
  assert.deepEqual(
    [packet.payloadLength, packet.truncated, packet.anomaly],
    [1400, true, ""],
  );
  assert.equal(anomalies.cutCount("ipv4_truncated"), 1);
});

Deno.test("decodePacket() skips TCP options and counts a bad data offset", () => {
  const frame = tcpFrame(
    V4,
    { srcPort: 1, dstPort: 2, flags: 0x18 },
    new Uint8Array(12),
  );
  frame[46] = 8 << 4; // 32-byte header: 12 bytes of "options"
  const withOptions = decodeFrame(frame).packet;
  assert.deepEqual([withOptions.payloadLength, withOptions.anomaly], [0, ""]);
  frame[46] = 4 << 4;
  const short = decodeFrame(frame).packet;
  assert.deepEqual(
    [short.transport, short.anomaly, short.srcPort],
    ["tcp", "tcp_bad_header_length", 1],
  );
  frame[46] = 15 << 4; // 60 bytes in a 32-byte segment
  assert.equal(decodeFrame(frame).packet.anomaly, "tcp_bad_header_length");
});

Deno.test("decodePacket() marks every cut TCP frame truncated", () => {
  for (const ends of [V4, V6]) {
    const frame = tcpFrame(ends, {
      srcPort: 1,
      dstPort: 2,
      flags: TCP_FLAGS.SYN,
    }, new Uint8Array(5));
    const names = assertPrefixesTruncated(frame);
    assert.ok(names.has("tcp_header_truncated"));
  }
});

Deno.test("decodePacket() reads what a first IP fragment holds of a TCP header split across fragments, and names it", () => {
  const syn = tcpSegment({
    src: V4.src,
    dst: V4.dst,
    srcPort: 41000,
    dstPort: 80,
    flags: TCP_FLAGS.SYN,
    window: 1024,
  });
  // hping3 -f: 16 bytes, the flags and window in them; nmap -f: 8 bytes,
  // ports and sequence number only.
  const cases: [number, number, number, string][] = [
    [16, TCP_FLAGS.SYN, 1024, TCP_HEADER_FRAGMENTED],
    [14, TCP_FLAGS.SYN, 0, TCP_HEADER_FRAGMENTED],
    [13, 0, 0, TCP_FLAGS_FRAGMENTED],
    [8, 0, 0, TCP_FLAGS_FRAGMENTED],
  ];
  for (const [bytes, flags, window, anomaly] of cases) {
    const { packet, anomalies } = decodeFrame(
      firstFragmentFrame(6, syn, bytes),
    );
    assert.deepEqual(
      [
        packet.transport,
        packet.srcPort,
        packet.dstPort,
        packet.tcpFlags,
        packet.tcpWindow,
        packet.anomaly,
        packet.truncated,
      ],
      ["tcp", 41000, 80, flags, window, anomaly, false],
      String(bytes),
    );
    assert.equal(anomalies.count(anomaly), 1);
  }
  // A whole header in the first fragment: an ordinary segment.
  const whole = decodeFrame(firstFragmentFrame(6, syn, 24)).packet;
  assert.deepEqual([whole.tcpFlags, whole.anomaly], [TCP_FLAGS.SYN, ""]);
  // A 24-byte header (data offset 6) whose first fragment ends inside its
  // options: split too, its flags read.
  const withOptions = syn.slice();
  withOptions[12] = 6 << 4;
  const inOptions = decodeFrame(firstFragmentFrame(6, withOptions, 20)).packet;
  assert.deepEqual(
    [inOptions.tcpFlags, inOptions.anomaly],
    [TCP_FLAGS.SYN, TCP_HEADER_FRAGMENTED],
  );
  // The same 16 bytes in no fragment: a segment too short, not a split one.
  const short = tcpFrame(V4, { srcPort: 1, dstPort: 2, flags: 0 });
  const ipv4 = 14;
  const cut = short.slice(0, ipv4 + 20 + 16);
  cut[ipv4 + 3] = 20 + 16; // IPv4 total length
  assert.equal(decodeFrame(cut).packet.anomaly, "tcp_bad_length");
  // A first fragment that holds the whole header, cut by the snap length
  // inside it: a cut capture, not a split header.
  const snapCut = decodeFrame(firstFragmentFrame(6, syn, 24), {
    capturedLength: 14 + 20 + 16,
  });
  assert.deepEqual(
    [
      snapCut.anomalies.cutCount("tcp_header_truncated"),
      snapCut.anomalies.count(TCP_HEADER_FRAGMENTED),
      snapCut.packet.truncated,
    ],
    [1, 0, true],
  );
});
