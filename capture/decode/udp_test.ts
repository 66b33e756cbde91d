import assert from "node:assert/strict";
import { udpFrame } from "../frame_builder.ts";
import { assertPrefixesTruncated, decodeFrame, V4 } from "./test_helpers.ts";

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
