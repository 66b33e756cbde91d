import assert from "node:assert/strict";
import { AnomalyCounter } from "../anomalies.ts";
import {
  dnsMessage,
  icmpFrame,
  ipv4Packet,
  tcpFrame,
  txtRdata,
  udpDatagram,
  udpFrame,
} from "../frame_builder.ts";
import { DecodedPacket, plainPacket } from "../decoded_packet.ts";
import { emptyPacketRecord } from "../packet_record.ts";
import { LINK_TYPE } from "../pcap_record.ts";
import { decodeInto, decodePacket } from "./mod.ts";
import {
  arpRequestFrame,
  concat,
  firstFragmentFrame,
  rawRecord,
  V4,
  V6,
  xorshift32,
} from "./test_helpers.ts";

/** One frame of each kind the decoders handle. */
const FRAMES: Uint8Array[] = [
  tcpFrame(
    V4,
    { srcPort: 1, dstPort: 80, flags: 0x18 },
    new TextEncoder().encode("GET / HTTP/1.1\r\n"),
  ),
  tcpFrame(V6, { srcPort: 1, dstPort: 443, flags: 0x02 }),
  udpFrame(
    V4,
    { srcPort: 5353, dstPort: 5353 },
    dnsMessage({ id: 1, name: "a.local", qtype: 1 }),
  ),
  udpFrame(
    V6,
    { srcPort: 53, dstPort: 9 },
    dnsMessage({
      id: 2,
      name: "b.example",
      qtype: 28,
      response: true,
      answers: ["192.0.2.1"],
    }),
  ),
  icmpFrame(V4, { type: 8, id: 1, seq: 1 }),
  icmpFrame(
    V4,
    { type: 3, code: 3 },
    ipv4Packet(
      { src: "10.0.0.2", dst: "10.0.0.3", protocol: 17 },
      udpDatagram(
        { src: "10.0.0.2", dst: "10.0.0.3", srcPort: 7, dstPort: 53 },
        new Uint8Array(4),
      ),
    ),
  ),
  icmpFrame(V6, { type: 128, id: 1, seq: 1 }),
  arpRequestFrame(),
  // The first IP fragment of a 3 000-byte DNS response.
  firstFragmentFrame(
    17,
    udpDatagram(
      { src: V4.src, dst: V4.dst, srcPort: 53, dstPort: 40000 },
      concat(
        dnsMessage({ id: 3, name: "c.example", qtype: 16, response: true }),
        new Uint8Array(3000),
      ),
    ),
    1480,
  ),
  // A response whose TXT answer carries 40 characters of base64 down.
  udpFrame(
    V4,
    { srcPort: 53, dstPort: 40000 },
    dnsMessage({
      id: 4,
      name: "0.stage.example",
      qtype: 16,
      response: true,
      records: [{
        type: 16,
        data: txtRdata("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIz"),
      }],
    }),
  ),
];

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
function randomBytes(seed: number, length: number): Uint8Array {
  const next = xorshift32(seed);
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = next() & 0xff;
  return bytes;
}

Deno.test("decodePacket() copies the record header fields", () => {
  const raw = {
    ...rawRecord(FRAMES[0]!, { wireLength: 1500 }),
    interfaceId: 3,
  };
  const packet = decodePacket(raw, new AnomalyCounter());
  assert.deepEqual(
    [
      packet.timestampUs,
      packet.interfaceId,
      packet.linkType,
      packet.capturedLength,
      packet.wireLength,
    ],
    [1_700_000_000_123_456, 3, LINK_TYPE.ETHERNET, FRAMES[0]!.length, 1500],
  );
});

Deno.test("decodePacket() returns a new record of primitives with every field of emptyPacketRecord()", () => {
  const anomalies = new AnomalyCounter();
  const first = decodePacket(rawRecord(FRAMES[0]!), anomalies);
  const second = decodePacket(rawRecord(FRAMES[1]!), anomalies);
  assert.notEqual(first, second);
  assert.equal(first.dstPort, 80);
  assert.equal(second.dstPort, 443);
  const keys = Object.keys(emptyPacketRecord());
  for (const frame of FRAMES) {
    const packet = decodePacket(rawRecord(frame), anomalies);
    assert.deepEqual(Object.keys(plainPacket(packet)), keys);
    for (const value of Object.values(plainPacket(packet))) {
      assert.ok(["string", "number", "boolean"].includes(typeof value));
    }
  }
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodeInto() resets the record before decoding into it", () => {
  const anomalies = new AnomalyCounter();
  const reused = new DecodedPacket();
  for (const order of [FRAMES, [...FRAMES].reverse()]) {
    for (const frame of order) {
      const raw = rawRecord(frame);
      assert.equal(decodeInto(reused, raw, anomalies), reused);
      assert.deepEqual(
        plainPacket(reused),
        plainPacket(decodePacket(raw, anomalies)),
      );
    }
  }
  // A cut frame leaves its flags, and the next decode clears them.
  decodeInto(reused, rawRecord(FRAMES[0]!, { capturedLength: 20 }), anomalies);
  assert.equal(reused.truncated, true);
  decodeInto(reused, rawRecord(FRAMES[7]!), anomalies);
  assert.deepEqual([reused.truncated, reused.anomaly, reused.dstPort], [
    false,
    "",
    -1,
  ]);
});

Deno.test("decodePacket() never throws on random bytes or corrupted frames, for every link type", () => {
  const anomalies = new AnomalyCounter();
  const linkTypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147];
  let seed = 1;
  for (const linkType of linkTypes) {
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes(seed++, i % 120);
      decodePacket(rawRecord(bytes, { linkType }), anomalies);
    }
  }
  // Flip random bytes in valid frames: every header field gets hit.
  for (const frame of FRAMES) {
    for (let i = 0; i < 2000; i++) {
      const noise = randomBytes(seed++, 3);
      const corrupt = frame.slice();
      corrupt[noise[0]! % corrupt.length] = noise[1]!;
      const at = (noise[0]! * 7 + noise[2]!) % corrupt.length;
      corrupt[at] = corrupt[at]! ^ noise[2]!;
      const packet = decodePacket(
        rawRecord(corrupt, { capturedLength: corrupt.length - (i % 5) }),
        anomalies,
      );
      assert.equal(typeof packet.anomaly, "string");
    }
  }
  assert.ok(anomalies.total() > 0);
});

Deno.test("decodePacket() reads no byte past capturedLength, even when the buffer holds more", () => {
  const frame = FRAMES[2]!;
  const buffer = new Uint8Array(frame.length + 100);
  buffer.set(frame, 10);
  const whole = decodePacket(rawRecord(frame), new AnomalyCounter());
  const raw = {
    ...rawRecord(frame),
    bytes: buffer,
    offset: 10,
    capturedLength: 40,
  };
  const cut = decodePacket(raw, new AnomalyCounter());
  assert.equal(whole.dnsQname, "a.local");
  assert.deepEqual([cut.truncated, cut.dnsId, cut.srcPort], [true, -1, 5353]);
  // A capturedLength beyond the buffer is clamped to it.
  const lying = {
    ...rawRecord(frame),
    bytes: frame,
    offset: 0,
    capturedLength: frame.length + 50,
  };
  assert.equal(decodePacket(lying, new AnomalyCounter()).dnsQname, "a.local");
});
