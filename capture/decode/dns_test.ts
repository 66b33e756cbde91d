import assert from "node:assert/strict";
import {
  dnsMessage,
  encodeDnsName,
  tcpFrame,
  udpDatagram,
  udpFrame,
} from "../frame_builder.ts";
import { isDnsMessage } from "./dns.ts";
import {
  assertPrefixesTruncated,
  concat,
  decodeFrame,
  firstFragmentFrame,
  hex,
  MACS,
} from "./test_helpers.ts";

const V4 = { ...MACS, src: "10.0.0.1", dst: "10.0.0.53" };
const V6 = { ...MACS, src: "2001:db8::1", dst: "2001:db8::53" };

/** A query header (id 0xbeef, RD, one question) followed by `question`. */
function query(question: Uint8Array): Uint8Array {
  return concat(hex("beef 0100 0001 0000 0000 0000"), question);
}

function decodeUdpDns(payload: Uint8Array, dstPort = 53) {
  return decodeFrame(udpFrame(V4, { srcPort: 40000, dstPort }, payload));
}

Deno.test("decodePacket() reads a DNS query's header and first question", () => {
  const message = dnsMessage({
    id: 0x1234,
    name: "WWW.Example.COM",
    qtype: 28,
  });
  const { packet, anomalies } = decodeUdpDns(message);
  assert.deepEqual(
    [
      packet.app,
      packet.dnsId,
      packet.dnsResponse,
      packet.dnsOpcode,
      packet.dnsRcode,
      packet.dnsQname,
      packet.dnsQtype,
      packet.dnsQuestionCount,
      packet.dnsAnswerCount,
    ],
    ["dns", 0x1234, false, 0, 0, "www.example.com", 28, 1, 0],
  );
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() reads a DNS response over IPv6 from port 53", () => {
  const message = dnsMessage({
    id: 7,
    name: "nx.example.org.",
    qtype: 1,
    response: true,
    rcode: 3,
    answers: ["192.0.2.1", "192.0.2.2"],
  });
  const { packet } = decodeFrame(
    udpFrame(V6, { srcPort: 53, dstPort: 33000 }, message),
  );
  assert.deepEqual(
    [
      packet.network,
      packet.dnsResponse,
      packet.dnsRcode,
      packet.dnsAnswerCount,
      packet.dnsQname,
    ],
    ["ipv6", true, 3, 2, "nx.example.org"],
  );
});

Deno.test("decodePacket() decodes DNS on mDNS and LLMNR ports, and not on others", () => {
  const message = dnsMessage({ id: 0, name: "printer.local", qtype: 12 });
  for (const port of [5353, 5355]) {
    assert.equal(decodeUdpDns(message, port).packet.dnsQname, "printer.local");
  }
  const other = decodeUdpDns(message, 5300).packet;
  assert.deepEqual([other.app, other.dnsId, other.dnsQname], ["", -1, ""]);
});

Deno.test("decodePacket() reads DNS over TCP after the 2-byte length prefix", () => {
  const message = dnsMessage({ id: 99, name: "Zone.Example", qtype: 252 });
  const prefixed = concat(
    hex(message.length.toString(16).padStart(4, "0")),
    message,
  );
  for (const port of [53, 5353]) {
    const frame = tcpFrame(
      V4,
      { srcPort: 50000, dstPort: port, flags: 0x18 },
      prefixed,
    );
    const { packet, anomalies } = decodeFrame(frame);
    assert.deepEqual(
      [
        packet.transport,
        packet.app,
        packet.dnsId,
        packet.dnsQname,
        packet.dnsQtype,
      ],
      ["tcp", "dns", 99, "zone.example", 252],
    );
    assert.equal(anomalies.total(), 0);
  }
  const syn = decodeFrame(
    tcpFrame(V4, { srcPort: 50000, dstPort: 53, flags: 2 }),
  );
  assert.deepEqual([syn.packet.app, syn.anomalies.total()], ["", 0]);
});

Deno.test("decodePacket() reads a DNS-over-TCP message split over segments and skips continuations", () => {
  // The segments of one query (dns-incomplete.pcap, frames 9 and 11): prefix 28, header; then the question.
  const head = hex("001c 1032 0100 0001 0000 0000 0000");
  const rest = hex("06676f6f676c6503636f6d00 0010 0001");
  const first = decodeFrame(
    tcpFrame(V4, { srcPort: 59194, dstPort: 53, flags: 0x18 }, head),
  );
  assert.deepEqual(
    [
      first.packet.app,
      first.packet.dnsId,
      first.packet.dnsQuestionCount,
      first.packet.dnsQname,
      first.packet.dnsQtype,
    ],
    ["dns", 0x1032, 1, "", -1],
  );
  assert.equal(first.anomalies.total(), 0);
  const next = decodeFrame(
    tcpFrame(V4, { srcPort: 59194, dstPort: 53, flags: 0x18 }, rest),
  );
  assert.deepEqual(
    [next.packet.app, next.packet.dnsId, next.anomalies.total()],
    ["", -1, 0],
  );
  // A prefix sent on its own, and a question cut mid-name by the segment end.
  const prefixOnly = decodeFrame(
    tcpFrame(V4, { srcPort: 1, dstPort: 53, flags: 0x18 }, hex("001c")),
  );
  assert.deepEqual([prefixOnly.packet.app, prefixOnly.anomalies.total()], [
    "",
    0,
  ]);
  const midName = decodeFrame(
    tcpFrame(
      V4,
      { srcPort: 1, dstPort: 53, flags: 0x18 },
      concat(head, rest.subarray(0, 4)),
    ),
  );
  assert.deepEqual([
    midName.packet.dnsQname,
    midName.packet.truncated,
    midName.anomalies.total(),
  ], ["", false, 0]);
  // But a message that ends before its question does is malformed.
  const short = decodeFrame(
    tcpFrame(
      V4,
      { srcPort: 1, dstPort: 53, flags: 0x18 },
      concat(hex("000e"), head.subarray(2), hex("01 61")),
    ),
  );
  assert.equal(short.packet.anomaly, "dns_name_overrun");
});

Deno.test("decodePacket() follows compression pointers in the question name", () => {
  // "a" then a pointer to "example.com" stored after the question.
  const tail = encodeDnsName("Example.com");
  const question = concat(hex("01 61 c0 14"), hex("0001 0001"), tail);
  const { packet, anomalies } = decodeUdpDns(query(question));
  assert.deepEqual([packet.dnsQname, packet.dnsQtype], ["a.example.com", 1]);
  assert.equal(anomalies.total(), 0);
});

Deno.test("decodePacket() stops a compression-pointer loop", () => {
  const loops = [
    hex("c0 0c 0001 0001"), // points at itself
    hex("c0 0e c0 0c 0001 0001"), // two pointers at each other
    hex("01 61 c0 0c 0001 0001"), // a label, then back to its start
  ];
  for (const question of loops) {
    const { packet, anomalies } = decodeUdpDns(query(question));
    assert.equal(packet.anomaly, "dns_name_loop");
    assert.equal(anomalies.count("dns_name_loop"), 1);
    assert.deepEqual([packet.app, packet.dnsId, packet.dnsQtype], [
      "dns",
      0xbeef,
      -1,
    ]);
  }
});

Deno.test("decodePacket() counts bad labels, overruns, long names and short messages", () => {
  const bad = decodeUdpDns(query(hex("41 61 00 0001 0001"))).packet;
  assert.equal(bad.anomaly, "dns_bad_label");
  const overrun = decodeUdpDns(query(hex("05 61 62"))).packet;
  assert.deepEqual([overrun.anomaly, overrun.truncated], [
    "dns_name_overrun",
    false,
  ]);
  const noType = decodeUdpDns(query(hex("01 61 00 00"))).packet;
  assert.deepEqual([noType.dnsQname, noType.anomaly], [
    "a",
    "dns_question_overrun",
  ]);
  const long = decodeUdpDns(
    query(
      concat(encodeDnsName(`${"a".repeat(63)}.`.repeat(5)), hex("0001 0001")),
    ),
  ).packet;
  assert.equal(long.anomaly, "dns_name_too_long");
  const short = decodeUdpDns(hex("0001 0100 0001"));
  assert.deepEqual([short.packet.app, short.packet.anomaly], [
    "",
    "dns_too_short",
  ]);
  const empty = decodeUdpDns(new Uint8Array(0));
  assert.deepEqual([empty.packet.app, empty.anomalies.total()], ["", 0]);
});

Deno.test("isDnsMessage() tells DNS from another protocol's datagrams on port 53 (iodine's raw mode)", () => {
  const good = decodeUdpDns(
    dnsMessage({ id: 7, name: "example.com", qtype: 1 }),
  ).packet;
  assert.equal(isDnsMessage(good), true);
  // iodine's raw data header: 10 d1 9e 20, read as opcode 3.
  const raw = decodeUdpDns(
    hex("10d19e2078da6360e06070656008b9fec581c1810a0b0c0d"),
  ).packet;
  assert.equal(raw.dnsOpcode, 3);
  assert.equal(isDnsMessage(raw), false);
  const badLabel = decodeUdpDns(query(hex("41 61 00 0001 0001"))).packet;
  assert.equal(isDnsMessage(badLabel), false);
  // A message cut by the snap length is still DNS.
  const frame = udpFrame(
    V4,
    { srcPort: 40000, dstPort: 53 },
    dnsMessage({ id: 7, name: "example.com", qtype: 1 }),
  );
  const cut = decodeFrame(frame, { capturedLength: frame.length - 6 }).packet;
  assert.equal(cut.truncated, true);
  assert.equal(isDnsMessage(cut), true);
  // No header at all is no message either.
  assert.equal(isDnsMessage(decodeUdpDns(hex("10d19e30")).packet), false);
});

Deno.test("decodePacket() escapes dots and unprintable bytes inside labels", () => {
  const question = concat(hex("03 61 2e 62 02 20 ff 00"), hex("0010 0001"));
  const { packet } = decodeUdpDns(query(question));
  assert.deepEqual([packet.dnsQname, packet.dnsQtype], [
    "a\\046b.\\032\\255",
    16,
  ]);
  const root = decodeUdpDns(query(hex("00 0002 0001"))).packet;
  assert.deepEqual([root.dnsQname, root.dnsQtype], ["", 2]);
});

Deno.test("decodePacket() reads the longest name whose every byte is escaped, and names after it afresh", () => {
  // Labels of 63, 63, 63 and 61 bytes: 255 wire bytes with the root label
  // (the most allowed), 250 bytes of 0x00 written "\\000", and 3 dots.
  const label = (length: number) =>
    concat(Uint8Array.of(length), new Uint8Array(length));
  const name = concat(label(63), label(63), label(63), label(61), hex("00"));
  const { packet, anomalies } = decodeUdpDns(
    query(concat(name, hex("0001 0001"))),
  );
  const expected = [63, 63, 63, 61].map((n) => "\\000".repeat(n)).join(".");
  assert.equal(expected.length, 1_003);
  assert.deepEqual([packet.dnsQname, packet.dnsQtype, anomalies.total()], [
    expected,
    1,
    0,
  ]);
  // The next name is not left over from the long one.
  const next = decodeUdpDns(dnsMessage({ id: 2, name: "a.b", qtype: 1 }));
  assert.equal(next.packet.dnsQname, "a.b");
});

Deno.test("decodePacket() marks every cut DNS frame truncated, keeping the name read so far", () => {
  const frame = udpFrame(
    V4,
    { srcPort: 40000, dstPort: 53 },
    dnsMessage({ id: 1, name: "abc.example", qtype: 16 }),
  );
  const names = assertPrefixesTruncated(frame);
  assert.ok(names.has("dns_truncated"));
  const cut = decodeFrame(frame, { capturedLength: frame.length - 7 }).packet;
  assert.deepEqual([cut.app, cut.dnsQname, cut.dnsQtype, cut.truncated], [
    "dns",
    "abc",
    -1,
    true,
  ]);
});

Deno.test("decodePacket() reads a DNS message's start in a first IP fragment without calling the rest missing", () => {
  // A response whose first fragment ends inside the question's name, or
  // inside the header: the rest is in a later fragment, not damaged.
  const response = concat(
    hex("beef 8180 0001 0001 0000 0000"),
    encodeDnsName("a-rather-long-name.example.com"),
    hex("0010 0001"),
    new Uint8Array(2000),
  );
  const datagram = udpDatagram(
    { src: V4.dst, dst: V4.src, srcPort: 53, dstPort: 40000 },
    response,
  );
  const ends = { src: V4.dst, dst: V4.src };
  const inName = decodeFrame(firstFragmentFrame(17, datagram, 24, ends));
  assert.deepEqual(
    [
      inName.packet.app,
      inName.packet.dnsId,
      inName.packet.dnsResponse,
      inName.packet.dnsQname,
      inName.packet.truncated,
    ],
    ["dns", 0xbeef, true, "", false],
  );
  assert.equal(inName.anomalies.total(), 0);
  // The same first fragment cut by the snap length inside the name: a cut
  // capture.
  const cut = decodeFrame(firstFragmentFrame(17, datagram, 48, ends), {
    capturedLength: 14 + 20 + 8 + 20,
  });
  assert.deepEqual(
    [
      cut.packet.truncated,
      cut.anomalies.cutCount("dns_truncated"),
      cut.anomalies.total(),
    ],
    [true, 1, 0],
  );
  const inHeader = decodeFrame(firstFragmentFrame(17, datagram, 16, ends));
  assert.deepEqual(
    [inHeader.packet.app, inHeader.packet.truncated],
    ["", false],
  );
  assert.equal(inHeader.anomalies.total(), 0);
  // The same bytes as a whole datagram are a message that ends early.
  const short = decodeUdpDns(response.subarray(0, 16), 53);
  assert.ok(short.anomalies.total() > 0);
});
