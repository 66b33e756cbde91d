import assert from "node:assert/strict";
import { ipv6Packet, udpDatagram } from "../frame_builder.ts";
import { LINK_TYPE } from "../pcap_record.ts";
import { createIpv6Walk, walkIpv6Extensions } from "./ipv6.ts";
import {
  assertPrefixesTruncated,
  concat,
  decodeFrame,
  hex,
} from "./test_helpers.ts";

const SRC = "2001:db8::1";
const DST = "2001:db8:0:1::53";
const UDP = udpDatagram(
  { src: SRC, dst: DST, srcPort: 5000, dstPort: 6000 },
  new Uint8Array(10),
);

/** Extension headers, each naming the next: hop-by-hop (8) → routing (24) → dest-opts (16) → AH (16) → UDP. */
const EXTENSIONS = concat(
  hex("2b 00 01 04 00000000"), // hop-by-hop, next routing, PadN
  hex("3c 02 00 00 00000000" + "00".repeat(16)), // routing type 0, segments left 0, one address
  hex("33 01 01 06" + "00".repeat(12)), // dest-opts, next AH, PadN
  hex("11 02 0000 00000100 00000001 00000000"), // AH, next UDP, payload length 2 → 16 bytes
);

function packet(nextHeader: number, payload: Uint8Array): Uint8Array {
  return ipv6Packet({ src: SRC, dst: DST, nextHeader, hopLimit: 3 }, payload);
}

Deno.test("decodePacket() reads every IPv6 header field", () => {
  const { packet: p, anomalies } = decodeFrame(packet(17, UDP), {
    linkType: LINK_TYPE.IPV6,
  });
  assert.deepEqual(
    [
      p.network,
      p.srcAddress,
      p.dstAddress,
      p.ipProtocol,
      p.ttl,
      p.ipLength,
      p.transport,
      p.srcPort,
      p.payloadLength,
      p.fragment,
    ],
    ["ipv6", SRC, DST, 17, 3, 40 + 18, "udp", 5000, 10, false],
  );
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() walks hop-by-hop, routing, destination-options and AH headers", () => {
  const frame = packet(0, concat(EXTENSIONS, UDP));
  const { packet: p, anomalies } = decodeFrame(frame, {
    linkType: LINK_TYPE.IPV6,
  });
  assert.deepEqual(
    [p.ipProtocol, p.transport, p.srcPort, p.dstPort, p.payloadLength],
    [17, "udp", 5000, 6000, 10],
  );
  assert.equal(anomalies.total(), 0);
  const names = assertPrefixesTruncated(frame, LINK_TYPE.IPV6);
  assert.ok(names.has("ipv6_header_truncated"));
  assert.ok(names.has("ipv6_extension_header_truncated"));
  assert.ok(names.has("udp_header_truncated"));
});

Deno.test("decodePacket() decodes a first IPv6 fragment's transport and stops at later ones", () => {
  // Fragment header: next UDP, offset 0 with M set, id 0x1234.
  const first = packet(44, concat(hex("11 00 0001 00001234"), UDP));
  const p1 = decodeFrame(first, { linkType: LINK_TYPE.IPV6 }).packet;
  assert.deepEqual(
    [p1.fragment, p1.laterFragment, p1.transport, p1.ipProtocol, p1.dstPort],
    [true, false, "udp", 17, 6000],
  );
  assert.equal(p1.fragmentId, 0x1234);
  // Offset 1448 (181 × 8), M clear: the last fragment.
  const later = packet(
    44,
    concat(hex("11 00 05a8 00001234"), new Uint8Array(30)),
  );
  const { packet: p2, anomalies } = decodeFrame(later, {
    linkType: LINK_TYPE.IPV6,
  });
  assert.deepEqual(
    [p2.fragment, p2.laterFragment, p2.transport, p2.ipProtocol, p2.srcPort],
    [true, true, "none", 17, -1],
  );
  assert.equal(p2.fragmentId, 0x1234);
  assert.equal(anomalies.total(), 0);
  // An atomic fragment (offset 0, M clear; RFC 6946) is not a fragment.
  const atomic = packet(44, concat(hex("11 00 0000 00001234"), UDP));
  const p3 = decodeFrame(atomic, { linkType: LINK_TYPE.IPV6 }).packet;
  assert.deepEqual([p3.fragment, p3.fragmentId, p3.transport], [
    false,
    -1,
    "udp",
  ]);
});

Deno.test("decodePacket() names a header chain split across IPv6 fragments, which is no cut capture", () => {
  // Fragment (first, M set), then destination options claiming 16 bytes
  // of which the fragment holds 8: the chain goes on in a later fragment.
  const split = packet(44, hex("3c 00 0001 00001234" + "11 01 0104 00000000"));
  const { packet: p, anomalies } = decodeFrame(split, {
    linkType: LINK_TYPE.IPV6,
  });
  assert.deepEqual(
    [p.fragment, p.transport, p.truncated, p.anomaly],
    [true, "none", false, "ipv6_header_chain_fragmented"],
  );
  assert.equal(anomalies.total(), 1);
  // The same fragment cut by the snap length: a cut capture.
  const cut = decodeFrame(split, {
    linkType: LINK_TYPE.IPV6,
    capturedLength: split.length - 4,
  }).packet;
  assert.equal(cut.truncated, true);
});

Deno.test("decodePacket() counts an extension header that runs past the payload length", () => {
  // Hop-by-hop claiming 2 × 8 + 8 bytes in a 16-byte payload.
  const bad = packet(0, hex("11 02 0000 00000000 00000000 00000000"));
  const { packet: p } = decodeFrame(bad, { linkType: LINK_TYPE.IPV6 });
  assert.deepEqual(
    [p.network, p.transport, p.anomaly],
    ["ipv6", "none", "ipv6_extension_header_truncated"],
  );
});

Deno.test("decodePacket() counts a payload length beyond the frame and a bad version", () => {
  const frame = packet(17, UDP);
  const lying = frame.slice();
  lying[4] = 0x10; // payload length 4096 + 18
  const p = decodeFrame(lying, { linkType: LINK_TYPE.IPV6 }).packet;
  assert.deepEqual(
    [p.truncated, p.anomaly, p.transport],
    [true, "ipv6_payload_length_exceeds_frame", "udp"],
  );
  const v5 = frame.slice();
  v5[0] = 0x50;
  const bad = decodeFrame(v5, { linkType: LINK_TYPE.IPV6 }).packet;
  assert.deepEqual([bad.network, bad.anomaly], ["ipv6", "ipv6_bad_version"]);
});

Deno.test("walkIpv6Extensions() stops at the first non-extension header", () => {
  const walk = createIpv6Walk();
  const bytes = concat(EXTENSIONS, UDP);
  assert.equal(walkIpv6Extensions(bytes, 0, bytes.length, 0, walk), true);
  assert.deepEqual(walk, {
    offset: EXTENSIONS.length,
    nextHeader: 17,
    fragment: false,
    laterFragment: false,
    fragmentId: -1,
  });
  // No next header (59): the walk ends there.
  assert.equal(
    walkIpv6Extensions(hex("3b 00 0000 00000000"), 0, 8, 60, walk),
    true,
  );
  assert.deepEqual([walk.offset, walk.nextHeader], [8, 59]);
  assert.equal(walkIpv6Extensions(bytes, 0, 20, 0, walk), false);
});
