import assert from "node:assert/strict";
import { tcpFrame } from "../frame_builder.ts";
import { TCP_FLAGS } from "../packet_record.ts";
import {
  assertPrefixesTruncated,
  decodeFrame,
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
  const { packet } = decodeFrame(frame, { capturedLength: 96 });
  assert.deepEqual(
    [packet.payloadLength, packet.truncated, packet.anomaly],
    [1400, true, "ipv4_truncated"],
  );
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
