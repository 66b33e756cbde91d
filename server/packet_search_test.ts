import assert from "node:assert/strict";
import {
  canonicalAddress,
  compilePacketSearch,
  matchesPacketSearch,
} from "./packet_search.ts";
import { packetRow as row } from "./test_rows.ts";

const HOST_6 = row({ n: 1, src: "192.168.1.6", dst: "10.0.0.1" });
const HOST_66 = row({ n: 2, src: "192.168.1.66", dst: "10.0.0.1" });
const HTTPS = row({
  n: 3,
  src: "192.168.1.23",
  srcPort: 51000,
  dst: "93.184.216.34",
  dstPort: 443,
  protocol: "HTTPS/TLS",
  flags: "P.",
  info: "TLS record",
});
const SYN = row({
  n: 4,
  src: "192.168.1.66",
  srcPort: 40000,
  dst: "192.168.1.23",
  dstPort: 22,
  protocol: "SSH",
  flags: "S",
  info: "40000 → 22 [S] len 0",
});
const SYN_ACK = row({
  n: 5,
  src: "192.168.1.23",
  srcPort: 22,
  dst: "192.168.1.66",
  dstPort: 40000,
  protocol: "SSH",
  flags: "S.",
  info: "22 → 40000 [S.] len 0",
});
const V6 = row({
  n: 6,
  src: "fd00::1",
  srcPort: 443,
  dst: "fd00::abcd",
  dstPort: 50000,
  protocol: "HTTPS/TLS",
  flags: ".",
  info: "TLS record",
});
const ARP = row({
  n: 7,
  src: "192.168.1.1",
  dst: "192.168.1.6",
  protocol: "ARP",
  info: "Who has 192.168.1.6? Tell 192.168.1.1",
});
const ND = row({
  n: 8,
  src: "fe80::1",
  dst: "ff02::1",
  protocol: "ICMPv6",
  info: "ICMP6 neighbor advertisement, fd00::1 is at 08:00:27:c3:5a:4b",
});
const UDP = row({
  n: 9,
  src: "192.168.1.60",
  srcPort: 5353,
  dst: "224.0.0.251",
  dstPort: 5353,
  protocol: "mDNS",
  info: "DNS query printer.local A",
});
const ALL = [HOST_6, HOST_66, HTTPS, SYN, SYN_ACK, V6, ARP, ND, UDP];

function find(text: string): number[] {
  const search = compilePacketSearch(text);
  return ALL.filter((r) => matchesPacketSearch(r, search)).map((r) => r.n);
}

Deno.test("compilePacketSearch() matches an address whole: 192.168.1.6 is not 192.168.1.66 or .60", () => {
  assert.deepEqual(find("192.168.1.6"), [1, 7]);
  assert.deepEqual(find("192.168.1.66"), [2, 4, 5]);
  // An address inside Info counts only as a whole word.
  assert.deepEqual(find("fd00::1"), [6, 8]);
  assert.deepEqual(find("FD00:0:0::1"), [6, 8], "any IPv6 spelling");
  assert.deepEqual(find("08:00:27:C3:5A:4B"), [8], "a MAC");
});

Deno.test("compilePacketSearch() matches the addr:port form the page shows, on one side", () => {
  assert.deepEqual(find("192.168.1.23:443"), []);
  assert.deepEqual(find("93.184.216.34:443"), [3]);
  assert.deepEqual(find("192.168.1.23:22"), [4, 5]);
  assert.deepEqual(find("192.168.1.66:22"), [], "port on the other side");
  assert.deepEqual(find("[fd00::1]:443"), [6]);
  assert.deepEqual(find("[fd00::abcd]:443"), []);
  assert.deepEqual(find("[fd00:0::1]:443"), [6]);
});

Deno.test("compilePacketSearch() understands TCP flag words and the bracketed form", () => {
  assert.deepEqual(find("SYN"), [4, 5]);
  assert.deepEqual(find("syn"), [4, 5], "any case");
  assert.deepEqual(find("SYN/ACK"), [5]);
  assert.deepEqual(find("syn-ack"), [5]);
  assert.deepEqual(find("ACK"), [3, 5, 6]);
  assert.deepEqual(find("[S]"), [4], "bracketed: exactly those flags");
  assert.deepEqual(find("[S.]"), [5]);
  assert.deepEqual(find("FIN"), []);
  assert.deepEqual(find("RST"), []);
});

Deno.test("compilePacketSearch() needs every word; other words match text or a whole port", () => {
  assert.deepEqual(find("192.168.1.66 SYN"), [4, 5]);
  assert.deepEqual(find("192.168.1.66 [S]"), [4]);
  assert.deepEqual(find("who has"), [7]);
  assert.deepEqual(find("  TLS  "), [3, 6]);
  assert.deepEqual(find("443"), [3, 6]);
  assert.deepEqual(find("44"), [], "ports match whole");
  assert.deepEqual(find("mdns"), [9], "the protocol");
  assert.deepEqual(
    find("192.168.1"),
    [1, 2, 3, 4, 5, 7, 9],
    "a prefix is text",
  );
  assert.deepEqual(find(""), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

Deno.test("canonicalAddress() writes addresses as rows do, and refuses the rest", () => {
  assert.equal(canonicalAddress("10.0.0.1"), "10.0.0.1");
  assert.equal(canonicalAddress("FD00:0000::0001"), "fd00::1");
  assert.equal(canonicalAddress("AA:BB:CC:DD:EE:FF"), "aa:bb:cc:dd:ee:ff");
  for (const text of ["10.0.0", "10.0.0.01", "fe80::1%eth0", "host", "::g"]) {
    assert.equal(canonicalAddress(text), "", text);
  }
});
