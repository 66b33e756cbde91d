import assert from "node:assert/strict";
import { chipProtocols, filterRows, matchesChip } from "./packet_filter.ts";
import {
  compilePacketSearch,
  matchesPacketSearch,
} from "../server/packet_search.ts";
import { packetRow as row } from "../server/test_rows.ts";

const TLS = row({
  n: 1,
  protocol: "HTTPS/TLS",
  flags: "P.",
  srcPort: 51000,
  dstPort: 443,
  info: "TLS record",
});
const DNS_UDP = row({
  n: 2,
  protocol: "DNS",
  srcPort: 53000,
  dstPort: 53,
  info: "DNS query example.com A",
});
const MDNS = row({ n: 3, protocol: "mDNS", srcPort: 5353, dstPort: 5353 });
const ARP = row({
  n: 4,
  protocol: "ARP",
  info: "Who has 10.0.0.9? Tell 10.0.0.1",
});
const PING = row({
  n: 5,
  protocol: "ICMP",
  info: "ICMP echo request id 7 seq 1",
});
const PING6 = row({ n: 6, protocol: "ICMPv6", src: "fe80::1", dst: "ff02::1" });
const HTTP = row({
  n: 7,
  protocol: "HTTP",
  flags: "S",
  dstPort: 80,
  srcPort: 40000,
});
const SCTP = row({
  n: 8,
  protocol: "SCTP",
  srcPort: 40000,
  dstPort: 2905,
  info: "40000 → 2905 [INIT] len 20",
});
const ALL = [TLS, DNS_UDP, MDNS, ARP, PING, PING6, HTTP, SCTP];

Deno.test("matchesChip() sorts rows by transport (TCP, UDP) and by service", () => {
  const pick = (chip: Parameters<typeof matchesChip>[1]) =>
    ALL.filter((r) => matchesChip(r, chip)).map((r) => r.n);
  assert.deepEqual(pick("All"), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(pick("TCP"), [1, 7]);
  assert.deepEqual(pick("UDP"), [2, 3]);
  assert.deepEqual(pick("DNS"), [2, 3]);
  assert.deepEqual(pick("ARP"), [4]);
  assert.deepEqual(pick("HTTP"), [7]);
  assert.deepEqual(pick("ICMP"), [5, 6]);
});

Deno.test("matchesPacketSearch() finds addresses, info and exact ports, case-insensitively", () => {
  const has = (r: typeof TLS, text: string) =>
    matchesPacketSearch(r, compilePacketSearch(text));
  assert.ok(has(DNS_UDP, "example.com"));
  assert.ok(has(PING6, "fe80"));
  assert.ok(has(TLS, "443"));
  assert.ok(!has(TLS, "44"), "ports match whole");
  assert.ok(has(ARP, "who has"));
  assert.ok(has(TLS, ""));
});

Deno.test("filterRows() matches whole hosts, the page's addr:port form and TCP flag words", () => {
  const rows = [
    row({ n: 1, src: "192.168.1.6", dst: "10.0.0.9" }),
    row({ n: 2, src: "192.168.1.66", dst: "10.0.0.9" }),
    row({
      n: 3,
      src: "192.168.1.23",
      srcPort: 443,
      dst: "10.0.0.9",
      dstPort: 50000,
      flags: "S.",
      protocol: "HTTPS/TLS",
    }),
    row({
      n: 4,
      src: "fd00::1",
      srcPort: 443,
      dst: "fd00::2",
      dstPort: 50001,
      flags: "S",
      protocol: "HTTPS/TLS",
    }),
  ];
  const pick = (text: string) => filterRows(rows, "All", text).map((r) => r.n);
  assert.deepEqual(pick("192.168.1.6"), [1]);
  assert.deepEqual(pick("192.168.1.23:443"), [3]);
  assert.deepEqual(pick("[fd00::1]:443"), [4]);
  assert.deepEqual(pick("SYN"), [3, 4]);
  assert.deepEqual(pick("SYN/ACK"), [3]);
  assert.deepEqual(pick("[S]"), [4]);
});

Deno.test("chipProtocols() asks the sensor for what each chip shows", () => {
  assert.equal(chipProtocols("All"), "");
  assert.equal(chipProtocols("TCP"), "TCP");
  assert.equal(chipProtocols("DNS"), "DNS,mDNS,LLMNR");
  assert.equal(chipProtocols("ICMP"), "ICMP,ICMPv6");
});

Deno.test("filterRows() keeps order, ignores case and spaces, and returns the same array when unfiltered", () => {
  assert.equal(filterRows(ALL, "All", "  "), ALL);
  assert.deepEqual(
    filterRows(ALL, "All", " WHO HAS ").map((r) => r.n),
    [4],
  );
  assert.deepEqual(filterRows(ALL, "DNS", "5353").map((r) => r.n), [3]);
});
