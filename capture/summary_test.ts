import assert from "node:assert/strict";
import { udpFrame } from "./frame_builder.ts";
import { decodeFrame } from "./decode/test_helpers.ts";
import { CaptureSummary } from "./summary.ts";

const FRAME = udpFrame(
  {
    src: "192.0.2.1",
    dst: "192.0.2.2",
    srcMac: "02:00:00:00:00:01",
    dstMac: "02:00:00:00:00:02",
  },
  { srcPort: 4000, dstPort: 5000 },
  new Uint8Array(200),
);

Deno.test("CaptureSummary counts packets cut by the snap length, not headers that claim more than their whole frame", () => {
  const summary = new CaptureSummary();
  // Cut: 60 of its bytes captured.
  summary.add(decodeFrame(FRAME, { capturedLength: 60 }).packet);
  // Whole, and whole again with an IP total length past its end (damage).
  summary.add(decodeFrame(FRAME).packet);
  const lying = FRAME.slice();
  lying[16] = 0x09; // total length 2 304 + …, in a 242-byte frame
  const damaged = decodeFrame(lying).packet;
  assert.equal(damaged.anomaly, "ipv4_total_length_exceeds_frame");
  summary.add(damaged);
  assert.equal(summary.toJSON().truncatedPackets, 1);
});
