import assert from "node:assert/strict";
import { dnsMessage, udpFrame } from "../capture/frame_builder.ts";
import { decodeFrame, hex, MACS } from "../capture/decode/test_helpers.ts";
import { packetInfo } from "./packet_row.ts";

const V4 = { ...MACS, src: "10.0.0.1", dst: "10.0.0.53" };

function udpTo53(payload: Uint8Array) {
  return decodeFrame(udpFrame(V4, { srcPort: 40000, dstPort: 53 }, payload))
    .packet;
}

Deno.test("packetInfo() names DNS messages, and another protocol on port 53 as not DNS", () => {
  assert.equal(
    packetInfo(udpTo53(dnsMessage({ id: 7, name: "example.com", qtype: 1 }))),
    "DNS query example.com type 1",
  );
  // iodine's raw data header (10 d1 9e 20) reads as opcode 3.
  assert.equal(
    packetInfo(
      udpTo53(hex("10d19e2078da6360e06070656008b9fec581c1810a0b0c0d")),
    ),
    "40000 → 53 not DNS (opcode 3), len 24",
  );
  // A header whose question's first label has a reserved length type.
  assert.equal(
    packetInfo(
      udpTo53(
        hex("beef01000001000000000000416100 00010001".replaceAll(" ", "")),
      ),
    ),
    "40000 → 53 not DNS (no readable question), len 19",
  );
});
