import assert from "node:assert/strict";
import { udpDatagram, udpFrame } from "../frame_builder.ts";
import {
  assertPrefixesTruncated,
  decodeFrame,
  firstFragmentFrame,
  V4,
} from "./test_helpers.ts";

Deno.test("decodePacket() reads UDP ports and payload length", () => {
  const frame = udpFrame(V4, { srcPort: 68, dstPort: 67 }, new Uint8Array(300));
  const { packet, anomalies } = decodeFrame(frame);
  assert.deepEqual(
    [
      packet.transport,
      packet.srcPort,
      packet.dstPort,
      packet.payloadLength,
      packet.app,
    ],
    ["udp", 68, 67, 300, ""],
  );
  assert.equal(anomalies.total(), 0);
  const cut = decodeFrame(frame, { capturedLength: 60 }).packet;
  assert.deepEqual([cut.payloadLength, cut.truncated], [300, true]);
});

Deno.test("decodePacket() counts a UDP length that disagrees with the IP length", () => {
  const frame = udpFrame(V4, { srcPort: 1, dstPort: 2 }, new Uint8Array(20));
  const long = frame.slice();
  long[39] = 200; // UDP length 200 > 28
  const p = decodeFrame(long).packet;
  assert.deepEqual([p.anomaly, p.payloadLength], ["udp_length_exceeds_ip", 20]);
  const short = frame.slice();
  short[39] = 4;
  const q = decodeFrame(short).packet;
  assert.deepEqual([q.anomaly, q.payloadLength], ["udp_bad_length", 20]);
  const smaller = frame.slice();
  smaller[39] = 18; // shorter than the IP says: trust UDP
  assert.equal(decodeFrame(smaller).packet.payloadLength, 10);
});

Deno.test("decodePacket() marks every cut UDP frame truncated", () => {
  const frame = udpFrame(V4, { srcPort: 1, dstPort: 2 }, new Uint8Array(3));
  assert.ok(assertPrefixesTruncated(frame).has("udp_header_truncated"));
});

Deno.test("decodePacket() takes a first IP fragment's UDP length, longer than the fragment, for no anomaly", () => {
  const datagram = udpDatagram(
    { src: V4.src, dst: V4.dst, srcPort: 53, dstPort: 40000 },
    new Uint8Array(3000),
  );
  const first = firstFragmentFrame(17, datagram, 1480);
  const { packet, anomalies } = decodeFrame(first);
  assert.deepEqual(
    [packet.fragment, packet.srcPort, packet.payloadLength, packet.anomaly],
    [true, 53, 1472, ""],
  );
  assert.equal(anomalies.total(), 0);
});
