import assert from "node:assert/strict";
import { packetBetween } from "../capture/decode/test_helpers.ts";
import {
  formatIpv4,
  isGroupAddress,
  isGroupDestination,
  isGroupMac,
  isSpoofOnlySource,
  isUnanswerableSource,
  isUnspecifiedAddress,
  parseIpv4,
  subnetOf,
} from "./addresses.ts";

Deno.test("parseIpv4() reads dotted quads as unsigned 32-bit numbers", () => {
  assert.equal(parseIpv4("0.0.0.0"), 0);
  assert.equal(parseIpv4("10.0.0.1"), 0x0a000001);
  assert.equal(parseIpv4("192.168.1.7"), 0xc0a80107);
  assert.equal(parseIpv4("255.255.255.255"), 0xffffffff);
});

Deno.test("parseIpv4() gives -1 for anything but four decimal octets", () => {
  for (
    const bad of [
      "",
      "10.0.0",
      "10.0.0.1.",
      "10.0.0.1.2",
      ".10.0.0",
      "10..0.1",
      "10.0.0.256",
      "10.0.0.1000",
      "01.2.3.4",
      "1.2.3.04",
      "a.b.c.d",
      "2001:db8::1",
      "::ffff:10.0.0.1",
      " 10.0.0.1",
    ]
  ) {
    assert.equal(parseIpv4(bad), -1, bad);
  }
});

Deno.test("formatIpv4() writes unsigned and signed 32-bit numbers alike", () => {
  assert.equal(formatIpv4(0x0a000001), "10.0.0.1");
  assert.equal(formatIpv4(0xffffffff), "255.255.255.255");
  assert.equal(formatIpv4(0xc0a80107 & 0xffffff00), "192.168.1.0"); // negative
  for (const text of ["0.0.0.0", "172.16.254.3", "224.0.0.251"]) {
    assert.equal(formatIpv4(parseIpv4(text)), text);
  }
});

Deno.test("subnetOf() names the /24 of IPv4 and the /64 of IPv6 addresses", () => {
  assert.equal(subnetOf("10.0.3.77"), "10.0.3.0/24");
  assert.equal(subnetOf("2001:db8:0:1:2:3:4:5"), "2001:db8:0:1::/64");
  assert.equal(subnetOf("2001:db8::1"), "2001:db8::/64");
  assert.equal(subnetOf("2001:db8:a:b::1"), "2001:db8:a:b::/64");
  assert.equal(subnetOf("fe80::1"), "fe80::/64");
  assert.equal(subnetOf("::1"), "::/64");
  assert.equal(subnetOf("::"), "::/64");
  assert.equal(subnetOf("::ffff:192.0.2.1"), "::/64");
  assert.equal(subnetOf("2001:0db8:0000:0001::1"), "2001:db8:0:1::/64");
  // Zero groups inside the prefix stay; only those ending it join the "::".
  assert.equal(subnetOf("2001:0:0:1::1"), "2001:0:0:1::/64");
  assert.equal(subnetOf("2001:0:0:0:1::"), "2001::/64");
});

Deno.test("isGroupAddress() is true for multicast and limited broadcast only", () => {
  for (
    const group of [
      "224.0.0.1",
      "239.255.255.250",
      "255.255.255.255",
      "ff02::1",
      "ff05::1:3",
    ]
  ) {
    assert.equal(isGroupAddress(group), true, group);
  }
  for (
    const unicast of [
      "223.255.255.255",
      "240.0.0.1",
      "10.0.0.255",
      "0.0.0.0",
      "::",
      "fe80::1",
      "2001:db8::ff",
      "",
    ]
  ) {
    assert.equal(isGroupAddress(unicast), false, unicast);
  }
});

Deno.test("isGroupDestination() agrees with isGroupAddress() on the destination, IPv4 read by key", () => {
  const addresses = [
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "223.255.255.255",
    "240.0.0.1",
    "10.0.0.255",
    "0.0.0.0",
    "ff02::1",
    "fe80::1",
    "",
  ];
  for (const dst of addresses) {
    assert.equal(
      isGroupDestination(packetBetween("10.0.0.1", dst)),
      isGroupAddress(dst),
      dst,
    );
  }
  // An IPv4 destination is judged by its key alone.
  const keyed = { ...packetBetween("10.0.0.1", "224.0.0.251"), dstAddress: "" };
  assert.equal(isGroupDestination(keyed), true);
});

Deno.test("isUnspecifiedAddress() is true for 0.0.0.0 and :: only", () => {
  assert.equal(isUnspecifiedAddress("0.0.0.0"), true);
  assert.equal(isUnspecifiedAddress("::"), true);
  assert.equal(isUnspecifiedAddress("::1"), false);
  assert.equal(isUnspecifiedAddress("0.0.0.1"), false);
  assert.equal(isUnspecifiedAddress(""), false);
});

Deno.test("isUnanswerableSource() is true for martian sources, loopback only from outside", () => {
  const cases: [string, string, boolean][] = [
    ["0.1.2.3", "10.0.0.1", true],
    ["224.0.0.1", "10.0.0.1", true],
    ["239.1.2.3", "10.0.0.1", true],
    ["255.255.255.255", "10.0.0.1", true],
    ["127.54.120.153", "10.0.0.1", true],
    ["ff02::1", "2001:db8::1", true],
    ["::", "2001:db8::1", true],
    ["::1", "2001:db8::1", true],
    // A capture on lo: loopback to loopback is answered.
    ["127.0.0.1", "127.0.0.1", false],
    ["127.0.0.2", "127.9.9.9", false],
    ["::1", "::1", false],
    // Unicast, class E included (Linux answers 240/4).
    ["1.2.3.4", "10.0.0.1", false],
    ["223.255.255.255", "10.0.0.1", false],
    ["240.0.0.1", "10.0.0.1", false],
    ["255.255.255.254", "10.0.0.1", false],
    ["2001:db8::2", "2001:db8::1", false],
    ["fe80::1", "fe80::2", false],
  ];
  for (const [src, dst, expected] of cases) {
    assert.equal(
      isUnanswerableSource(packetBetween(src, dst)),
      expected,
      `${src} -> ${dst}`,
    );
  }
});

Deno.test("isGroupMac() reads the low bit of the first byte, in either case", () => {
  for (let byte = 0; byte < 256; byte++) {
    const hex = byte.toString(16).padStart(2, "0");
    for (const text of [hex, hex.toUpperCase()]) {
      assert.equal(
        isGroupMac(`${text}:00:5e:00:00:01`),
        (byte & 1) === 1,
        text,
      );
    }
  }
  assert.equal(isGroupMac("ff:ff:ff:ff:ff:ff"), true);
  assert.equal(isGroupMac("33:33:00:00:00:01"), true);
  assert.equal(isGroupMac("52:54:00:12:35:02"), false);
});

Deno.test("isSpoofOnlySource() is true of no address, the unspecified ones, multicast and broadcast", () => {
  for (
    const address of [
      "",
      "0.0.0.0",
      "::",
      "224.0.0.251",
      "ff02::1",
      "255.255.255.255",
    ]
  ) {
    assert.equal(isSpoofOnlySource(address), true, address);
  }
  for (const address of ["192.168.1.66", "2001:db8::1", "fe80::1"]) {
    assert.equal(isSpoofOnlySource(address), false, address);
  }
});
