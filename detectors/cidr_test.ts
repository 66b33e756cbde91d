import assert from "node:assert/strict";
import { packetBetween } from "../capture/decode/test_helpers.ts";
import { CidrSet, parseCidr } from "./cidr.ts";

Deno.test("parseCidr: IPv4 network, prefix and cleared host bits", () => {
  assert.deepEqual(parseCidr("10.0.0.0/8"), {
    text: "10.0.0.0/8",
    family: 4,
    words: [0x0a000000],
    prefixLength: 8,
  });
  assert.deepEqual(parseCidr("10.1.2.3/8").words, [0x0a000000]);
  assert.deepEqual(parseCidr("192.168.1.7").words, [0xc0a80107]);
  assert.equal(parseCidr("192.168.1.7").prefixLength, 32);
  assert.deepEqual(parseCidr("0.0.0.0/0").words, [0]);
});

Deno.test("parseCidr: IPv6 forms", () => {
  assert.deepEqual(parseCidr("fc00::/7").words, [0xfc000000, 0, 0, 0]);
  assert.deepEqual(parseCidr("fdff:ffff::1/7").words, [0xfc000000, 0, 0, 0]);
  assert.deepEqual(parseCidr("::1").words, [0, 0, 0, 1]);
  assert.equal(parseCidr("::1").prefixLength, 128);
  assert.deepEqual(parseCidr("2001:db8:0:0:0:0:0:1/128").words, [
    0x20010db8,
    0,
    0,
    1,
  ]);
  assert.deepEqual(parseCidr("::ffff:10.0.0.1/128").words, [
    0,
    0,
    0xffff,
    0x0a000001,
  ]);
});

Deno.test("parseCidr: invalid CIDRs throw a TypeError naming them", () => {
  for (
    const bad of [
      "10.0.0.0/33",
      "10.0.0/8",
      "300.1.1.1/8",
      "01.2.3.4/8",
      "1.2.3.4/",
      "1.2.3.4/-1",
      "1.2.3.4/8/8",
      "1.2.3.4.5",
      "fc00::/129",
      "1:2:3:4:5:6:7:8:9/64",
      "1::2::3/64",
      "12345::/16",
      "gggg::/16",
      "home",
      "",
    ]
  ) {
    assert.throws(
      () => parseCidr(bad),
      (error: unknown) =>
        error instanceof TypeError && error.message.includes(`"${bad}"`),
      bad,
    );
  }
});

Deno.test("CidrSet: constructor names the first bad CIDR", () => {
  assert.throws(
    () => new CidrSet(["10.0.0.0/8", "192.168.0.0/33"]),
    (error: unknown) =>
      error instanceof TypeError && error.message.includes("192.168.0.0/33"),
  );
});

Deno.test("CidrSet: IPv4 membership at block edges", () => {
  const set = new CidrSet(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
  assert.equal(set.has("10.0.0.0"), true);
  assert.equal(set.has("10.255.255.255"), true);
  assert.equal(set.has("11.0.0.0"), false);
  assert.equal(set.has("9.255.255.255"), false);
  assert.equal(set.has("172.16.0.1"), true);
  assert.equal(set.has("172.31.255.255"), true);
  assert.equal(set.has("172.32.0.0"), false);
  assert.equal(set.has("172.15.255.255"), false);
  assert.equal(set.has("192.168.200.1"), true);
  assert.equal(set.has("192.169.0.1"), false);
  assert.equal(set.has("8.8.8.8"), false);
});

Deno.test("CidrSet: host blocks, /0 and the empty set", () => {
  const host = new CidrSet(["67.169.189.180/32"]);
  assert.equal(host.has("67.169.189.180"), true);
  assert.equal(host.has("67.169.189.181"), false);
  const all = new CidrSet(["0.0.0.0/0", "::/0"]);
  assert.equal(all.has("1.2.3.4"), true);
  assert.equal(all.has("2001:db8::1"), true);
  const none = new CidrSet([]);
  assert.equal(none.has("10.0.0.1"), false);
  assert.equal(none.length, 0);
});

Deno.test("CidrSet: IPv6 membership, zones and IPv4-mapped addresses", () => {
  const set = new CidrSet(["fc00::/7", "2001:db8:abcd::/48", "10.0.0.0/8"]);
  assert.equal(set.has("fd12:3456:789a::1"), true);
  assert.equal(set.has("fc00::"), true);
  assert.equal(set.has("fe00::1"), false);
  assert.equal(set.has("2001:db8:abcd:12::1"), true);
  assert.equal(set.has("2001:db8:abce::1"), false);
  assert.equal(set.has("fd00::1%eth0"), true);
  assert.equal(set.has("::ffff:10.1.2.3"), true);
  assert.equal(set.has("::ffff:11.1.2.3"), false);
  assert.equal(set.has("2001:4860:4860::8888"), false);
});

Deno.test("CidrSet: unparsable addresses are outside, never an error", () => {
  const set = new CidrSet(["0.0.0.0/0", "::/0"]);
  for (
    const bad of ["", "10.0.0", "10.0.0.256", "a.b.c.d", "1::2::3", ":::", "x"]
  ) {
    assert.equal(set.has(bad), false, bad);
  }
});

Deno.test("CidrSet: repeated lookups of the same addresses agree", () => {
  const set = new CidrSet([
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
  ]);
  const addresses = Array.from(
    { length: 1000 },
    (_, i) => `${(i * 37) % 256}.${i % 256}.${(i * 7) % 256}.${i % 200}`,
  );
  const expected = addresses.filter((address) => {
    const [a, b] = address.split(".").map(Number) as [number, number];
    return a === 10 || (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168);
  }).length;
  let inside = 0;
  for (let i = 0; i < 100_000; i++) {
    if (set.has(addresses[i % 1000]!)) inside++;
  }
  assert.ok(expected > 0);
  assert.equal(inside, expected * 100);
});

Deno.test("CidrSet: hasSource() and hasDestination() agree with has() on a packet's addresses", () => {
  const set = new CidrSet(["10.0.0.0/8", "2001:db8::/32"]);
  const addresses = [
    "10.255.0.1",
    "11.0.0.1",
    "2001:db8::5",
    "2001:db9::5",
    "",
  ];
  for (const src of addresses) {
    for (const dst of addresses) {
      const packet = packetBetween(src, dst);
      assert.equal(set.hasSource(packet), set.has(src), src);
      assert.equal(set.hasDestination(packet), set.has(dst), dst);
    }
  }
});
