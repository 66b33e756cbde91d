import assert from "node:assert/strict";
import {
  type FlowEnds,
  icmpFrame,
  ipv4Packet,
  ipv6Packet,
  neighborFrame,
  tcpSegment,
  udpDatagram,
} from "../frame_builder.ts";
import {
  assertPrefixesTruncated,
  concat,
  decodeFrame,
  firstFragmentFrame,
  hex,
  V4,
  V6,
} from "./test_helpers.ts";

Deno.test("decodePacket() reads ICMP echo type, code, id and sequence", () => {
  const frame = icmpFrame(
    V4,
    { type: 8, id: 0x1234, seq: 7 },
    new Uint8Array(56),
  );
  const { packet, anomalies } = decodeFrame(frame);
  assert.deepEqual(
    [
      packet.transport,
      packet.icmpType,
      packet.icmpCode,
      packet.icmpId,
      packet.icmpSeq,
      packet.payloadLength,
      packet.srcPort,
      packet.quotedProtocol,
    ],
    ["icmp", 8, 0, 0x1234, 7, 56, -1, -1],
  );
  assert.equal(anomalies.total(), 0);
  const reply = decodeFrame(icmpFrame(V4, { type: 0, id: 1, seq: 2 })).packet;
  assert.deepEqual([reply.icmpType, reply.icmpId, reply.icmpSeq], [0, 1, 2]);
});

Deno.test("decodePacket() reads ICMPv6 echo", () => {
  const frame = icmpFrame(V6, { type: 129, id: 99, seq: 3 });
  const { packet } = decodeFrame(frame);
  assert.deepEqual(
    [
      packet.network,
      packet.transport,
      packet.icmpType,
      packet.icmpId,
      packet.icmpSeq,
    ],
    ["ipv6", "icmpv6", 129, 99, 3],
  );
  const ns =
    decodeFrame(icmpFrame(V6, { type: 135 }, new Uint8Array(16))).packet;
  assert.deepEqual([ns.icmpType, ns.icmpId, ns.quotedProtocol], [135, -1, -1]);
});

Deno.test("decodePacket() reads the UDP header quoted by a port unreachable", () => {
  const probe = ipv4Packet(
    { src: "10.0.0.2", dst: "10.0.0.9", protocol: 17 },
    udpDatagram({
      src: "10.0.0.2",
      dst: "10.0.0.9",
      srcPort: 33434,
      dstPort: 161,
    }, new Uint8Array(4)),
  );
  const frame = icmpFrame(V4, { type: 3, code: 3 }, probe);
  const { packet, anomalies } = decodeFrame(frame);
  assert.deepEqual(
    [
      packet.transport,
      packet.icmpType,
      packet.icmpCode,
      packet.quotedProtocol,
      packet.quotedDstAddress,
      packet.quotedDstPort,
      packet.srcPort,
      packet.icmpId,
    ],
    ["icmp", 3, 3, 17, "10.0.0.9", 161, -1, -1],
  );
  assert.equal(anomalies.total(), 0);
  // RFC 792 quotes only 8 bytes of the datagram: the ports are in them.
  const short = icmpFrame(V4, { type: 11 }, probe.subarray(0, 28));
  const s = decodeFrame(short).packet;
  assert.deepEqual([s.icmpType, s.quotedProtocol, s.quotedDstPort], [
    11,
    17,
    161,
  ]);
  assertPrefixesTruncated(frame);
});

Deno.test("decodePacket() reads the TCP header quoted by an ICMPv6 error behind extension headers", () => {
  const segment = tcpSegment({
    src: "2001:db8::2",
    dst: "2001:db8::80",
    srcPort: 40000,
    dstPort: 8080,
    flags: 2,
  });
  // Quoted packet: IPv6 → destination options (8 bytes) → TCP.
  const quoted = ipv6Packet(
    { src: "2001:db8::2", dst: "2001:db8::80", nextHeader: 60 },
    new Uint8Array([...hex("06 00 0104 00000000"), ...segment]),
  );
  for (const type of [1, 2, 3, 4]) {
    const frame = icmpFrame(V6, { type, code: 4 }, quoted);
    const { packet } = decodeFrame(frame);
    assert.deepEqual(
      [
        packet.transport,
        packet.icmpType,
        packet.quotedProtocol,
        packet.quotedDstAddress,
        packet.quotedDstPort,
      ],
      ["icmpv6", type, 6, "2001:db8::80", 8080],
    );
  }
});

Deno.test("decodePacket() leaves the quoted port out for a quoted later fragment", () => {
  const fragment = ipv4Packet(
    { src: "10.0.0.2", dst: "10.0.0.9", protocol: 17, fragmentOffset: 100 },
    new Uint8Array(8).fill(0x35),
  );
  const { packet } = decodeFrame(
    icmpFrame(V4, { type: 11, code: 1 }, fragment),
  );
  assert.deepEqual([packet.quotedProtocol, packet.quotedDstPort], [17, -1]);
});

Deno.test("decodePacket() counts an ICMP error without a quoted header", () => {
  const { packet, anomalies } = decodeFrame(
    icmpFrame(V4, { type: 3, code: 1 }, hex("4500")),
  );
  assert.deepEqual([packet.anomaly, packet.truncated, packet.quotedProtocol], [
    "icmp_quote_too_short",
    false,
    -1,
  ]);
  assert.equal(anomalies.count("icmp_quote_too_short"), 1);
});

Deno.test("decodePacket() marks every cut ICMP and ICMPv6 frame truncated", () => {
  for (const ends of [V4, V6]) {
    const frame = icmpFrame(ends, {
      type: ends === V4 ? 8 : 128,
      id: 1,
      seq: 1,
    });
    assert.ok(assertPrefixesTruncated(frame).has("icmp_header_truncated"));
  }
});

Deno.test("decodePacket() reads a neighbor solicitation's target and source link-layer address", () => {
  const { packet, anomalies } = decodeFrame(neighborFrame({
    srcMac: V6.srcMac,
    src: V6.src,
    dst: "ff02::1:ff00:2",
    type: 135,
    target: V6.dst,
  }));
  assert.deepEqual(
    [packet.icmpType, packet.ndTarget, packet.ndFlags, packet.ndLinkMac],
    [135, V6.dst, -1, V6.srcMac],
  );
  assert.equal(packet.dstMac, "33:33:ff:00:00:02");
  assert.equal(anomalies.total(), 0);
  // Duplicate address detection: from ::, without the option.
  const dad = decodeFrame(neighborFrame({
    srcMac: V6.srcMac,
    src: "::",
    dst: "ff02::1:ff00:2",
    type: 135,
    target: V6.dst,
    linkMac: null,
  })).packet;
  assert.deepEqual([dad.ndTarget, dad.ndLinkMac], [V6.dst, ""]);
});

Deno.test("decodePacket() reads a neighbor advertisement's target, flags and target link-layer address", () => {
  const { packet, anomalies } = decodeFrame(neighborFrame({
    srcMac: V6.dstMac,
    src: V6.dst,
    dst: V6.src,
    type: 136,
    target: V6.dst,
    flags: 0xe0 | 0x1f, // R, S, O and reserved bits, which are not flags
    linkMac: "02:00:00:00:00:99",
  }));
  assert.deepEqual(
    [packet.icmpType, packet.ndTarget, packet.ndFlags, packet.ndLinkMac],
    [136, V6.dst, 0xe0, "02:00:00:00:00:99"],
  );
  assert.equal(anomalies.total(), 0);
  // Other ICMPv6 messages carry none of it.
  const echo = decodeFrame(icmpFrame(V6, { type: 128, id: 1 })).packet;
  assert.deepEqual([echo.ndTarget, echo.ndFlags, echo.ndLinkMac], ["", -1, ""]);
});

Deno.test("decodePacket() takes the first link-layer address option of the message's own kind, past others", () => {
  // An advertisement with a source link-layer option (not its kind), a
  // 16-byte option of its kind (no Ethernet MAC), then the real one.
  const frame = neighborFrame({
    srcMac: V6.dstMac,
    src: V6.dst,
    dst: V6.src,
    type: 136,
    target: V6.dst,
    linkMac: null,
  });
  const options = hex(
    "0101020000000077" + "0202" + "00".repeat(14) + "0201020000000055" +
      "0201020000000066",
  );
  const { packet, anomalies } = decodeFrame(withIcmpv6Payload(frame, options));
  assert.equal(packet.ndLinkMac, "02:00:00:00:00:55");
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() counts a neighbor discovery message too short or with a bad option length, and reads no address from it", () => {
  const frame = neighborFrame({
    srcMac: V6.srcMac,
    src: V6.src,
    dst: V6.dst,
    type: 135,
    target: V6.dst,
    linkMac: null,
  });
  // An option of length 0, which receivers discard (RFC 4861 section 4.6).
  const zero = decodeFrame(
    withIcmpv6Payload(frame, hex("0100020000000001")),
  );
  // Receivers discard it whole: no target either.
  assert.deepEqual([zero.packet.ndTarget, zero.packet.ndLinkMac], ["", ""]);
  assert.equal(zero.anomalies.count("ndp_option_bad_length"), 1);
  // An option that runs past the message, after a good one.
  const over = decodeFrame(
    withIcmpv6Payload(frame, hex("0101020000000001" + "0102020000000001")),
  );
  assert.deepEqual([over.packet.ndTarget, over.packet.ndLinkMac], ["", ""]);
  assert.equal(over.anomalies.count("ndp_option_bad_length"), 1);
  // A solicitation without a whole target address.
  const short = decodeFrame(
    icmpFrame(V6, { type: 135 }, new Uint8Array(15)),
  );
  assert.equal(short.packet.ndTarget, "");
  assert.equal(short.anomalies.count("ndp_message_too_short"), 1);
});

Deno.test("decodePacket() reads what a snap length left of a neighbor advertisement, and never past it", () => {
  const frame = neighborFrame({
    srcMac: V6.dstMac,
    src: V6.dst,
    dst: V6.src,
    type: 136,
    target: V6.dst,
    flags: 0x60,
  });
  assertPrefixesTruncated(frame);
  const cut = (capturedLength: number) =>
    decodeFrame(frame, { capturedLength });
  // The whole target, the option cut short: no address, no anomaly of ours.
  const headers = 14 + 40;
  for (let length = headers + 24; length < frame.length; length++) {
    const { packet, anomalies } = cut(length);
    assert.deepEqual([packet.ndTarget, packet.ndFlags, packet.ndLinkMac], [
      V6.dst,
      0x60,
      "",
    ]);
    assert.equal(anomalies.count("ndp_option_bad_length"), 0);
  }
  // Cut within the target: nothing read.
  assert.equal(cut(headers + 23).packet.ndTarget, "");
  assert.equal(cut(headers + 23).anomalies.count("ndp_message_too_short"), 0);
  assert.equal(cut(frame.length).packet.ndLinkMac, V6.dstMac);
});

Deno.test("decodePacket() reads the link-layer address of router solicitations and advertisements, and a redirect's target", () => {
  const rs = decodeFrame(neighborFrame({
    srcMac: V6.srcMac,
    src: "fe80::1",
    dst: "ff02::2",
    type: 133,
  }));
  assert.deepEqual(
    [rs.packet.icmpType, rs.packet.ndTarget, rs.packet.ndLinkMac],
    [133, "", V6.srcMac],
  );
  const ra = decodeFrame(neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
  }));
  assert.deepEqual(
    [ra.packet.icmpType, ra.packet.ndTarget, ra.packet.ndFlags],
    [134, "", 0],
  );
  assert.equal(ra.packet.ndLinkMac, V6.dstMac);
  const redirect = decodeFrame(neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: V6.src,
    type: 137,
    target: "fe80::3",
    destination: "2001:db8:9::9",
    linkMac: "02:00:00:00:00:03",
  }));
  assert.deepEqual(
    [redirect.packet.ndTarget, redirect.packet.ndLinkMac],
    ["fe80::3", "02:00:00:00:00:03"],
  );
  for (const { anomalies } of [rs, ra, redirect]) {
    assert.equal(anomalies.total(), 0);
  }
  // A redirect hosts discard: to a global target that is not its
  // destination, or for a multicast destination.
  for (
    const [target, destination] of [
      ["2001:db8::3", "2001:db8:9::9"],
      ["fe80::3", "ff02::1"],
    ] as const
  ) {
    const invalid = decodeFrame(neighborFrame({
      srcMac: V6.dstMac,
      src: "fe80::2",
      dst: V6.src,
      type: 137,
      target,
      destination,
    }));
    assert.deepEqual(
      [invalid.packet.ndTarget, invalid.packet.ndLinkMac],
      ["", ""],
    );
    assert.equal(invalid.anomalies.count("ndp_redirect_invalid"), 1);
  }
  // To an on-link host: target and destination are one.
  const onLink = decodeFrame(neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: V6.src,
    type: 137,
    target: "2001:db8::3",
  })).packet;
  assert.equal(onLink.ndTarget, "2001:db8::3");
  // A router advertisement shorter than its 16 fixed bytes.
  const short = decodeFrame(icmpFrame(V6, { type: 134 }, new Uint8Array(7)));
  assert.equal(short.packet.ndLinkMac, "");
  assert.equal(short.anomalies.count("ndp_message_too_short"), 1);
  // Every cut of each is marked, and never read past.
  for (const type of [133, 134, 137] as const) {
    assertPrefixesTruncated(neighborFrame({
      srcMac: V6.srcMac,
      src: "fe80::1",
      dst: "ff02::1",
      type,
      target: "fe80::3",
    }));
  }
});

/** `frame` (Ethernet, IPv6, ICMPv6) with `extra` bytes after its message; the lengths are fixed, the checksum is not. */
function withIcmpv6Payload(
  frame: Uint8Array,
  extra: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const out = concat(frame, extra);
  const payloadLength = frame.length - 14 - 40 + extra.length;
  out[14 + 4] = payloadLength >> 8;
  out[14 + 5] = payloadLength & 0xff;
  return out;
}

Deno.test("decodePacket() reads a router advertisement's flags, lifetime and the prefixes it gives hosts", () => {
  const frame = neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    // Other configuration, high preference, and the proxy and reserved
    // bits, which are not kept.
    flags: 0x4f,
    routerLifetimeS: 1800,
    prefixes: [
      { prefix: "2001:db8:1::", length: 64 },
      // Bits past the length, which receivers ignore, are cleared.
      { prefix: "2001:db8:2:ffff::", length: 56, flags: 0x80 },
      // Neither on-link nor autonomous, and no longer valid: not given.
      { prefix: "2001:db8:3::", length: 64, flags: 0x20 },
      { prefix: "2001:db8:4::", length: 64, validLifetimeS: 0 },
      // A length past 128: hosts drop it.
      { prefix: "2001:db8:5::", length: 129 },
      { prefix: "::", length: 0, flags: 0x40 },
    ],
  });
  const { packet, anomalies } = decodeFrame(frame);
  assert.equal(anomalies.total(), 0);
  assert.deepEqual(
    [
      packet.ndFlags,
      packet.ndRouterLifetimeS,
      packet.ndPrefixes,
      packet.ndLinkMac,
    ],
    [0x48, 1800, "2001:db8:1::/64,2001:db8:2:ff00::/56,::/0", V6.dstMac],
  );
  // Eight prefixes at most; a neighbor solicitation has none of this.
  const many = decodeFrame(neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    prefixes: Array.from(
      { length: 10 },
      (_, i) => ({ prefix: `2001:db8:${i}::`, length: 64 }),
    ),
  })).packet;
  assert.equal(many.ndPrefixes.split(",").length, 8);
  assert.equal(many.ndRouterLifetimeS, 0);
  const solicitation = decodeFrame(neighborFrame({
    srcMac: V6.srcMac,
    src: V6.src,
    dst: "ff02::1:ff00:2",
    type: 135,
    target: V6.dst,
  })).packet;
  assert.deepEqual(
    [solicitation.ndRouterLifetimeS, solicitation.ndPrefixes],
    [-1, ""],
  );
  // A prefix option cut by the snap length is not read, nor past it.
  const headers = 14 + 40 + 16 + 8;
  for (let length = headers; length < frame.length; length++) {
    const cut = decodeFrame(frame, { capturedLength: length }).packet;
    const whole = Math.floor((length - headers) / 32);
    assert.equal(
      cut.ndPrefixes,
      ["2001:db8:1::/64", "2001:db8:2:ff00::/56"].slice(0, whole).join(","),
    );
  }
});

Deno.test("decodePacket() gives each router advertisement prefix once, takes longer prefix options, and leaves out prefixes hosts ignore", () => {
  const lan = { prefix: "2001:db8:1::", length: 64 };
  const frame = neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    routerLifetimeS: 1800,
    prefixes: [
      // Eight copies of one prefix cannot crowd a ninth out.
      ...Array.from({ length: 8 }, () => lan),
      { prefix: "2001:db8:bad::", length: 64 },
      // Link-local and multicast prefixes: hosts ignore them.
      { prefix: "fe80::", length: 64 },
      { prefix: "ff02::", length: 64 },
    ],
  });
  assert.equal(
    decodeFrame(frame).packet.ndPrefixes,
    "2001:db8:1::/64,2001:db8:bad::/64",
  );
  // A preferred lifetime above the valid one: hosts ignore the option.
  const bytes = neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    prefixes: [{ prefix: "2001:db8:7::", length: 64, validLifetimeS: 100 }],
  });
  // The option after the 16-byte header and the 8-byte address option;
  // its preferred lifetime at bytes 8–11.
  const preferred = 14 + 40 + 16 + 8 + 8;
  assert.equal(decodeFrame(bytes).packet.ndPrefixes, "2001:db8:7::/64");
  bytes.set([0, 0, 0, 101], preferred);
  assert.equal(decodeFrame(bytes).packet.ndPrefixes, "");
  // A 40-byte prefix option (length 5, zero padding), as Linux takes one.
  const long = neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    linkMac: null,
  });
  const option = new Uint8Array(40);
  option.set([3, 5, 64, 0xc0, 0, 1, 0, 0, 0, 0, 0x80, 0]);
  option.set([0x20, 0x01, 0x0d, 0xb8, 0, 0x55], 16);
  const { packet, anomalies } = decodeFrame(withIcmpv6Payload(long, option));
  assert.equal(anomalies.total(), 0);
  assert.equal(packet.ndPrefixes, "2001:db8:55::/64");
});

Deno.test("decodePacket() reads a router advertisement's first fragment as far as it goes, with no anomaly for the option the next fragment finishes", () => {
  const whole = neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    flags: 0x08,
    routerLifetimeS: 1800,
    prefixes: [{ prefix: "2001:db8:bad::", length: 64 }],
  });
  // fake_router26 -E 1's way: a fragment header, the message's first 40
  // bytes (the header, the address option, half the prefix option).
  const message = whole.subarray(14 + 40);
  const fragmentHeader = new Uint8Array([58, 0, 0, 1, 0, 0, 0x12, 0x34]);
  const payload = concat(fragmentHeader, message.subarray(0, 40));
  const ip = new Uint8Array(40);
  ip.set(whole.subarray(14, 14 + 40));
  ip[4] = 0;
  ip[5] = payload.length;
  ip[6] = 44;
  const { packet, anomalies } = decodeFrame(
    concat(whole.subarray(0, 14), ip, payload),
  );
  assert.equal(anomalies.total(), 0);
  assert.deepEqual(
    [
      packet.fragment,
      packet.icmpType,
      packet.ndFlags,
      packet.ndRouterLifetimeS,
      packet.ndLinkMac,
      packet.ndPrefixes,
    ],
    [true, 134, 0x08, 1800, V6.dstMac, ""],
  );
  // A first fragment that ends within the fixed part: nothing read, and no
  // anomaly either.
  const short = concat(fragmentHeader, message.subarray(0, 8));
  ip[5] = short.length;
  const cut = decodeFrame(concat(whole.subarray(0, 14), ip, short));
  assert.equal(cut.anomalies.total(), 0);
  assert.deepEqual([cut.packet.icmpType, cut.packet.ndRouterLifetimeS], [
    134,
    -1,
  ]);
});

Deno.test("decodePacket() reads a router advertisement's routes (RFC 4191) and DNS servers (RFC 8106), as hosts take them", () => {
  const frame = neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    routerLifetimeS: 0,
    // The default route in 8 bytes, a /1 in 16, a /96 in 24, bits past the
    // length cleared; a link-local route (Linux installs it too).
    routes: ["::/0", "8000::/1", "2001:db8::ffff:0:0/96", "fe80::/64"],
    dnsServers: ["fe80::bad", "2001:db8::53", "fe80::bad"],
  });
  const { packet, anomalies } = decodeFrame(frame);
  assert.equal(anomalies.total(), 0);
  assert.deepEqual(
    [packet.ndRoutes, packet.ndDnsServers],
    [
      "::/0,8000::/1,2001:db8::ffff:0:0/96,fe80::/64",
      "fe80::bad,2001:db8::53",
    ],
  );
  // Lifetime 0 withdraws the DNS servers: none named, these withdrawn.
  const ended = decodeFrame(neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    dnsServers: ["fe80::bad"],
    dnsLifetimeS: 0,
  })).packet;
  assert.deepEqual([ended.ndDnsServers, ended.ndDnsWithdrawn], [
    "",
    "fe80::bad",
  ]);
  // An even-length DNS option (RFC 8106 requires an odd one): ignored.
  const even = neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    dnsServers: ["fe80::bad"],
  });
  const evenOption = new Uint8Array(even.length + 8);
  evenOption.set(even);
  evenOption[even.length - 24 + 1] = 4; // 4 units: the address and 8 more bytes
  // The IPv6 payload length and ICMPv6 length grow by the 8 bytes.
  evenOption[14 + 5] = evenOption[14 + 5]! + 8;
  assert.equal(decodeFrame(evenOption).packet.ndDnsServers, "");
  // A default route whose (masked) prefix bytes say ff02:: is ::/0 to
  // hosts; a route at the reserved preference is ignored (RFC 4191 2.1).
  const masked = neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    routes: ["ff02::/64"],
  });
  const optionAt = masked.length - 16;
  const zeroLength = masked.slice();
  zeroLength[optionAt + 2] = 0;
  assert.equal(decodeFrame(zeroLength).packet.ndRoutes, "::/0");
  const reserved = masked.slice();
  reserved[optionAt + 3] = 0x10;
  assert.equal(decodeFrame(reserved).packet.ndRoutes, "");
  // A route whose length its option cannot hold: ignored (RFC 4191 3.1).
  const bytes = neighborFrame({
    srcMac: V6.dstMac,
    src: "fe80::2",
    dst: "ff02::1",
    type: 134,
    routes: ["2001:db8::/32"],
  });
  const at = bytes.length - 16;
  assert.deepEqual([bytes[at], bytes[at + 2]], [24, 32]);
  const wide = bytes.slice();
  wide[at + 2] = 65; // needs 3 units, the option has 2
  assert.equal(decodeFrame(wide).packet.ndRoutes, "");
  // Options cut by the snap length are not read, nor past them.
  for (let length = 14 + 40 + 16; length < frame.length; length++) {
    const cut = decodeFrame(frame, { capturedLength: length }).packet;
    assert.ok(packet.ndRoutes.startsWith(cut.ndRoutes));
    assert.ok(
      cut.ndDnsServers === "" || cut.ndDnsServers === packet.ndDnsServers,
    );
  }
});

Deno.test("decodePacket() reads an echo's content sum from its checksum: a reply that returns its request's identifier, sequence number and data has the request's sum", () => {
  const data = new Uint8Array(56).map((_, i) => i * 7);
  const other = data.slice();
  other[55] = other[55]! ^ 1;
  const sumOf = (
    type: number,
    bytes: Uint8Array,
    ends: FlowEnds = V4,
    seq = 3,
  ) =>
    decodeFrame(icmpFrame(ends, { type, id: 9, seq }, bytes)).packet
      .icmpEchoSum;
  const request = sumOf(8, data);
  assert.ok(request >= 0 && request < 0xffff);
  assert.equal(sumOf(0, data), request);
  assert.notEqual(sumOf(0, other), request);
  assert.notEqual(sumOf(0, data, V4, 4), request);
  // ICMPv6: the pseudo-header's addresses swap places, and sum the same.
  const v6 = sumOf(128, data, V6);
  assert.ok(v6 >= 0);
  assert.equal(
    sumOf(129, data, { ...V6, src: V6.dst, dst: V6.src }),
    v6,
  );
  assert.equal(sumOf(3, data), -1);
  // Every checksum a reply can carry reads as a sum in 0–65534.
  for (const bytes of [new Uint8Array(0), new Uint8Array([0xff, 0xff])]) {
    const sum = sumOf(0, bytes);
    assert.ok(sum >= 0 && sum < 0xffff, `${sum}`);
  }
});

Deno.test("decodePacket() reads the whole echo's sum from a first fragment and from a frame the snap length cut", () => {
  const data = new Uint8Array(3_000).map((_, i) => (i * 31) & 0xff);
  const frame = icmpFrame(V4, { type: 8, id: 1, seq: 1 }, data);
  const whole = decodeFrame(frame).packet.icmpEchoSum;
  assert.equal(
    decodeFrame(frame, { capturedLength: 60 }).packet.icmpEchoSum,
    whole,
  );
  // The same message in IP fragments of 1 480 bytes: the first holds the
  // ICMP header with the whole message's checksum.
  const message = frame.subarray(14 + 20);
  const first = decodeFrame(firstFragmentFrame(1, message, 1_480)).packet;
  assert.equal(first.fragment, true);
  assert.equal(first.icmpEchoSum, whole);
});

/** One's complement sum of `bytes` (even length), 0 written for 0xffff, as the decoder writes its sums. */
function onesComplementSum(bytes: Uint8Array): number {
  let sum = 0;
  for (let at = 0; at < bytes.length; at += 2) {
    sum += (bytes[at]! << 8) | bytes[at + 1]!;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff ? 0 : sum;
}

Deno.test("decodePacket() sums an echo's data past its first 16 bytes: a ping's changing send time leaves it alone, other data changes it", () => {
  // iputils' layout: a 16-byte timeval, then the pattern 0x10, 0x11, …
  const ping = (stampByte: number, seq: number, patternEnd = 0) => {
    const data = new Uint8Array(56).map((_, i) => i < 16 ? 0 : i);
    data.fill(stampByte, 0, 16);
    if (patternEnd !== 0) data[55] = patternEnd;
    return decodeFrame(icmpFrame(V4, { type: 8, id: 77, seq }, data)).packet;
  };
  const first = ping(1, 1);
  const later = ping(200, 2);
  assert.notEqual(first.icmpEchoSum, later.icmpEchoSum);
  assert.equal(first.icmpEchoTailSum, later.icmpEchoTailSum);
  assert.equal(
    first.icmpEchoTailSum,
    onesComplementSum(new Uint8Array(40).map((_, i) => i + 16)),
  );
  assert.notEqual(ping(1, 3, 0xaa).icmpEchoTailSum, first.icmpEchoTailSum);
  // ICMPv6: the pseudo-header is in it, the same for the same two hosts.
  const v6 = (stampByte: number) => {
    const data = new Uint8Array(56).map((_, i) => i);
    data.fill(stampByte, 0, 16);
    return decodeFrame(
      icmpFrame(V6, { type: 128, id: 1, seq: stampByte }, data),
    )
      .packet.icmpEchoTailSum;
  };
  assert.ok(v6(1) >= 0);
  assert.equal(v6(1), v6(2));
  // No data past the stamp, or the stamp not captured: none.
  for (const length of [0, 8, 16]) {
    const packet = decodeFrame(
      icmpFrame(V4, { type: 8, id: 1, seq: 1 }, new Uint8Array(length)),
    ).packet;
    assert.equal(packet.icmpEchoTailSum, -1, `${length} data bytes`);
  }
  const frame = icmpFrame(V4, { type: 8, id: 1, seq: 1 }, new Uint8Array(56));
  assert.equal(
    decodeFrame(frame, { capturedLength: 14 + 20 + 8 + 15 }).packet
      .icmpEchoTailSum,
    -1,
  );
  assert.ok(
    decodeFrame(frame, { capturedLength: 14 + 20 + 8 + 16 }).packet
      .icmpEchoTailSum >= 0,
  );
  // Only echoes have one.
  assert.equal(
    decodeFrame(icmpFrame(V4, { type: 13, id: 1, seq: 1 }, new Uint8Array(56)))
      .packet.icmpEchoTailSum,
    -1,
  );
});

Deno.test("decodePacket() reads an echo's data sum past the stamp from a first fragment and a cut frame as from the whole", () => {
  const data = new Uint8Array(3_000).map((_, i) => (i * 31) & 0xff);
  const frame = icmpFrame(V4, { type: 8, id: 1, seq: 1 }, data);
  const whole = decodeFrame(frame).packet.icmpEchoTailSum;
  assert.equal(whole, onesComplementSum(data.subarray(16)));
  assert.equal(
    decodeFrame(frame, { capturedLength: 80 }).packet.icmpEchoTailSum,
    whole,
  );
  const message = frame.subarray(14 + 20);
  assert.equal(
    decodeFrame(firstFragmentFrame(1, message, 1_480)).packet.icmpEchoTailSum,
    whole,
  );
});

/** The packet time decodeFrame() gives by default, µs. */
const DEFAULT_PACKET_US = 1_700_000_000_123_456;

/** pro-bing's echo data: the send time (8 bytes, big-endian ns; the packet's time less `earlierUs`), the pinger's UUID, then `padding` bytes of 1. */
function proBingData(
  uuid: Uint8Array,
  padding = 0,
  earlierUs = 0,
): Uint8Array {
  const data = new Uint8Array(24 + padding).fill(1);
  new DataView(data.buffer).setBigUint64(
    0,
    BigInt(DEFAULT_PACKET_US - earlierUs) * 1000n,
  );
  data.set(uuid, 8);
  return data;
}

/** A version-4 UUID (RFC 9562) from `seed`. */
function uuidV4(seed: number): Uint8Array {
  const uuid = new Uint8Array(16).map((_, i) => (seed * 131 + i * 29) & 255);
  uuid[6] = (uuid[6]! & 0x0f) | 0x40;
  uuid[8] = (uuid[8]! & 0x3f) | 0x80;
  return uuid;
}

Deno.test("decodePacket() tells pro-bing's echo data (send time, a version-4 UUID, bytes of 1) at any size, cut or whole, and nothing else", () => {
  const echo = (data: Uint8Array, ends: FlowEnds = V4, type = 8) =>
    decodeFrame(icmpFrame(ends, { type, id: 4242, seq: 0 }, data)).packet;
  for (const padding of [0, 1, 2, 7, 40, 1448]) {
    for (const seed of [1, 2, 3]) {
      const data = proBingData(uuidV4(seed), padding, seed * 1_000);
      assert.equal(echo(data).icmpEchoTracker, true, `${padding} + ${seed}`);
      assert.equal(echo(data, V6, 128).icmpEchoTracker, true, "ICMPv6");
      assert.equal(echo(data, V4, 0).icmpEchoTracker, true, "its reply");
    }
  }
  // Its padding not all captured, or longer than a 1500-byte datagram's.
  const long = icmpFrame(
    V4,
    { type: 8, id: 1, seq: 0 },
    proBingData(uuidV4(9), 500),
  );
  assert.equal(decodeFrame(long).packet.icmpEchoTracker, true);
  assert.equal(
    decodeFrame(long, { capturedLength: 14 + 20 + 8 + 400 }).packet
      .icmpEchoTracker,
    false,
  );
  assert.equal(echo(proBingData(uuidV4(9), 1449)).icmpEchoTracker, false);
  // Sent within a minute of its capture, either way (skewed clocks): yes;
  // further: no (its first bytes are free for other data then).
  assert.equal(
    echo(proBingData(uuidV4(3), 0, 59_000_000)).icmpEchoTracker,
    true,
  );
  assert.equal(
    echo(proBingData(uuidV4(3), 0, -59_000_000)).icmpEchoTracker,
    true,
  );
  assert.equal(
    echo(proBingData(uuidV4(3), 0, 61_000_000)).icmpEchoTracker,
    false,
  );
  assert.equal(
    echo(proBingData(uuidV4(3), 0, -61_000_000)).icmpEchoTracker,
    false,
  );
  // Not pro-bing: another version or variant, other padding, too short.
  const uuid = uuidV4(5);
  const version1 = uuid.slice();
  version1[6] = (version1[6]! & 0x0f) | 0x10;
  const variantOther = uuid.slice();
  variantOther[8] = uuid[8]! | 0xc0;
  const otherPadding = proBingData(uuid, 8);
  otherPadding[30] = 2;
  for (
    const data of [
      proBingData(version1, 8),
      proBingData(variantOther, 8),
      otherPadding,
      proBingData(uuid).subarray(0, 23),
      new Uint8Array(56).map((_, i) => i),
      new Uint8Array(56),
    ]
  ) {
    assert.equal(echo(data).icmpEchoTracker, false);
  }
});
