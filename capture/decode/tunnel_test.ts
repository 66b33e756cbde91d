import assert from "node:assert/strict";
import {
  arpFrame,
  ETHER_TYPE,
  ethernetFrame,
  ipFrame,
  ipv4Packet,
  udpDatagram,
} from "../frame_builder.ts";
import {
  erspanIIIPayload,
  erspanIIPayload,
  genevePayload,
  grePayload,
  mplsPayload,
  pppoePayload,
  shimFrame,
  udpTunnelFrame,
  vxlanPayload,
} from "../tunnel_frames.ts";
import { TCP_FLAGS } from "../packet_record.ts";
import { addressKey } from "./address_key.ts";
import {
  assertPrefixesTruncated,
  decodeFrame,
  TUNNEL_INNER,
  TUNNEL_INNER6,
  TUNNEL_OUTER,
  TUNNEL_OUTER6,
  TUNNEL_PAYLOADS,
  TUNNEL_SAMPLE_FRAMES,
  withByte,
} from "./test_helpers.ts";

const OUTER = TUNNEL_OUTER;
const OUTER6 = TUNNEL_OUTER6;
const INNER = TUNNEL_INNER;
const INNER6 = TUNNEL_INNER6;
const INNER_FRAME = TUNNEL_PAYLOADS.frame;
const INNER_IPV4 = TUNNEL_PAYLOADS.ipv4;
const INNER_IPV6 = TUNNEL_PAYLOADS.ipv6;

/** Asserts `frame` decodes to the inner SYN of `inner`'s ends, through `tunnel` (id `id`) between the `outer` ends. */
function assertInnerSyn(
  frame: Uint8Array,
  tunnel: string,
  id: number,
  inner: { src: string; dst: string } = INNER,
  outer: { src: string; dst: string } = OUTER,
) {
  const { packet, anomalies } = decodeFrame(frame);
  assert.equal(anomalies.total(), 0, JSON.stringify(anomalies.toJSON()));
  assert.equal(packet.tunnel, tunnel);
  assert.equal(packet.tunnelSrcAddress, outer.src);
  assert.equal(packet.tunnelDstAddress, outer.dst);
  // Keyed as the addresses themselves are, for the detectors' tables.
  assert.equal(packet.tunnelSrcAddressKey, addressKey(outer.src));
  assert.equal(packet.tunnelDstAddressKey, addressKey(outer.dst));
  assert.equal(packet.tunnelId, id);
  assert.equal(packet.srcAddress, inner.src);
  assert.equal(packet.dstAddress, inner.dst);
  assert.equal(packet.network, inner.src.includes(":") ? "ipv6" : "ipv4");
  assert.equal(packet.ipProtocol, 6);
  assert.equal(packet.transport, "tcp");
  assert.equal(packet.srcPort, 40000);
  assert.equal(packet.dstPort, 22);
  assert.equal(packet.tcpFlags, TCP_FLAGS.SYN);
  assert.equal(packet.tcpSeq, 1000);
  assert.equal(packet.truncated, false);
  return packet;
}

Deno.test("decodePacket() reads the Ethernet frame inside VXLAN, on IANA's port and Linux's", () => {
  for (const dstPort of [4789, 8472]) {
    const frame = udpTunnelFrame(
      OUTER,
      { srcPort: 51000, dstPort },
      vxlanPayload(42, INNER_FRAME),
    );
    const packet = assertInnerSyn(frame, "vxlan", 42);
    assert.equal(packet.srcMac, INNER.srcMac);
    assert.equal(packet.dstMac, INNER.dstMac);
    assert.equal(packet.etherType, 0x0800);
    assert.equal(packet.ttl, 64);
    assert.equal(packet.wireLength, frame.length);
  }
});

Deno.test("decodePacket() takes the inner frame's VLAN, not the carrier's", () => {
  const tagged = ethernetFrame(
    { ...INNER, etherType: ETHER_TYPE.IPV4, vlanIds: [7] },
    INNER_IPV4,
  );
  const carrier = ethernetFrame(
    { ...OUTER, etherType: ETHER_TYPE.IPV4, vlanIds: [100] },
    ipv4Packet(
      { src: OUTER.src, dst: OUTER.dst, protocol: 17 },
      udpDatagram(
        { src: OUTER.src, dst: OUTER.dst, srcPort: 50001, dstPort: 4789 },
        vxlanPayload(5, tagged),
      ),
    ),
  );
  assert.equal(assertInnerSyn(carrier, "vxlan", 5).vlanId, 7);
  const untagged = ethernetFrame(
    { ...OUTER, etherType: ETHER_TYPE.IPV4, vlanIds: [100] },
    ipv4Packet(
      { src: OUTER.src, dst: OUTER.dst, protocol: 17 },
      udpDatagram(
        { src: OUTER.src, dst: OUTER.dst, srcPort: 50001, dstPort: 4789 },
        vxlanPayload(5, INNER_FRAME),
      ),
    ),
  );
  assert.equal(assertInnerSyn(untagged, "vxlan", 5).vlanId, -1);
});

Deno.test("decodePacket() reads an ARP packet inside VXLAN, with no IP field of the carrier left", () => {
  const arp = arpFrame({
    operation: 1,
    senderMac: INNER.srcMac,
    senderIp: INNER.src,
    targetMac: "00:00:00:00:00:00",
    targetIp: INNER.dst,
  });
  const { packet } = decodeFrame(
    udpTunnelFrame(
      OUTER,
      { srcPort: 50001, dstPort: 4789 },
      vxlanPayload(9, arp),
    ),
  );
  assert.equal(packet.tunnel, "vxlan");
  assert.equal(packet.network, "arp");
  assert.equal(packet.srcAddress, INNER.src);
  assert.equal(packet.dstAddress, INNER.dst);
  assert.equal(packet.arpOperation, 1);
  assert.equal(packet.ipProtocol, -1);
  assert.equal(packet.ttl, -1);
  assert.equal(packet.ipLength, 0);
  assert.equal(packet.srcPort, -1);
  assert.equal(packet.transport, "none");
});

Deno.test("decodePacket() reads Geneve with options, around Ethernet or IP", () => {
  const options = new Uint8Array(8).fill(0x11);
  assertInnerSyn(
    udpTunnelFrame(
      OUTER,
      { srcPort: 50002, dstPort: 6081 },
      genevePayload({ vni: 0xabcdef, options }, INNER_FRAME),
    ),
    "geneve",
    0xabcdef,
  );
  assertInnerSyn(
    udpTunnelFrame(
      OUTER6,
      { srcPort: 50002, dstPort: 6081 },
      genevePayload({ vni: 3, protocol: 0x86dd }, INNER_IPV6),
    ),
    "geneve",
    3,
    INNER6,
    OUTER6,
  );
});

Deno.test("decodePacket() reads GRE with checksum, key and sequence number, over IPv4 and IPv6", () => {
  assertInnerSyn(
    ipFrame(
      OUTER,
      47,
      grePayload(
        { protocol: 0x0800, checksum: true, key: 77, sequence: 9 },
        INNER_IPV4,
      ),
    ),
    "gre",
    77,
  );
  assertInnerSyn(
    ipFrame(OUTER6, 47, grePayload({ protocol: 0x86dd }, INNER_IPV6)),
    "gre",
    -1,
    INNER6,
    OUTER6,
  );
  // Transparent Ethernet bridging (gretap).
  const packet = assertInnerSyn(
    ipFrame(OUTER, 47, grePayload({ protocol: 0x6558, key: 1 }, INNER_FRAME)),
    "gre",
    1,
  );
  assert.equal(packet.srcMac, INNER.srcMac);
});

Deno.test("decodePacket() reads ERSPAN types I, II and III", () => {
  assertInnerSyn(
    ipFrame(OUTER, 47, grePayload({ protocol: 0x88be }, INNER_FRAME)),
    "erspan",
    -1,
  );
  assertInnerSyn(
    ipFrame(
      OUTER,
      47,
      grePayload(
        { protocol: 0x88be, sequence: 1 },
        erspanIIPayload(123, INNER_FRAME),
      ),
    ),
    "erspan",
    123,
  );
  for (const platform of [false, true]) {
    assertInnerSyn(
      ipFrame(
        OUTER,
        47,
        grePayload(
          { protocol: 0x22eb, sequence: 1 },
          erspanIIIPayload(1023, INNER_FRAME, platform),
        ),
      ),
      "erspan",
      1023,
    );
  }
});

Deno.test("decodePacket() reads IPv4 and IPv6 inside IPv4 and IPv6 (IP in IP, 6in4, 4in6)", () => {
  assertInnerSyn(ipFrame(OUTER, 4, INNER_IPV4), "ipip", -1);
  assertInnerSyn(ipFrame(OUTER, 41, INNER_IPV6), "ipip", -1, INNER6);
  assertInnerSyn(ipFrame(OUTER6, 4, INNER_IPV4), "ipip", -1, INNER, OUTER6);
  const packet = assertInnerSyn(
    ipFrame(OUTER6, 41, INNER_IPV6),
    "ipip",
    -1,
    INNER6,
    OUTER6,
  );
  assert.equal(packet.ttl, 33);
  assert.equal(packet.ipLength, INNER_IPV6.length);
});

Deno.test("decodePacket() lists nested tunnels outermost first, with the outermost endpoints and id", () => {
  const vxlan = udpDatagram(
    { src: "198.51.100.1", dst: "198.51.100.2", srcPort: 50003, dstPort: 4789 },
    vxlanPayload(42, INNER_FRAME),
  );
  const innerCarrier = ipv4Packet(
    { src: "198.51.100.1", dst: "198.51.100.2", protocol: 17 },
    vxlan,
  );
  assertInnerSyn(
    ipFrame(OUTER, 47, grePayload({ protocol: 0x0800, key: 5 }, innerCarrier)),
    "gre vxlan",
    5,
  );
  // Without a GRE key, the first id from the outside in is the VNI.
  assertInnerSyn(
    ipFrame(OUTER, 47, grePayload({ protocol: 0x0800 }, innerCarrier)),
    "gre vxlan",
    42,
  );
});

Deno.test("decodePacket() follows four tunnels at most: a fifth is left as its carrier's payload", () => {
  let packet: Uint8Array = INNER_IPV4;
  for (let i = 0; i < 5; i++) {
    packet = ipv4Packet(
      { src: OUTER.src, dst: OUTER.dst, protocol: 4 },
      packet,
    );
  }
  const frame = ethernetFrame(
    { ...OUTER, etherType: ETHER_TYPE.IPV4 },
    packet,
  );
  const { packet: decoded, anomalies } = decodeFrame(frame);
  assert.equal(anomalies.total(), 0);
  assert.equal(decoded.tunnel, "ipip ipip ipip ipip");
  assert.equal(decoded.ipProtocol, 4);
  assert.equal(decoded.transport, "other");
});

Deno.test("decodePacket() leaves packets that are no tunnel it reads as they are", () => {
  const cases: [string, Uint8Array, number][] = [
    [
      "UDP 4789 without VXLAN's I flag",
      udpTunnelFrame(
        OUTER,
        { srcPort: 50001, dstPort: 4789 },
        new Uint8Array(40),
      ),
      17,
    ],
    [
      "UDP 4789 with reserved bits set",
      udpTunnelFrame(
        OUTER,
        { srcPort: 50001, dstPort: 4789 },
        withByte(vxlanPayload(1, INNER_FRAME), 7, 1),
      ),
      17,
    ],
    [
      "Geneve version 1",
      udpTunnelFrame(
        OUTER,
        { srcPort: 50001, dstPort: 6081 },
        withByte(genevePayload({ vni: 1 }, INNER_FRAME), 0, 0x40),
      ),
      17,
    ],
    [
      "Geneve of another protocol type",
      udpTunnelFrame(
        OUTER,
        { srcPort: 50001, dstPort: 6081 },
        genevePayload({ vni: 1, protocol: 0x8847 }, INNER_FRAME),
      ),
      17,
    ],
    [
      "PPTP's enhanced GRE (version 1)",
      ipFrame(
        OUTER,
        47,
        withByte(grePayload({ protocol: 0x880b, key: 1 }, INNER_IPV4), 1, 0x01),
      ),
      47,
    ],
    [
      "GRE with source routing",
      ipFrame(
        OUTER,
        47,
        withByte(grePayload({ protocol: 0x0800 }, INNER_IPV4), 0, 0x40),
      ),
      47,
    ],
    [
      "IP in IP whose inner version is wrong",
      ipFrame(OUTER, 4, INNER_IPV6),
      4,
    ],
  ];
  for (const [name, frame, protocol] of cases) {
    const { packet } = decodeFrame(frame);
    assert.equal(packet.tunnel, "", name);
    assert.equal(packet.srcAddress, OUTER.src, name);
    assert.equal(packet.ipProtocol, protocol, name);
    assert.equal(packet.transport, protocol === 17 ? "udp" : "other", name);
  }
});

Deno.test("decodePacket() does not open a tunnel in an IP fragment", () => {
  const datagram = udpDatagram(
    { src: OUTER.src, dst: OUTER.dst, srcPort: 50001, dstPort: 4789 },
    vxlanPayload(1, INNER_FRAME),
  );
  const frame = ethernetFrame(
    { ...OUTER, etherType: ETHER_TYPE.IPV4 },
    ipv4Packet(
      { src: OUTER.src, dst: OUTER.dst, protocol: 17, moreFragments: true },
      datagram,
    ),
  );
  const { packet } = decodeFrame(frame);
  assert.equal(packet.tunnel, "");
  assert.equal(packet.fragment, true);
  assert.equal(packet.dstPort, 4789);
});

Deno.test("decodePacket() reads IP under an MPLS label stack and in a PPPoE session", () => {
  for (
    const frame of [
      shimFrame(OUTER, 0x8847, mplsPayload([16, 17, 18], INNER_IPV4)),
      shimFrame(OUTER, 0x8864, pppoePayload(0x1234, 0x0021, INNER_IPV4)),
    ]
  ) {
    const { packet, anomalies } = decodeFrame(frame);
    assert.equal(anomalies.total(), 0);
    assert.equal(packet.tunnel, "");
    assert.equal(packet.etherType, 0x0800);
    assert.equal(packet.srcAddress, INNER.src);
    assert.equal(packet.dstPort, 22);
  }
  for (
    const frame of [
      shimFrame(OUTER, 0x8848, mplsPayload([3], INNER_IPV6)),
      shimFrame(OUTER, 0x8864, pppoePayload(1, 0x0057, INNER_IPV6)),
    ]
  ) {
    const { packet } = decodeFrame(frame);
    assert.equal(packet.network, "ipv6");
    assert.equal(packet.srcAddress, INNER6.src);
    assert.equal(packet.tcpFlags, TCP_FLAGS.SYN);
  }
  // An Ethernet pseudowire's control word, and PPP's link control: no IP.
  const pseudowire = decodeFrame(
    shimFrame(
      OUTER,
      0x8847,
      mplsPayload([16], new Uint8Array([0, 0, 0, 0, ...INNER_FRAME])),
    ),
  ).packet;
  assert.equal(pseudowire.network, "other");
  assert.equal(pseudowire.etherType, 0x8847);
  const lcp = decodeFrame(
    shimFrame(OUTER, 0x8864, pppoePayload(1, 0xc021, new Uint8Array(8))),
  ).packet;
  assert.equal(lcp.network, "other");
  assert.equal(lcp.etherType, 0x8864);
  const bad = decodeFrame(
    shimFrame(OUTER, 0x8864, new Uint8Array([0x21, 0, 0, 1, 0, 2, 0, 0x21])),
  );
  assert.equal(bad.packet.anomaly, "pppoe_bad_header");
});

Deno.test("decodePacket() marks every cut tunneled frame truncated, and never throws", () => {
  const frames = [
    ...TUNNEL_SAMPLE_FRAMES,
    udpTunnelFrame(
      OUTER,
      { srcPort: 50001, dstPort: 4789 },
      vxlanPayload(1, INNER_FRAME),
    ),
    udpTunnelFrame(
      OUTER,
      { srcPort: 50001, dstPort: 6081 },
      genevePayload({ vni: 1, options: new Uint8Array(4) }, INNER_FRAME),
    ),
    ipFrame(
      OUTER,
      47,
      grePayload(
        { protocol: 0x22eb, sequence: 1, key: 2, checksum: true },
        erspanIIIPayload(5, INNER_FRAME, true),
      ),
    ),
    ipFrame(OUTER6, 41, INNER_IPV6),
  ];
  for (const frame of frames) assertPrefixesTruncated(frame);
  const names = new Set([
    ...assertPrefixesTruncated(
      shimFrame(OUTER, 0x8847, mplsPayload([16, 17], INNER_IPV4)),
    ),
    ...assertPrefixesTruncated(
      shimFrame(OUTER, 0x8864, pppoePayload(1, 0x0021, INNER_IPV4)),
    ),
  ]);
  assert.ok(names.has("mpls_truncated"), [...names].join());
  assert.ok(names.has("pppoe_truncated"), [...names].join());
});

Deno.test("decodePacket() keeps none of the carrier's link layer: an inner IP packet has no MACs or VLAN", () => {
  const frame = ethernetFrame(
    { ...OUTER, etherType: ETHER_TYPE.IPV4, vlanIds: [100] },
    ipv4Packet(
      { src: OUTER.src, dst: OUTER.dst, protocol: 47 },
      grePayload({ protocol: 0x0800 }, INNER_IPV4),
    ),
  );
  const packet = assertInnerSyn(frame, "gre", -1);
  assert.equal(packet.srcMac, "");
  assert.equal(packet.dstMac, "");
  assert.equal(packet.vlanId, -1);
  // Nor of a cut inner frame: its MACs are unknown.
  const cut = decodeFrame(
    udpTunnelFrame(
      OUTER,
      { srcPort: 50000, dstPort: 6081 },
      genevePayload({ vni: 5 }, INNER_FRAME.subarray(0, 10)),
    ),
  ).packet;
  assert.equal(cut.tunnel, "geneve");
  assert.equal(cut.anomaly, "ethernet_truncated");
  assert.equal(cut.srcMac, "");
});

Deno.test("decodePacket() reads a VXLAN frame only as far as its UDP datagram goes, and opens one the capture cut", () => {
  const frame = udpTunnelFrame(
    OUTER,
    { srcPort: 50000, dstPort: 4789 },
    vxlanPayload(5, INNER_FRAME),
  );
  // The UDP length says 16: the VXLAN header, and no frame.
  const short = frame.slice();
  short[38] = 0;
  short[39] = 16;
  const shortPacket = decodeFrame(short).packet;
  assert.equal(shortPacket.tunnel, "vxlan");
  assert.equal(shortPacket.transport, "none");
  assert.equal(shortPacket.srcPort, -1);
  assert.ok(shortPacket.anomaly !== "");
  // Cut by the snap length inside the inner Ethernet header.
  const { packet } = decodeFrame(frame, { capturedLength: 60 });
  assert.equal(packet.tunnel, "vxlan");
  assert.equal(packet.tunnelId, 5);
  assert.equal(packet.truncated, true);
  assert.equal(packet.anomaly, "");
});

Deno.test("decodePacket() takes no service's answer to a tunnel port for a tunnel", () => {
  // A resolver's answer to a client whose port happens to be VXLAN's, its
  // id and flags laid out as a VXLAN header with the G flag would be.
  const answer = new Uint8Array(40);
  answer.set([0x88, 0xc1, 0x81, 0x83, 0, 1, 0, 0]);
  const { packet } = decodeFrame(
    udpTunnelFrame(OUTER, { srcPort: 53, dstPort: 4789 }, answer),
  );
  assert.equal(packet.tunnel, "");
  assert.equal(packet.srcPort, 53);
  assert.equal(packet.transport, "udp");
});

Deno.test("decodePacket() counts a GRE header that its packet cuts short", () => {
  const frame = ipFrame(
    OUTER,
    47,
    grePayload({ protocol: 0x0800, key: 1 }, new Uint8Array(0)).subarray(0, 6),
  );
  const bad = decodeFrame(frame);
  assert.equal(bad.packet.tunnel, "");
  assert.equal(bad.packet.anomaly, "gre_bad_length");
  assert.equal(bad.packet.truncated, false);
  const whole = ipFrame(
    OUTER,
    47,
    grePayload(
      { protocol: 0x88be, key: 1, sequence: 2 },
      erspanIIPayload(3, INNER_FRAME),
    ),
  );
  const snapped = decodeFrame(whole, { capturedLength: 14 + 20 + 12 + 4 });
  assert.equal(snapped.packet.anomaly, "");
  assert.deepEqual(snapped.anomalies.cutsJSON(), {
    erspan_truncated: 1,
    ipv4_truncated: 1,
  });
});

Deno.test("decodePacket() reads an ERSPAN type III frame of IP, and a type III header under type II's protocol", () => {
  assertInnerSyn(
    ipFrame(
      OUTER,
      47,
      grePayload(
        { protocol: 0x22eb, sequence: 1 },
        erspanIIIPayload(9, INNER_IPV4, false, 2),
      ),
    ),
    "erspan",
    9,
  );
  assertInnerSyn(
    ipFrame(
      OUTER,
      47,
      grePayload(
        { protocol: 0x88be, sequence: 1 },
        erspanIIIPayload(10, INNER_FRAME),
      ),
    ),
    "erspan",
    10,
  );
  // Another frame type is not followed.
  const other = decodeFrame(
    ipFrame(
      OUTER,
      47,
      grePayload(
        { protocol: 0x22eb, sequence: 1 },
        erspanIIIPayload(9, INNER_IPV4, false, 3),
      ),
    ),
  ).packet;
  assert.equal(other.tunnel, "");
  assert.equal(other.ipProtocol, 47);
});
