import assert from "node:assert/strict";
import {
  ETHER_TYPE,
  ethernetFrame,
  ipFrame,
  ipv4Packet,
  sctpChunk,
  sctpFrame,
  sctpInitValue,
  sctpPacket,
} from "../frame_builder.ts";
import { formatPacketLine } from "../format_packet.ts";
import { CaptureSummary } from "../summary.ts";
import { formatSummary } from "../format_summary.ts";
import { packetInfo } from "../../server/packet_row.ts";
import {
  assertPrefixesTruncated,
  decodeFrame,
  MACS,
  V4,
  V6,
} from "./test_helpers.ts";
import {
  isSctpChunkFragmented,
  SCTP_CHUNK,
  SCTP_CHUNK_FRAGMENTED,
  sctpChunkName,
} from "./sctp.ts";

Deno.test("decodeSctp() reads the ports and the first chunk's type over IPv4 and IPv6", () => {
  for (const ends of [V4, V6]) {
    const init = decodeFrame(
      sctpFrame(
        ends,
        { srcPort: 40_000, dstPort: 2905 },
        sctpChunk(SCTP_CHUNK.INIT, sctpInitValue(0x1234_5678)),
      ),
    );
    assert.equal(init.packet.transport, "sctp");
    assert.equal(init.packet.ipProtocol, 132);
    assert.equal(init.packet.srcPort, 40_000);
    assert.equal(init.packet.dstPort, 2905);
    assert.equal(init.packet.sctpChunkType, SCTP_CHUNK.INIT);
    assert.equal(init.packet.payloadLength, 20);
    assert.equal(init.packet.anomaly, "");
    assert.equal(init.anomalies.total(), 0);
    // A COOKIE ECHO bundled with DATA: the first chunk tells.
    const echo = decodeFrame(
      sctpFrame(
        ends,
        { srcPort: 40_000, dstPort: 2905, tag: 7 },
        sctpChunk(SCTP_CHUNK.COOKIE_ECHO, new Uint8Array(5)),
        sctpChunk(SCTP_CHUNK.DATA, new Uint8Array(16)),
      ),
    ).packet;
    assert.equal(echo.sctpChunkType, SCTP_CHUNK.COOKIE_ECHO);
    assert.equal(echo.payloadLength, 12 + 20);
  }
});

Deno.test("decodeSctp() names what is cut short or malformed, and never throws", () => {
  const frame = sctpFrame(
    V4,
    { srcPort: 1, dstPort: 2 },
    sctpChunk(SCTP_CHUNK.ABORT),
  );
  const names = assertPrefixesTruncated(frame);
  assert.ok(names.has("sctp_header_truncated"), [...names].join());
  // Captured up to the ports only: they are read all the same.
  const cut = decodeFrame(frame, { capturedLength: 14 + 20 + 4 }).packet;
  assert.equal(cut.srcPort, 1);
  assert.equal(cut.dstPort, 2);
  assert.equal(cut.sctpChunkType, -1);
  // A packet of a header alone, and one shorter than its header.
  const bare = decodeFrame(
    ipFrame(V4, 132, sctpPacket({ srcPort: 1, dstPort: 2 })),
  );
  assert.equal(bare.packet.anomaly, "sctp_no_chunk");
  assert.equal(bare.packet.sctpChunkType, -1);
  const short = decodeFrame(ipFrame(V4, 132, new Uint8Array(6))).packet;
  assert.equal(short.anomaly, "sctp_bad_length");
  assert.equal(short.transport, "sctp");
  // A chunk whose length cannot hold its own header.
  const bad = sctpPacket(
    { srcPort: 1, dstPort: 2 },
    sctpChunk(SCTP_CHUNK.INIT),
  );
  bad[14] = 0;
  bad[15] = 2;
  const badChunk = decodeFrame(ipFrame(V4, 132, bad)).packet;
  assert.equal(badChunk.anomaly, "sctp_bad_chunk_length");
  assert.equal(badChunk.sctpChunkType, SCTP_CHUNK.INIT);
  // Random bytes of every length decode without throwing.
  let seed = 12_345;
  for (let length = 0; length < 80; length++) {
    const bytes = new Uint8Array(length).map(() => {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0;
      return seed >>> 24;
    });
    const packet = decodeFrame(ipFrame(V6, 132, bytes)).packet;
    assert.equal(packet.transport, "sctp");
  }
});

Deno.test("decodeSctp() names a first IP fragment without its first chunk's header (an INIT cut into 8-byte fragments)", () => {
  const init = sctpPacket(
    { srcPort: 45_000, dstPort: 2905 },
    sctpChunk(SCTP_CHUNK.INIT, sctpInitValue(1)),
  );
  const firstFragment = (share: number) =>
    decodeFrame(
      ethernetFrame(
        { ...MACS, etherType: ETHER_TYPE.IPV4 },
        ipv4Packet(
          { src: V4.src, dst: V4.dst, protocol: 132, moreFragments: true },
          init.subarray(0, share),
        ),
      ),
    ).packet;
  for (const share of [8, 12]) {
    const packet = firstFragment(share);
    assert.equal(packet.fragment, true);
    assert.equal(packet.anomaly, SCTP_CHUNK_FRAGMENTED, `${share} bytes`);
    assert.ok(isSctpChunkFragmented(packet));
    assert.equal(packet.dstPort, 2905);
    assert.equal(packet.sctpChunkType, -1);
  }
  // A first fragment that holds the chunk's header is read as a packet.
  const whole = firstFragment(16);
  assert.equal(whole.sctpChunkType, SCTP_CHUNK.INIT);
  assert.equal(whole.anomaly, "");
  assert.equal(isSctpChunkFragmented(whole), false);
});

Deno.test("an SCTP packet's line, table row and summary name it and its first chunk", () => {
  const packet = decodeFrame(
    sctpFrame(
      V4,
      { srcPort: 40_000, dstPort: 2905 },
      sctpChunk(SCTP_CHUNK.INIT, sctpInitValue(1)),
    ),
  ).packet;
  assert.match(
    formatPacketLine(packet),
    /IP 10\.0\.0\.1:40000 > 10\.0\.0\.2:2905: SCTP \[INIT\] length 20$/,
  );
  assert.equal(packetInfo(packet), "40000 → 2905 [INIT] len 20");
  const summary = new CaptureSummary();
  summary.add(packet);
  assert.equal(summary.toJSON().protocols.sctp, 1);
  assert.equal(summary.toJSON().protocols.otherTransport, 0);
  assert.match(
    formatSummary({
      path: "sctp.pcap",
      summary: summary.toJSON(),
      anomalies: {},
      format: "pcap",
      gzip: false,
      filter: "",
      elapsedSeconds: 1,
    }),
    /^transport: +tcp 0, udp 0, icmp 0, icmpv6 0, sctp 1, other 0$/m,
  );
  assert.equal(sctpChunkName(2), "INIT ACK");
  assert.equal(sctpChunkName(192), "chunk 192");
});
