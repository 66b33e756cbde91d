import assert from "node:assert/strict";
import {
  dnsMessage,
  icmpFrame,
  tcpFrame,
  udpDatagram,
  udpFrame,
} from "../capture/frame_builder.ts";
import {
  decodeFrame,
  fragmentFrames,
  hex,
  MACS,
} from "../capture/decode/test_helpers.ts";
import {
  compilePacketQuery,
  matchesPacketQuery,
  packetInfo,
  toPacketRow,
} from "./packet_row.ts";
import { tlsClientHello } from "./demo/tls_records.ts";

const V4 = { ...MACS, src: "10.0.0.1", dst: "10.0.0.53" };

function udpTo53(payload: Uint8Array) {
  return decodeFrame(udpFrame(V4, { srcPort: 40000, dstPort: 53 }, payload))
    .packet;
}

Deno.test("packetInfo() names DNS messages, and another protocol on port 53 as not DNS", () => {
  assert.equal(
    packetInfo(udpTo53(dnsMessage({ id: 7, name: "example.com", qtype: 1 }))),
    "DNS query example.com A",
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

Deno.test("packetInfo() names DNS types and response codes, and ICMP messages with what an error quotes", () => {
  const answer = decodeFrame(
    udpFrame(
      { ...V4, src: "10.0.0.53", dst: "10.0.0.1" },
      { srcPort: 53, dstPort: 40000 },
      dnsMessage({
        id: 7,
        name: "nowhere.example",
        qtype: 28,
        response: true,
        rcode: 3,
      }),
    ),
  ).packet;
  assert.equal(
    packetInfo(answer),
    "DNS response nowhere.example AAAA NXDOMAIN, 0 answers",
  );
  assert.equal(
    packetInfo(
      udpTo53(dnsMessage({ id: 8, name: "example.com", qtype: 64_999 })),
    ),
    "DNS query example.com TYPE64999",
  );
  const ping = decodeFrame(icmpFrame(V4, { type: 8, id: 7, seq: 1 })).packet;
  assert.equal(packetInfo(ping), "ICMP echo request id 7 seq 1");
  const v6 = { ...MACS, src: "fd00::1", dst: "fd00::2" };
  assert.equal(
    packetInfo(decodeFrame(icmpFrame(v6, { type: 129, id: 3, seq: 9 })).packet),
    "ICMP6 echo reply id 3 seq 9",
  );
  // A port unreachable quoting the datagram it refuses (IP header onwards).
  const refused = udpFrame(
    V4,
    { srcPort: 40000, dstPort: 1025 },
    new Uint8Array(0),
  )
    .subarray(14);
  const unreachable = decodeFrame(
    icmpFrame(
      { ...V4, src: V4.dst, dst: V4.src },
      { type: 3, code: 3 },
      refused,
    ),
  ).packet;
  assert.equal(
    packetInfo(unreachable),
    "ICMP port unreachable, quoting udp 10.0.0.53:1025",
  );
  assert.equal(
    packetInfo(decodeFrame(icmpFrame(V4, { type: 42, code: 1 })).packet),
    "ICMP type 42 code 1",
  );
});

Deno.test("packetInfo() says a DNS message without a question has none", () => {
  // A header only: id 7, a query, no question.
  const bare = udpTo53(hex("000701000000000000000000"));
  assert.equal(packetInfo(bare), "DNS query (no question)");
});

Deno.test("toPacketRow() shows a later IP fragment by its IP protocol and datagram", () => {
  const datagram = udpDatagram(
    { src: V4.dst, dst: V4.src, srcPort: 53, dstPort: 40000 },
    new Uint8Array(3000),
  );
  const frames = fragmentFrames(
    17,
    datagram,
    1480,
    { src: V4.dst, dst: V4.src },
    4242,
  );
  const [first, later] = frames.map((frame) => decodeFrame(frame).packet);
  assert.deepEqual(
    [toPacketRow(1, first!).protocol, toPacketRow(2, later!).protocol],
    ["DNS", "Other UDP"],
  );
  assert.equal(
    toPacketRow(2, later!).info,
    "IP fragment of datagram 4242, protocol 17",
  );
});

Deno.test("packetInfo() says what an HTTP request asks (host and target), a response's status, and a ClientHello's server name", () => {
  const text = (payload: string) => new TextEncoder().encode(payload);
  const info = (dstPort: number, payload: Uint8Array) =>
    packetInfo(
      decodeFrame(
        tcpFrame(V4, { srcPort: 40000, dstPort, flags: 0x18 }, payload),
      ).packet,
    );
  assert.equal(
    info(80, text("GET /a,b HTTP/1.1\r\nHost: example.com\r\n\r\n")),
    "HTTP GET example.com/a,b",
  );
  assert.equal(
    info(3128, text("CONNECT example.com:443 HTTP/1.1\r\n\r\n")),
    "HTTP CONNECT example.com:443",
  );
  assert.equal(
    info(80, text("HTTP/1.1 301 Moved Permanently\r\n\r\n")),
    "HTTP response 301",
  );
  const bytes = (n: number) => new Uint8Array(32).fill(n);
  assert.equal(
    info(
      443,
      tlsClientHello({
        serverName: "www.example.org",
        random: bytes(1),
        sessionId: bytes(2),
        keyShare: bytes(3),
      }),
    ),
    "TLS ClientHello www.example.org",
  );
});

Deno.test("compilePacketQuery() reads the protocol list once: any name matches, case, spaces and empty names aside", () => {
  const dns = udpTo53(dnsMessage({ id: 1, name: "example.com", qtype: 1 }));
  const row = toPacketRow(1, dns);
  const matches = (protocol: string) =>
    matchesPacketQuery(compilePacketQuery({ protocol }), dns, row);
  assert.equal(row.protocol, "DNS");
  assert.deepEqual(
    [...compilePacketQuery({ protocol: " DNS ,,Tls, dns" }).protocols!],
    ["dns", "tls"],
  );
  assert.equal(matches(" DNS ,,tls"), true);
  assert.equal(matches("tcp,UDP"), true); // the transport
  assert.equal(matches("ipv4"), true); // the network
  assert.equal(matches("tls,http"), false);
  assert.equal(matches(",,"), false); // names none: matches none
  assert.equal(matches(""), true); // no list: any
  const fromElsewhere = compilePacketQuery({ src: "10.0.0.9" });
  assert.equal(matchesPacketQuery(fromElsewhere, dns, row), false);
});
